/**
 * runReview in process when a part of the run fails: a model request (the adapter has already retried it),
 * a failure that rules out every later request, an overloaded model, and a GitHub write. The run still
 * completes the check and the summary, and says what failed. A failed read of what earlier runs left on
 * the PR is the exception: the run stops before posting anything.
 */
import { describe, expect, it } from 'vitest';
import { runReview } from '../../../../action/engine.js';
import {
  callsOf,
  fakePr,
  findingsFor,
  found,
  lists,
  type ModelRequest,
  type ModelResult,
} from '../../../support/fake-ports.js';
import { BASE, CART_BASE, CART_HEAD, FLOORS_CENTS, HEAD, SKIPS_FIRST } from './fixtures.js';

const CONFIGURED = 'claude-sonnet-4-5';
const NO_USAGE = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };

/**
 * A code file and a doc: two requests, `c1` (src/cart.ts, the configured model, sent first and alone) and
 * `tc1` (docs/guide.md, the cheap model). The configured model answers with `code`, the other finds nothing.
 */
function codeAndDocPr(code: (request: ModelRequest) => ModelResult) {
  return fakePr({
    base: { 'src/cart.ts': CART_BASE, 'docs/guide.md': '# Guide\n' },
    head: { 'src/cart.ts': CART_HEAD, 'docs/guide.md': '# Guide\n\nTotals count every line.\n' },
    script: (request) => (request.model === CONFIGURED ? code(request) : found([])),
  });
}

describe('a model request that fails', () => {
  it('fails alone: the other request is sent, the check is neutral and the summary names the failed one', async () => {
    const error = 'Anthropic API HTTP 400, invalid_request_error, request id req_1: prompt is too long';
    const pr = codeAndDocPr(() => ({ ok: false, error, usage: NO_USAGE }));

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.model.reviews.map((r) => r.model)).toEqual([CONFIGURED, 'claude-haiku-4-5']);
    expect(lists(pr.model.reviews[0]!, 'src/cart.ts')).toBe(true);
    expect(lists(pr.model.reviews[1]!, 'docs/guide.md')).toBe(true);

    expect(pr.github.writes()).toEqual(['createCheckRun', 'upsertSummaryComment', 'completeCheckRun']);
    const check = pr.github.lastCheck().result!;
    expect(check.conclusion).toBe('neutral');
    expect(check.output.title).toContain('1 of 2 review requests failed');
    const summary = pr.github.summary!;
    expect(summary).toContain('⚪ Neutral');
    expect(summary).toContain('### Failed requests (1)');
    expect(summary).toContain(`- \`c1\` (1 file): ${error}`);
    expect(summary).toContain(`**request-failed** (1): \`src/cart.ts (${error})\``);

    expect(run.outcome).toMatchObject({ status: 'partial', conclusion: 'neutral' });
    expect(run.outcome.failedChunks).toEqual([{ id: 'c1', files: ['src/cart.ts'], error }]);
    // Nothing is wrong with the key or the plan: the step itself passes.
    expect(run.errors).toEqual([]);
  });

  it('that rules out every request (a rejected key) stops the rest and fails the step after posting', async () => {
    const error = 'Anthropic API HTTP 401, authentication_error, request id req_2: check anthropic-api-key';
    const pr = codeAndDocPr(() => ({ ok: false, error, blocks: 'account', usage: NO_USAGE }));

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.model.reviews.map((r) => r.model)).toEqual([CONFIGURED]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'upsertSummaryComment', 'completeCheckRun']);
    expect(pr.github.lastCheck().result).toMatchObject({
      conclusion: 'neutral',
      output: { title: expect.stringContaining('2 of 2 review requests failed') },
    });
    const summary = pr.github.summary!;
    expect(summary).toContain('### Failed requests (2)');
    expect(summary).toContain(`- \`c1\` (1 file): ${error}`);
    expect(summary).toContain(`- \`tc1\` (1 file): not sent: ${error}`);
    expect(run.outcome.status).toBe('failed');
    expect(run.errors).toEqual([`The review could not run: ${error}`]);
  });

  it('on an overloaded model is sent again to the fallback model, which finishes the review', async () => {
    const pr = fakePr({ base: BASE, head: HEAD });
    const findings = findingsFor(SKIPS_FIRST, FLOORS_CENTS);
    pr.model.script = (request, n) =>
      request.model === CONFIGURED
        ? { ok: false, error: 'Anthropic API HTTP 529, overloaded_error, request id req_3', usage: NO_USAGE }
        : findings(request, n);

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.model.reviews.map((r) => r.model)).toEqual([CONFIGURED, 'claude-haiku-4-5']);
    expect(pr.model.reviews[1]!.user).toBe(pr.model.reviews[0]!.user);
    expect(pr.github.comments.map((c) => c.path)).toEqual(['src/cart.ts', 'src/money.ts']);
    expect(pr.github.summary).toContain(
      `Fallback model: ${CONFIGURED} was overloaded (HTTP 529 after retries), so claude-haiku-4-5 finished the review.`,
    );
    expect(run.outcome).toMatchObject({ model: 'claude-haiku-4-5', status: 'completed', failedChunks: [] });
    expect(pr.log.of('warning')).toContain(
      `Request c1: ${CONFIGURED} overloaded; sending it to claude-haiku-4-5`,
    );
  });
});

describe('a GitHub write that fails', () => {
  it('loses only itself: the findings move to the summary, the check completes, the step fails naming it', async () => {
    const denied = new Error(
      'GitHub refused to post the review: the token lacks "pull-requests: write" permission.',
    );
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, FLOORS_CENTS) });
    pr.github.failing.createReview = denied;

    const run = await runReview(pr.deps, pr.settings);

    expect(callsOf(pr.github.calls, 'createReview')).toHaveLength(1);
    expect(pr.github.comments).toEqual([]);
    const summary = pr.github.summary!;
    expect(summary).toContain('0 posted inline · 2 listed below.');
    expect(summary).toMatch(/total\(\) skips the first line — _the review could not be posted_/);
    expect(pr.github.lastCheck().result).toMatchObject({ conclusion: 'failure' });
    expect(pr.github.lastCheck().result!.annotations).toHaveLength(2);
    expect(run.errors).toEqual([denied.message]);
  });

  it('for the check itself still posts the review and the summary', async () => {
    const denied = new Error(
      'GitHub refused to create the check run: the token lacks "checks: write" permission.',
    );
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST) });
    pr.github.failing.createCheckRun = denied;

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.github.writes()).toEqual(['createCheckRun', 'createReview', 'upsertSummaryComment']);
    expect(pr.github.comments.map((c) => c.path)).toEqual(['src/cart.ts']);
    expect(pr.github.summary).toContain('1 posted inline.');
    expect(run.errors).toEqual([denied.message]);
  });
});

describe('a GitHub read of what earlier runs posted that fails', () => {
  it('stops the run before the model and any write: nothing posted again, the summary and its dismissals kept', async () => {
    // Reviewed once, then a person resolves the high finding's thread and a re-run records the dismissal.
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, FLOORS_CENTS) });
    await runReview(pr.deps, pr.settings);
    pr.github.comments[0]!.resolved = true;
    await runReview(pr.deps, pr.settings);
    const dismissed = [pr.github.comments[0]!.fingerprint];
    expect(pr.github.summaryState()!.lifecycle!.dismissed).toEqual(dismissed);
    const summary = pr.github.summary;
    pr.nextRun();
    // A 502 the adapter's retries did not get past.
    pr.github.failing.listExistingFindingMarkers = new Error(
      'GitHub refused to list the PR comments: HTTP 502 Bad Gateway',
    );

    const stopped = runReview(pr.deps, pr.settings);

    await expect(stopped).rejects.toThrow(
      "Could not read what earlier runs left on the pull request (GitHub refused to list the PR comments: HTTP 502 Bad Gateway). Nothing posted: without it this run would post again the findings already on the PR, dismissed ones included, and overwrite the summary's record of them.",
    );
    expect(pr.model.reviews).toEqual([]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'completeCheckRun']);
    expect(pr.github.lastCheck()).toMatchObject({
      id: 3,
      result: {
        conclusion: 'neutral',
        output: {
          title: 'Review did not complete',
          summary: expect.stringContaining('Could not read what earlier runs left on the pull request'),
        },
        annotations: [],
      },
    });
    expect(pr.github.comments).toHaveLength(2);
    expect(pr.github.summary).toBe(summary);
    expect(pr.github.summaryState()!.lifecycle!.dismissed).toEqual(dismissed);
  });
});
