/**
 * runReview in process across pushes to one PR: the second run reads what the first one posted (through
 * the fake GitHub, as the adapter reads it), reviews only what the push changed, and follows each finding:
 * still open, fixed (a reply in its thread), or dismissed by a person.
 */
import { describe, expect, it } from 'vitest';
import { runReview } from '../../../../action/engine.js';
import { callsOf, fakePr, findingsFor, found, lists } from '../../../support/fake-ports.js';
import { BASE, CART_HEAD, FLOORS_CENTS, HEAD, MONEY_FIXED, MONEY_HEAD, SKIPS_FIRST } from './fixtures.js';

const short = (sha: string) => sha.slice(0, 7);

/** The PR reviewed once, both findings posted; the calls of that first run forgotten. */
async function reviewedPr() {
  const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, FLOORS_CENTS) });
  await runReview(pr.deps, pr.settings);
  expect(pr.github.comments.map((c) => [c.threadId, c.path])).toEqual([
    ['T1', 'src/cart.ts'],
    ['T2', 'src/money.ts'],
  ]);
  const firstHead = pr.settings.pr.headSha;
  pr.nextRun();
  return { pr, firstHead };
}

describe('a second run on the same head (a re-run)', () => {
  it('reviews the whole PR again, re-checks and re-posts nothing already there, and updates the summary', async () => {
    const { pr, firstHead } = await reviewedPr();

    const run = await runReview(pr.deps, pr.settings);

    expect(run.outcome.range).toMatchObject({ mode: 'full', from: pr.baseSha, to: firstHead });
    expect(lists(pr.model.reviews[0]!, 'src/cart.ts')).toBe(true);
    // The high finding was confirmed when first raised: the validation pass is not asked again.
    expect(pr.model.confirms).toEqual([]);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'upsertSummaryComment', 'completeCheckRun']);
    expect(pr.github.comments).toHaveLength(2);
    expect(pr.github.summary).toContain('0 posted inline · 2 already posted by an earlier run.');
    expect(pr.github.lastCheck()).toMatchObject({ id: 2, result: { conclusion: 'failure' } });
    expect(run.outcome.alreadyPosted).toBe(2);
  });
});

describe('a push after a reviewed head', () => {
  it('reviews only the file the push touched and posts nothing already on the PR', async () => {
    const { pr, firstHead } = await reviewedPr();
    const head = pr.push({ 'src/money.ts': `${MONEY_HEAD}\nexport const CENT = 0.01;\n` });

    const run = await runReview(pr.deps, pr.settings);

    expect(callsOf(pr.git.calls, 'ensureCommit')).toEqual([[firstHead]]);
    expect(callsOf(pr.git.calls, 'isAncestor')).toEqual([[firstHead, head]]);
    expect(callsOf(pr.git.calls, 'diffFiles')).toEqual([
      [pr.baseSha, head],
      [firstHead, head],
    ]);
    expect(pr.model.reviews).toHaveLength(1);
    expect(lists(pr.model.reviews[0]!, 'src/money.ts')).toBe(true);
    expect(lists(pr.model.reviews[0]!, 'src/cart.ts')).toBe(false);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'upsertSummaryComment', 'completeCheckRun']);
    expect(callsOf(pr.github.calls, 'listReviewThreads')).toEqual([[7]]);

    const summary = pr.github.summary!;
    expect(summary).toContain(`Reviewed changes pushed since ${short(firstHead)}`);
    expect(summary).toContain('1 file unchanged since the last review');
    expect(summary).toContain(`0 new · 2 still open · 0 fixed since ${short(firstHead)}`);
    expect(summary).toContain('already posted by an earlier run');
    const state = pr.github.summaryState()!;
    expect(state.headSha).toBe(head);
    expect(state.lifecycle!.open.map((f) => [f.path, f.seenAt])).toEqual([
      ['src/cart.ts', firstHead],
      ['src/money.ts', firstHead],
    ]);
    // The high finding in the file the push left alone still stands: the new head's check is not green.
    expect(pr.github.checkRuns).toHaveLength(2);
    expect(pr.github.lastCheck()).toMatchObject({ headSha: head, result: { conclusion: 'failure' } });
    expect(run.outcome.range).toMatchObject({ mode: 'incremental', from: firstHead, to: head });
    expect(run.outcome.alreadyPosted).toBe(1);
  });

  it('replies in the thread of a finding the push fixed, and keeps the other open', async () => {
    const { pr, firstHead } = await reviewedPr();
    pr.model.script = () => found([]);
    const head = pr.push({ 'src/money.ts': MONEY_FIXED });

    const run = await runReview(pr.deps, pr.settings);

    expect(callsOf(pr.github.calls, 'replyInThreads')).toEqual([
      [['T2'], `Fixed in ${short(head)}: the code this comment pointed at has changed. (diffray)`],
    ]);
    expect(pr.github.writes()).toEqual([
      'createCheckRun',
      'replyInThreads',
      'upsertSummaryComment',
      'completeCheckRun',
    ]);
    expect(pr.github.summary).toContain(`0 new · 1 still open · 1 fixed since ${short(firstHead)}`);
    expect(pr.github.summaryState()!.lifecycle!.open.map((f) => f.path)).toEqual(['src/cart.ts']);
    expect(pr.github.lastCheck().result!.conclusion).toBe('failure');
    expect(run.outcome.lifecycle).toMatchObject({
      new: 0,
      stillOpen: 1,
      fixed: 1,
      since: firstHead,
      replies: { posted: 1, capped: 0 },
    });
  });

  it('never raises a finding again once a person resolved its thread', async () => {
    const { pr, firstHead } = await reviewedPr();
    pr.github.comments[0]!.resolved = true;
    // A line added above the flagged one: the model raises the same finding again, one line lower.
    pr.push({ 'src/cart.ts': CART_HEAD.replace('  let sum = 0;', '  // every line counts\n  let sum = 0;') });
    pr.model.script = findingsFor({ ...SKIPS_FIRST, line: SKIPS_FIRST.line + 1 });

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.model.reviews).toHaveLength(1);
    expect(lists(pr.model.reviews[0]!, 'src/cart.ts')).toBe(true);
    expect(pr.github.writes()).toEqual(['createCheckRun', 'upsertSummaryComment', 'completeCheckRun']);
    const summary = pr.github.summary!;
    expect(summary).toContain(`0 new · 1 still open · 0 fixed since ${short(firstHead)} · 1 dismissed`);
    expect(summary).not.toContain('total() skips the first line');
    expect(pr.github.summaryState()!.lifecycle!.dismissed).toEqual([pr.github.comments[0]!.fingerprint]);
    // What is left open is the medium finding: under fail-on high the check passes.
    expect(pr.github.lastCheck().result!.conclusion).toBe('success');
    expect(run.findings).toEqual([]);
  });

  it('reviews the whole PR again after a force-push, and says why', async () => {
    const { pr, firstHead } = await reviewedPr();
    pr.model.script = findingsFor(SKIPS_FIRST);
    const head = pr.push({ 'src/money.ts': MONEY_FIXED }, { force: true });

    const run = await runReview(pr.deps, pr.settings);

    expect(callsOf(pr.git.calls, 'isAncestor')).toEqual([[firstHead, head]]);
    expect(callsOf(pr.git.calls, 'diffFiles')).toEqual([[pr.baseSha, head]]);
    expect(lists(pr.model.reviews[0]!, 'src/cart.ts')).toBe(true);
    expect(lists(pr.model.reviews[0]!, 'src/money.ts')).toBe(true);
    expect(run.outcome.range).toMatchObject({ mode: 'full', from: pr.baseSha, to: head });
    expect(pr.github.summary).toContain(
      `the last reviewed head ${short(firstHead)} is no longer in the branch history (force-push or rebase)`,
    );
    // The cart finding is the same code: already on the PR, so no second review.
    expect(pr.github.writes()).not.toContain('createReview');
    expect(callsOf(pr.github.calls, 'replyInThreads')).toEqual([
      [['T2'], expect.stringContaining('Fixed in')],
    ]);
  });
});
