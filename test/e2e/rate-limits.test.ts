/**
 * The review paced by the account's rate limits: the fake model enforces a tight tier (token buckets per
 * model, the `anthropic-ratelimit-*` headers on every answer, 429 with retry-after beyond them), with its
 * minute shortened so the test takes seconds; the limits are those of a small account.
 */
import { describe, expect, it } from 'vitest';
import { findingsFor, modelFinding, userText } from '../fakes/anthropic.js';
import { startTwoFindingPr } from './fixtures.js';

/** A module of about 30k tokens: eight of them need five requests of up to 60k, twice the tier's minute. */
const big = (i: number) =>
  Array.from(
    { length: 1500 },
    (_, n) => `export const value_${i}_${n} = compute(${n}, "${'x'.repeat(40)}");`,
  ).join('\n') + '\n';

describe('a model that enforces a tight rate-limit tier', () => {
  it('reviews every file within its limits, with no more than one request refused, and posts the results', async () => {
    const head = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`src/gen/mod${i}.ts`, big(i)]));
    const { github, anthropic, run } = await startTwoFindingPr({
      head,
      script: findingsFor(
        modelFinding({ path: 'src/gen/mod3.ts', line: 10, severity: 'low', title: 'Magic number' }),
        modelFinding({ path: 'src/gen/mod6.ts', line: 20, severity: 'medium', title: 'Unchecked input' }),
      ),
      anthropic: {
        rateLimits: {
          requestsPerMinute: 50,
          inputTokensPerMinute: 120_000,
          outputTokensPerMinute: 24_000,
          // The tier's minute lasts 2 s here: the same limits, reached 30 times faster.
          minuteMs: 2_000,
        },
      },
    });
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const counted = anthropic.requests.reduce((n, r) => n + (r.countedInput ?? 0), 0);
    expect(counted).toBeGreaterThan(2 * 120_000);
    expect(anthropic.rateLimited().length).toBeLessThanOrEqual(1);
    // Every module reached the model in a request it answered.
    const answered = anthropic.reviewRequests().filter((r) => r.status === 200);
    for (let i = 0; i < 8; i++) {
      expect(answered.some((r) => userText(r.body).includes(`## src/gen/mod${i}.ts`))).toBe(true);
    }
    expect(result.stdout).toMatch(
      /the account's rate limits are 50 requests and 120,000 input and 24,000 output tokens a minute/,
    );
    expect(github.reviewComments.map((c) => `${c.path}:${c.line}`).sort()).toEqual([
      'src/gen/mod3.ts:10',
      'src/gen/mod6.ts:20',
    ]);
    expect(result.outputs).toMatchObject({ conclusion: 'success', 'findings-count': '2' });
    expect(result.jobSummary).not.toMatch(/request-failed|could not be reviewed/i);
  });
});
