/**
 * runReview in process when the run ends without a verdict: a draft, an invalid base config, a head the PR
 * has left (before or during the review), and a cancellation by the runner. Each completes the check with
 * the reason and posts nothing else; a cancellation once posting has begun is ignored.
 */
import { describe, expect, it } from 'vitest';
import { runReview } from '../../../../action/engine.js';
import { CancelledError, ConfigError, SkipError } from '../../../../action/errors.js';
import {
  callsOf,
  fakePr,
  fakeResultsApi,
  findingsFor,
  found,
  type ModelResult,
} from '../../../support/fake-ports.js';
import { BASE, FLOORS_CENTS, HEAD, SKIPS_FIRST } from './fixtures.js';

const short = (sha: string) => sha.slice(0, 7);
/** Lets whatever the fakes resolved run on (they answer at once, so one timer tick is enough). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('a run that does not review', () => {
  it('skips a draft: a neutral check with the reason, no model call, no review or summary', async () => {
    const pr = fakePr({ base: BASE, head: HEAD, settings: { pr: { draft: true } } });

    const stopped = runReview(pr.deps, pr.settings);

    await expect(stopped).rejects.toBeInstanceOf(SkipError);
    await expect(stopped).rejects.toThrow(/^Draft pull request: not reviewed \(set review-drafts: true/);
    expect(pr.model.reviews).toEqual([]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    expect(pr.github.lastCheck()).toEqual({
      id: 1,
      headSha: pr.settings.pr.headSha,
      result: {
        conclusion: 'neutral',
        output: { title: 'Not reviewed', summary: expect.stringContaining('set review-drafts: true') },
        annotations: [],
      },
    });
  });

  it('skips a repository whose own base config says enabled: false, naming the file, with no model call', async () => {
    const pr = fakePr({ base: { ...BASE, '.diffray.yml': 'enabled: false\n' }, head: HEAD });

    await expect(runReview(pr.deps, pr.settings)).rejects.toBeInstanceOf(SkipError);
    expect(pr.model.reviews).toEqual([]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    expect(pr.github.lastCheck().result).toMatchObject({
      conclusion: 'neutral',
      output: { title: 'Disabled by .diffray.yml', summary: expect.stringContaining('no model called') },
    });
  });

  it('reviews a draft when the base config sets review-drafts: true', async () => {
    const pr = fakePr({
      base: { ...BASE, '.diffray.yml': 'review-drafts: true\n' },
      head: HEAD,
      script: findingsFor(SKIPS_FIRST),
      settings: { pr: { draft: true } },
    });

    await runReview(pr.deps, pr.settings);

    expect(pr.model.reviews).toHaveLength(1);
    expect(pr.github.writes()).toContain('createReview');
    expect(pr.github.lastCheck().result!.conclusion).toBe('failure');
  });

  it('fails the check on an invalid base config, naming each key and its line, and reviews nothing', async () => {
    const pr = fakePr({
      base: { ...BASE, '.diffray.yml': 'max-comments: 5\nfail-on: extreme\nreview-draft: true\n' },
      head: HEAD,
    });

    const stopped = runReview(pr.deps, pr.settings);

    await expect(stopped).rejects.toBeInstanceOf(ConfigError);
    await expect(stopped).rejects.toThrow(
      /^Invalid \.diffray\.yml \(read from the base branch: fix it there\)/,
    );
    expect(callsOf(pr.git.calls, 'showFile')).toContainEqual([pr.baseSha, '.diffray.yml']);
    expect(pr.model.reviews).toEqual([]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    const check = pr.github.lastCheck().result!;
    expect(check).toMatchObject({ conclusion: 'failure', output: { title: 'Invalid .diffray.yml' } });
    expect(check.output.summary).toMatch(/^```\n/);
    expect(check.output.summary).toMatch(/\.diffray\.yml:2: fail-on: /);
    expect(check.output.summary).toMatch(/\.diffray\.yml:3: review-draft: unknown key review-draft/);
  });
});

describe("the PR's head", () => {
  it('already past this run’s head: not reviewed, a neutral check says which run reviews it', async () => {
    const pr = fakePr({ base: BASE, head: HEAD });
    pr.github.head = 'f'.repeat(40);

    await expect(runReview(pr.deps, pr.settings)).rejects.toThrow(
      `Outdated run: the pull request's head is now fffffff, and this run is for ${short(pr.settings.pr.headSha)}`,
    );
    expect(pr.model.reviews).toEqual([]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    expect(pr.github.lastCheck().result).toMatchObject({
      conclusion: 'neutral',
      output: { title: 'Not reviewed' },
    });
  });

  it('moving during the review: nothing is posted, reported or replied, and the check is neutral', async () => {
    const resultsApi = fakeResultsApi();
    const pr = fakePr({ base: BASE, head: HEAD, resultsApi, script: findingsFor(SKIPS_FIRST, FLOORS_CENTS) });
    const reviewed = pr.settings.pr.headSha;
    // GitHub answers this run's head until the model has answered, a newer one after.
    pr.github.head = () => (pr.model.reviews.length === 0 ? reviewed : 'e'.repeat(40));

    const stopped = runReview(pr.deps, pr.settings);

    await expect(stopped).rejects.toBeInstanceOf(SkipError);
    await expect(stopped).rejects.toThrow(
      `Outdated run: the pull request's head moved to eeeeeee while this run reviewed ${short(reviewed)}. Nothing posted`,
    );
    expect(pr.model.reviews).toHaveLength(1);
    expect(callsOf(pr.github.calls, 'currentHead')).toEqual([[7], [7]]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    expect(pr.github.lastCheck().result).toMatchObject({
      conclusion: 'neutral',
      output: { title: 'Not reviewed' },
    });
    expect(pr.github.summary).toBeUndefined();
    expect(callsOf(resultsApi.calls, 'sendReport')).toEqual([]);
  });

  it('unknown to GitHub (the read fails): the run reviews as usual and says why in the debug log', async () => {
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST) });
    pr.github.failing.currentHead = new Error('GitHub refused to read the pull request: HTTP 404');

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.github.writes()).toEqual([
      'createCheckRun',
      'createReview',
      'upsertSummaryComment',
      'completeCheckRun',
    ]);
    expect(pr.log.of('debug')).toContain(
      "Could not read the PR's current head: GitHub refused to read the pull request: HTTP 404",
    );
    expect(run.errors).toEqual([]);
  });
});

describe('a cancellation by the runner', () => {
  const cancelled = () =>
    new CancelledError(
      'The run was cancelled (SIGINT) before the review was posted. No review or summary was posted.',
    );

  it('before posting ends the run at once with a cancelled check; the model answering later posts nothing', async () => {
    const controller = new AbortController();
    const pr = fakePr({ base: BASE, head: HEAD, settings: { signal: controller.signal } });
    let answer!: (result: ModelResult) => void;
    pr.model.script = () => {
      controller.abort(cancelled());
      return new Promise((resolve) => (answer = resolve));
    };

    const stopped = runReview(pr.deps, pr.settings);

    await expect(stopped).rejects.toBeInstanceOf(CancelledError);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    expect(pr.github.lastCheck().result).toEqual({
      conclusion: 'cancelled',
      output: { title: 'Cancelled', summary: cancelled().message },
      annotations: [],
    });

    // The model's late answer starts nothing more: the model lanes refuse new requests once the signal has
    // aborted, so the validation pass is never sent and nothing is posted.
    answer(found([SKIPS_FIRST, FLOORS_CENTS]));
    await settle();
    expect(pr.model.reviews).toHaveLength(1);
    expect(pr.model.confirms).toHaveLength(0);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    expect(pr.github.summary).toBeUndefined();
  });

  it('once posting has begun is ignored: the run finishes its writes and the check gets the verdict', async () => {
    const controller = new AbortController();
    const pr = fakePr({
      base: BASE,
      head: HEAD,
      script: findingsFor(SKIPS_FIRST),
      settings: { signal: controller.signal },
    });
    const createReview = pr.github.createReview;
    pr.github.createReview = (number, review) => {
      controller.abort(cancelled());
      return createReview(number, review);
    };

    const run = await runReview(pr.deps, pr.settings);

    expect(controller.signal.aborted).toBe(true);
    expect(pr.github.writes()).toEqual([
      'createCheckRun',
      'createReview',
      'upsertSummaryComment',
      'completeCheckRun',
    ]);
    expect(pr.github.lastCheck().result!.conclusion).toBe('failure');
    expect(run.outcome.conclusion).toBe('failure');
  });
});
