/**
 * runReview in process, on a first review of a PR: what each port is asked and given when the model finds
 * nothing, when it finds problems on the diff, and when a finding cannot be placed on the diff.
 */
import { describe, expect, it } from 'vitest';
import { runReview } from '../../../../action/engine.js';
import {
  callsOf,
  fakePr,
  fakeResultsApi,
  findingsFor,
  found,
  lists,
  modelFinding,
} from '../../../support/fake-ports.js';
import { BASE, FLOORS_CENTS, HEAD, SKIPS_FIRST } from './fixtures.js';

const SUMMARY_MARKER = '<!-- diffray:summary -->';

describe('a PR the model finds nothing in', () => {
  it('reads the base config, sends the diff once, and posts a passing check and a summary, no review', async () => {
    const resultsApi = fakeResultsApi();
    const pr = fakePr({ base: BASE, head: HEAD, resultsApi });
    const { baseSha } = pr;
    const headSha = pr.settings.pr.headSha;

    const run = await runReview(pr.deps, pr.settings);

    expect(callsOf(pr.git.calls, 'mergeBase')).toEqual([[baseSha, headSha]]);
    expect(callsOf(pr.git.calls, 'showFile')).toContainEqual([baseSha, '.diffray.yml']);
    expect(callsOf(pr.git.calls, 'diffFiles')).toEqual([[baseSha, headSha]]);

    expect(pr.model.reviews).toHaveLength(1);
    const request = pr.model.reviews[0]!;
    expect(request.model).toBe('claude-sonnet-4-5');
    expect(lists(request, 'src/cart.ts')).toBe(true);
    expect(lists(request, 'src/money.ts')).toBe(true);
    expect(request.user).not.toContain('README.md');
    expect(request.user).toContain('Count the widgets');
    expect(pr.model.confirms).toHaveLength(0);

    expect(pr.github.writes()).toEqual(['createCheckRun', 'upsertSummaryComment', 'completeCheckRun']);
    expect(callsOf(pr.github.calls, 'createCheckRun')).toEqual([[headSha]]);
    expect(pr.github.lastCheck().result).toMatchObject({
      conclusion: 'success',
      output: { title: 'No findings' },
      annotations: [],
    });
    const summary = pr.github.summary!;
    expect(summary.startsWith(`${SUMMARY_MARKER}\n`)).toBe(true);
    expect(summary).toContain('✅ Passed');
    expect(summary).toContain('[Full results](https://app.diffray.example/reviews/r1)');
    expect(pr.github.summaryState()).toEqual({
      version: 1,
      headSha,
      baseSha,
      fingerprints: [],
      lifecycle: { open: [], dismissed: [] },
    });

    expect(callsOf(resultsApi.calls, 'fetchConfig')).toEqual([['acme/widgets']]);
    expect(resultsApi.reports).toEqual([
      expect.objectContaining({
        repository: 'acme/widgets',
        pullRequest: 7,
        headSha,
        baseSha,
        status: 'completed',
        conclusion: 'success',
        findings: [],
      }),
    ]);

    expect(run).toMatchObject({
      mergeBase: baseSha,
      findings: [],
      resultsUrl: 'https://app.diffray.example/reviews/r1',
      warnings: [],
      errors: [],
    });
    expect(run.outcome).toMatchObject({ status: 'completed', conclusion: 'success', posted: [] });
    expect(run.outcome.reviewedFiles.sort()).toEqual(['src/cart.ts', 'src/money.ts']);
  });
});

describe('findings on the diff', () => {
  it('posts them in one review on the head, annotates them, and fails the check at fail-on', async () => {
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, FLOORS_CENTS) });
    const headSha = pr.settings.pr.headSha;

    const run = await runReview(pr.deps, pr.settings);

    // Every finding is graded by the validation pass, in one request: correctness goes to the review model,
    // which sees the enclosing block with the diff's marks and the PR's text as untrusted data.
    expect(pr.model.confirms).toHaveLength(1);
    expect(pr.model.confirms[0]).toMatchObject({ model: pr.settings.model, count: 2 });
    const user = pr.model.confirms[0]!.user;
    expect(user).toContain('total() skips the first line');
    expect(user).toContain('toCents() truncates');
    expect(user).toContain('<untrusted_pr_description>');
    expect(user).toContain('-  for (let i = 0; i < lines.length; i++)');
    expect(user).toMatch(/^>\s*10\+ {2}for \(let i = 1;/m);
    expect(user).toMatch(/^ \s*8 export function total/m);

    expect(pr.github.writes()).toEqual([
      'createCheckRun',
      'createReview',
      'upsertSummaryComment',
      'completeCheckRun',
    ]);
    expect(pr.github.reviews).toHaveLength(1);
    const review = pr.github.reviews[0]!;
    expect(review).toMatchObject({ pr: 7, commitId: headSha });
    expect(review.body).toContain('2 new issues');
    expect(
      review.comments.map((c) => c.comment).map(({ path, line, side }) => ({ path, line, side })),
    ).toEqual([
      { path: 'src/cart.ts', line: SKIPS_FIRST.line, side: 'RIGHT' },
      { path: 'src/money.ts', line: FLOORS_CENTS.line, side: 'RIGHT' },
    ]);
    for (const { fingerprint, comment } of review.comments)
      expect(comment.body).toContain(`<!-- diffray:finding:${fingerprint} -->`);
    expect(review.comments[0]!.comment.body).toContain('total() skips the first line');

    const check = pr.github.lastCheck().result!;
    expect(check.conclusion).toBe('failure');
    expect(check.output.title).toBe('2 findings: 1 finding at or above high');
    expect(check.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ['src/cart.ts', SKIPS_FIRST.line, 'failure'],
      ['src/money.ts', FLOORS_CENTS.line, 'warning'],
    ]);

    // The summary lists both and remembers them as open for the next run.
    const summary = pr.github.summary!;
    expect(summary).toContain('❌ Failed');
    expect(summary).toContain('2 posted inline.');
    const state = pr.github.summaryState()!;
    expect(state.lifecycle!.open.map((f) => [f.path, f.severity, f.seenAt])).toEqual([
      ['src/cart.ts', 'high', headSha],
      ['src/money.ts', 'medium', headSha],
    ]);
    expect(state.fingerprints).toEqual([]);

    expect(run.outcome.posted.map((f) => f.fingerprint)).toEqual(review.comments.map((c) => c.fingerprint));
    expect(run.findings.map((f) => f.title)).toEqual([SKIPS_FIRST.title, FLOORS_CENTS.title]);
    expect(run.errors).toEqual([]);
  });

  it('drops a finding scored below the threshold, and says so in the summary', async () => {
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, FLOORS_CENTS) });
    pr.model.confirmScript = () => ({
      ok: true,
      verdicts: [
        { index: 0, score: 40, reason: 'the first line is a header' },
        { index: 1, score: 85, reason: 'floor loses a cent' },
      ],
      usage: { input: 10, cacheWrite: 0, cacheRead: 0, output: 5 },
    });

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.github.reviews).toHaveLength(1);
    expect(pr.github.reviews[0]!.comments.map((c) => c.comment.path)).toEqual(['src/money.ts']);
    expect(pr.github.summary).toContain('1 finding dropped by validation (score below 80 of 100');
    expect(pr.github.lastCheck().result!.conclusion).toBe('success');
    expect(run.outcome.validation).toEqual({
      checked: 2,
      dropped: 1,
      threshold: 80,
      models: [pr.settings.model],
    });
    expect(run.findings.map((f) => f.validationScore)).toEqual([85]);
  });

  it('keeps the findings of a failed validation request, unchecked, and says so', async () => {
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, FLOORS_CENTS) });
    pr.model.confirmScript = () => ({
      ok: false,
      error: 'HTTP 500 (request id req_1)',
      usage: { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 },
    });

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.github.reviews[0]!.comments).toHaveLength(2);
    expect(pr.github.summary).toContain(
      'Validation failed for 2 findings (HTTP 500 (request id req_1)): kept unchecked.',
    );
    expect(run.outcome.validation).toMatchObject({ checked: 2, dropped: 0, unchecked: 2 });
  });

  it('sends guideline and style findings to the cheaper model, beside the review model', async () => {
    const style = { ...FLOORS_CENTS, category: 'style' as const, title: 'toCents() name' };
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, style) });

    await runReview(pr.deps, pr.settings);

    expect(pr.model.confirms.map((c) => [c.model, c.count]).sort()).toEqual(
      [
        ['claude-haiku-4-5', 1],
        [pr.settings.model, 1],
      ].sort(),
    );
  });

  it('ranks findings by their score within a severity before max-comments cuts', async () => {
    const second = { ...FLOORS_CENTS, severity: 'high' as const, confidence: 0.99 };
    const pr = fakePr({ base: BASE, head: HEAD, script: findingsFor(SKIPS_FIRST, second) });
    pr.settings.maxComments = 1;
    pr.model.confirmScript = (request) => ({
      ok: true,
      verdicts: Array.from({ length: request.count }, (_, index) => ({
        index,
        score: request.user.includes(`[${index}] high correctness at src/cart.ts`) ? 95 : 81,
        reason: '',
      })),
      usage: { input: 10, cacheWrite: 0, cacheRead: 0, output: 5 },
    });

    await runReview(pr.deps, pr.settings);

    expect(pr.github.reviews[0]!.comments.map((c) => c.comment.path)).toEqual(['src/cart.ts']);
  });
});

describe('a finding the diff cannot hold', () => {
  it('is listed in the summary with the reason, not posted inline, and still counts for the verdict', async () => {
    const outside = modelFinding({
      path: 'src/catalog.ts',
      line: 3,
      severity: 'high',
      title: 'price() ignores discounts',
    });
    const unchangedLine = modelFinding({ path: 'src/cart.ts', line: 1, title: 'Import order' });
    const pr = fakePr({
      base: BASE,
      head: HEAD,
      script: (request, n) => found(n === 0 ? [FLOORS_CENTS, outside, unchangedLine] : []),
    });

    const run = await runReview(pr.deps, pr.settings);

    expect(pr.github.reviews).toHaveLength(1);
    expect(pr.github.reviews[0]!.comments.map((c) => `${c.comment.path}:${c.comment.line}`)).toEqual([
      `src/money.ts:${FLOORS_CENTS.line}`,
    ]);
    const summary = pr.github.summary!;
    expect(summary).toContain('1 posted inline · 2 listed below.');
    expect(summary).toContain('### Not posted inline (2)');
    expect(summary).toMatch(/`src\/catalog\.ts:3` price\(\) ignores discounts — _file is not in the diff_/);
    expect(summary).toMatch(/`src\/cart\.ts:1` Import order — _line 1 is not in the diff_/);
    // The unplaced ones are remembered by fingerprint (they have no thread to track).
    expect(pr.github.summaryState()!.fingerprints).toHaveLength(2);

    const check = pr.github.lastCheck().result!;
    expect(check.conclusion).toBe('failure');
    expect(check.annotations.map((a) => a.path)).toEqual(['src/money.ts']);
    expect(run.outcome.unanchored.map((f) => f.reason).sort()).toEqual([
      'file-not-in-diff',
      'line-not-in-diff',
    ]);
  });
});
