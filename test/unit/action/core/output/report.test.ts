import { describe, expect, it } from 'vitest';
import { LIMITS, ReviewReportSchema } from '../../../../../shared/index.js';
import { toReviewReport } from '../../../../../action/core/output/report.js';
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
