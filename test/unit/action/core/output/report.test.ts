import { describe, expect, it } from 'vitest';
import { LIMITS, ReviewReportSchema } from '../../../../../shared/index.js';
import { fitReport, toReviewReport } from '../../../../../action/core/output/report.js';
import {
  BASE_SHA,
  HEAD_SHA,
  makeAnchored,
  makeCoverageGap,
  makeOutcome,
  makeUnanchored,
} from '../../builders.js';

const pr = { repository: 'acme/widgets', pullRequest: 7, headSha: HEAD_SHA, baseSha: BASE_SHA };
const SECRET_CODE = 'const internalAlgorithm = computeSecretSauce(42);';

describe('toReviewReport: the PR at this head', () => {
  const carried = (n: string, overrides = {}) => ({
    fingerprint: n.repeat(32),
    path: 'src/old.ts',
    title: `Earlier ${n}`,
    severity: 'high' as const,
    category: 'correctness' as const,
    line: 5,
    seenAt: BASE_SHA,
    ...overrides,
  });
  const outcome = makeOutcome({
    status: 'completed',
    conclusion: 'failure',
    conclusionReasons: [{ kind: 'blocking-findings', findings: 2, failOn: 'high' }],
    posted: [makeAnchored({ severity: 'high', fingerprint: 'a'.repeat(32) })],
    carried: {
      stillOpen: [carried('d', { body: 'Still here.' }), carried('a', { seenAt: BASE_SHA })],
      fixed: [carried('e', { severity: 'low' })],
      dismissed: [carried('f', { dismissal: { by: 'octocat', reason: 'by design' } })],
    },
  });
  const report = toReviewReport(
    outcome,
    { ...pr, title: 'Fix parser', branch: 'fix/parser', author: 'octocat', event: 're-run' },
    [],
  );

  it('carries every finding with its state: new, still open, fixed by this run, dismissed with who and why', () => {
    expect(ReviewReportSchema.parse(report)).toEqual(report);
    expect(report.findings.map((f) => [f.fingerprint[0], f.state])).toEqual([
      ['a', 'open'],
      ['d', 'open'],
      ['e', 'fixed'],
      ['f', 'dismissed'],
    ]);
    expect(report.findings[0]).toMatchObject({ firstSeen: BASE_SHA });
    expect(report.findings[1]).toMatchObject({ line: 5, body: 'Still here.', firstSeen: BASE_SHA });
    expect(report.findings[3]!.dismissal).toEqual({ by: 'octocat', reason: 'by design' });
  });

  it('names the pull request, what started the run and why it concluded so', () => {
    expect(report).toMatchObject({
      title: 'Fix parser',
      branch: 'fix/parser',
      author: 'octocat',
      event: 're-run',
      reason: '2 findings at or above high',
    });
  });

  it("calls this run's findings new and stamps them with the head", () => {
    const first = toReviewReport(
      makeOutcome({ posted: [makeAnchored({ fingerprint: 'a'.repeat(32) })] }),
      pr,
      [],
    );
    expect(first.findings[0]).toMatchObject({ state: 'new', firstSeen: HEAD_SHA });
    expect(first).not.toHaveProperty('title');
  });
});

describe('toReviewReport', () => {
  const outcome = makeOutcome({
    status: 'partial',
    conclusion: 'neutral',
    posted: [
      makeAnchored({
        severity: 'high',
        startLine: 8,
        line: 10,
        fingerprint: 'a'.repeat(32),
        body: `Use a guard.\n\n\`\`\`ts\n${SECRET_CODE}\n\`\`\`\n\nThen return early.`,
        quote: SECRET_CODE,
        suggestion: SECRET_CODE,
        suggestionApplies: true,
      }),
    ],
    overflow: [makeAnchored({ severity: 'low', fingerprint: 'b'.repeat(32) })],
    unanchored: [makeUnanchored({ severity: 'critical', fingerprint: 'c'.repeat(32), line: 99 })],
    skipped: [{ path: 'b.ts', reason: 'too-large' }],
    coverage: makeCoverageGap(),
  });
  const report = toReviewReport(outcome, pr, [SECRET_CODE]);

  it('is a valid ReviewReport', () => {
    expect(ReviewReportSchema.parse(report)).toEqual(report);
  });

  it('never carries code: fenced blocks, suggestions and quotes are gone', () => {
    const json = JSON.stringify(report);
    expect(json).not.toContain('computeSecretSauce');
    expect(json).not.toContain('```');
    const high = report.findings.find((f) => f.severity === 'high')!;
    expect(high.body).toBe('Use a guard.\n\n[code omitted]\n\nThen return early.');
    expect(Object.keys(high)).not.toContain('suggestion');
    expect(Object.keys(high)).not.toContain('quote');
  });

  it('includes posted, overflow and unanchored findings, most severe first, with their lines', () => {
    expect(report.findings.map((f) => f.severity)).toEqual(['critical', 'high', 'low']);
    expect(report.findings[1]).toMatchObject({ startLine: 8, line: 10, fingerprint: 'a'.repeat(32) });
  });

  it("copies run metadata, and the coverage receipt's figures", () => {
    expect(report).toMatchObject({
      ...pr,
      status: 'partial',
      conclusion: 'neutral',
      model: 'claude-sonnet-4-5',
      tokens: { input: 1000, cacheWrite: 2000, cacheRead: 3000, output: 400 },
      coverage: { filesReviewed: 1, filesSkipped: 1, linesReviewed: 40, linesChanged: 80 },
    });
  });

  it('masks runs of the reviewed code quoted in plain prose, in titles and bodies', () => {
    const quoted = makeOutcome({
      posted: [
        makeAnchored({
          title: `Guard ${SECRET_CODE}`,
          body: `The line ${SECRET_CODE} runs before the check; so does computeSecretSauce(42).`,
        }),
      ],
    });
    const report = toReviewReport(quoted, pr, [`    ${SECRET_CODE}`]);
    expect(JSON.stringify(report)).not.toContain('computeSecretSauce');
    expect(report.findings[0]).toMatchObject({
      title: 'Guard [code omitted]',
      body: 'The line [code omitted] runs before the check; so does[code omitted].',
    });
  });

  it('redacts secrets in the prose', () => {
    const leaky = makeOutcome({ posted: [makeAnchored({ body: 'key AKIAIOSFODNN7EXAMPL3 here' })] });
    const report = toReviewReport(leaky, pr, []);
    expect(report.findings.map((f) => f.body)).toEqual(['key [REDACTED:aws-access-key] here']);
    expect(JSON.stringify(report)).not.toContain('AKIAIOSFODNN7EXAMPL3');
  });

  it('keeps at most the per-review cap of findings', () => {
    const many = Array.from({ length: LIMITS.findingsPerReview + 20 }, (_, i) =>
      makeUnanchored({ fingerprint: i.toString(16).padStart(32, '0') }),
    );
    const capped = toReviewReport(makeOutcome({ unanchored: many }), pr, []);
    expect(capped.findings).toHaveLength(LIMITS.findingsPerReview);
    expect(ReviewReportSchema.safeParse(capped).success).toBe(true);
  });
});

describe('fitReport', () => {
  const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
  /** `count` findings, most severe first as toReviewReport orders them, with `body` and `path`. */
  const report = (count: number, body: string, path = 'src/app.ts') =>
    toReviewReport(
      makeOutcome({
        unanchored: Array.from({ length: count }, (_, i) =>
          makeUnanchored({
            severity: SEVERITIES[Math.floor((i * SEVERITIES.length) / count)]!,
            fingerprint: i.toString(16).padStart(32, '0'),
            path,
            body,
          }),
        ),
      }),
      pr,
      [],
    );
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  const prose = 'The value may be undefined on this path, so the total becomes NaN. '
    .repeat(60)
    .slice(0, 4_000);

  it('leaves a report within the limits as it is', () => {
    const small = report(50, 'Short body.');
    expect(fitReport(small)).toEqual({ report: small, dropped: 0 });
  });

  it('shortens every long body to the same length before leaving anything out', () => {
    const full = report(LIMITS.findingsPerReview, prose);
    expect(bytes(full)).toBeGreaterThan(LIMITS.requestBodyBytes);
    const fitted = fitReport(full);
    expect(bytes(fitted.report)).toBeLessThanOrEqual(LIMITS.requestBodyBytes);
    expect(fitted.report.findings).toHaveLength(LIMITS.findingsPerReview);
    expect(fitted.dropped).toBe(0);
    expect(fitted.shortened!.findings).toBe(LIMITS.findingsPerReview);
    expect(fitted.report.findings.every((f) => f.body.length === fitted.shortened!.chars)).toBe(true);
    // As long as the limit allows: one character more and it would not fit.
    const longer = fitReport(full, bytes(fitted.report) - 1);
    expect(longer.shortened!.chars).toBeLessThan(fitted.shortened!.chars);
    expect(ReviewReportSchema.safeParse(fitted.report).success).toBe(true);
  });

  it('then leaves out the least severe findings, and counts them', () => {
    // Paths of 1,024 three-byte characters: 1.5 MB before any body.
    const heavy = report(LIMITS.findingsPerReview, prose, '€'.repeat(LIMITS.pathChars));
    const fitted = fitReport(heavy);
    expect(bytes(fitted.report)).toBeLessThanOrEqual(LIMITS.requestBodyBytes);
    expect(fitted.dropped).toBeGreaterThan(0);
    expect(fitted.report.findings).toHaveLength(LIMITS.findingsPerReview - fitted.dropped);
    expect(fitted.report.findings).toEqual(
      heavy.findings.slice(0, fitted.report.findings.length).map((f) => ({
        ...f,
        body: fitted.report.findings[0]!.body,
      })),
    );
    expect(fitted.report.findings.at(-1)!.severity).not.toBe('critical');
    expect(fitted.report.findings[0]!.severity).toBe('critical');
  });
});
