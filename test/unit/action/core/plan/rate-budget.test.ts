import { describe, expect, it } from 'vitest';
import {
  attemptAnswered,
  attemptSent,
  createRateBudget,
  decideStarts,
  knowsTheLimits,
  MAX_LANES,
  requestFinished,
  requestStarted,
  type RateBudget,
  type RateBucket,
  type RateLimitSnapshot,
  type RequestCost,
} from '../../../../../action/core/plan/rate-budget.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
const REVIEW: RequestCost = { input: 60_000, output: 8_192 };

/** A bucket of `limit` a minute holding `remaining` at `now`, full again when the missing part is back. */
function bucket(limit: number, remaining: number, now = T0): RateBucket {
  return { limit, remaining, resetAt: now + ((limit - remaining) / limit) * MINUTE };
}

/** The published tiers the bench's fake enforces. */
const TIERS = {
  generous: { requests: 4_000, input: 2_000_000, output: 400_000 },
  low: { requests: 50, input: 200_000, output: 40_000 },
};

/** What an answer says once `used` of each limit is gone. */
function answer(
  tier: { requests: number; input: number; output: number },
  used: { requests: number; input: number; output: number },
  now = T0,
  extra: Partial<RateLimitSnapshot> = {},
): RateLimitSnapshot {
  return {
    admitted: true,
    requests: bucket(tier.requests, tier.requests - used.requests, now),
    inputTokens: bucket(tier.input, tier.input - used.input, now),
    outputTokens: bucket(tier.output, tier.output - used.output, now),
    ...extra,
  };
}

/** A request started, sent and answered with `snapshot`, as the lanes drive the budget. */
function sendAndAnswer(
  budget: RateBudget,
  id: number,
  cost: RequestCost,
  snapshot: RateLimitSnapshot,
  now = T0,
): RateBudget {
  return attemptAnswered(attemptSent(requestStarted(budget, id, cost, now), id), id, snapshot, now);
}

/** `count` requests started and their attempts sent, not yet answered. */
function sendMany(budget: RateBudget, ids: number[], cost: RequestCost = REVIEW, now = T0): RateBudget {
  return ids.reduce((b, id) => attemptSent(requestStarted(b, id, cost, now), id), budget);
}

const waiting = (n: number, cost: RequestCost = REVIEW) => Array.from({ length: n }, () => cost);

describe('decideStarts without rate-limit headers', () => {
  it('keeps the default lanes before any answer', () => {
    expect(decideStarts(createRateBudget(4), waiting(10), T0)).toEqual({ start: 4 });
  });

  it('keeps them when answers carry no rate-limit headers, and waits for a finished request when full', () => {
    let budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, { admitted: true });
    budget = sendMany(budget, [1, 2, 3]);
    expect(knowsTheLimits(budget)).toBe(false);
    expect(decideStarts(budget, waiting(6), T0)).toEqual({ start: 0 });
    expect(decideStarts(requestFinished(budget, 2), waiting(6), T0)).toEqual({ start: 1 });
  });

  it('only narrows on partial headers: a known request limit caps, the default lanes stay the ceiling', () => {
    const partial = (remaining: number) => ({ admitted: true, requests: bucket(50, remaining) });
    const plenty = sendAndAnswer(createRateBudget(4), 0, REVIEW, partial(49));
    expect(decideStarts(requestFinished(plenty, 0), waiting(10), T0)).toEqual({ start: 4 });
    const scarce = sendAndAnswer(createRateBudget(4), 0, REVIEW, partial(2));
    expect(decideStarts(scarce, waiting(10), T0).start).toBe(2);
  });
});

describe('decideStarts on the generous tier (4,000 requests, 2M input and 400k output tokens a minute)', () => {
  const tier = TIERS.generous;

  it('starts every waiting request once the first answer shows the budget covers them', () => {
    const budget = sendAndAnswer(
      createRateBudget(4),
      0,
      REVIEW,
      answer(tier, { requests: 1, input: 62_600, output: 8_192 }),
    );
    expect(knowsTheLimits(budget)).toBe(true);
    expect(decideStarts(budget, waiting(30), T0)).toEqual({ start: 30 });
  });

  it(`never keeps more than ${MAX_LANES} requests in flight to one model`, () => {
    const budget = sendAndAnswer(
      createRateBudget(4),
      0,
      REVIEW,
      answer(tier, { requests: 1, input: 5_000, output: 8_192 }),
    );
    const small = { input: 1_000, output: 1_000 };
    expect(decideStarts(budget, waiting(100, small), T0)).toEqual({ start: MAX_LANES - 1 });
  });
});

describe('decideStarts on the low tier (50 requests, 200k input and 40k output tokens a minute)', () => {
  const tier = TIERS.low;
  // Input comes back at 200k a minute: 10/3 tokens per ms.
  const first = answer(tier, { requests: 1, input: 60_000, output: 8_192 });

  it('starts what the remaining input covers, then says how long until the next one fits', () => {
    const budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, first);
    // 140k remain: two more requests of 60k; the third needs 40k more, which takes 12 s to come back, and
    // 150 ms more for the 500 tokens a figure rounded to the thousand may overstate.
    expect(decideStarts(budget, waiting(5), T0)).toEqual({ start: 2, waitMs: 12_150 });
  });

  it('counts the requests sent since the answer it reads, and starts the next one when the input is back', () => {
    let budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, first);
    budget = sendMany(budget, [1, 2]);
    expect(decideStarts(budget, waiting(3), T0)).toEqual({ start: 0, waitMs: 12_150 });
    expect(decideStarts(budget, waiting(3), T0 + 12_000).start).toBe(0);
    expect(decideStarts(budget, waiting(3), T0 + 12_150)).toEqual({ start: 1, waitMs: 18_000 });
  });

  it('lets requests sent beyond the stated budget put it in debt, repaid before the next one starts', () => {
    // Four went out before any answer (the default lanes); the first answer counted only its own.
    let budget = sendMany(createRateBudget(4), [0, 1, 2, 3]);
    budget = attemptAnswered(budget, 0, first, T0);
    // 140k - 180k: 40k in debt, and the next needs 60k: 30 s at 10/3 tokens per ms, and the rounding's 150 ms
    // (a bucket that cannot hold more than its limit would wrongly show the debt repaid 12 s sooner).
    expect(decideStarts(budget, waiting(1), T0)).toEqual({ start: 0, waitMs: 30_150 });
    expect(decideStarts(budget, waiting(1), T0 + 30_150)).toEqual({ start: 1 });
  });

  /** Requests 1 and 2 sent after request 0's answer; request 2's answer, 2 s later, counts all three. */
  function laterAnswer(): { budget: RateBudget; now: number } {
    const now = T0 + 2_000;
    const budget = sendMany(sendAndAnswer(createRateBudget(4), 0, REVIEW, first), [1, 2]);
    const counted = answer(tier, { requests: 3, input: 180_000, output: 24_576 }, now);
    return { budget: attemptAnswered(budget, 2, counted, now), now };
  }

  it("reads a later answer as the provider's count: requests sent before it are not counted twice", () => {
    const { budget, now } = laterAnswer();
    // 20k left, 40k more needed: 12 s at 10/3 tokens per ms, and the rounding's 150 ms.
    expect(decideStarts(budget, waiting(3), now)).toEqual({ start: 0, waitMs: 12_150 });
  });

  it('ignores a late answer to an earlier attempt once a later one was read', () => {
    const { budget, now } = laterAnswer();
    // Request 1's answer, stamped before request 2 was counted, says 80k remain: stale.
    const stale = attemptAnswered(
      budget,
      1,
      answer(tier, { requests: 2, input: 120_000, output: 16_384 }, T0),
      now,
    );
    expect(decideStarts(stale, waiting(3), now)).toEqual(decideStarts(budget, waiting(3), now));
  });

  it('is held by the output limit when max_tokens reservations exhaust it first', () => {
    const budget = sendAndAnswer(
      createRateBudget(4),
      0,
      { input: 5_000, output: 16_000 },
      answer(tier, { requests: 1, input: 5_000, output: 16_000 }),
    );
    // 24k output left: one more request reserving 16k fits; the next needs 8k more at 40k a minute, 12 s,
    // and 750 ms for the rounding's 500 tokens.
    expect(decideStarts(budget, waiting(3, { input: 5_000, output: 16_000 }), T0)).toEqual({
      start: 1,
      waitMs: 12_750,
    });
  });

  it('holds every new request for a 429 retry-after, then counts the refused request as still to be charged', () => {
    let budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, first);
    budget = sendMany(budget, [1, 2]);
    // Another client on the same key drained the input: request 2 is refused with retry-after 5 s.
    const now = T0 + 1_000;
    budget = attemptAnswered(
      budget,
      2,
      answer(tier, { requests: 3, input: 190_000, output: 16_384 }, now, {
        admitted: false,
        retryAfterMs: 5_000,
      }),
      now,
    );
    expect(decideStarts(budget, waiting(1), now)).toEqual({ start: 0, waitMs: 5_000 });
    // 5 s later: 10k + 5 s × 10/3 = ~26.7k, minus the 60k request 2's retry will take: a new request of
    // 60k needs ~93.3k more, 28 s at 10/3 tokens per ms, and the rounding's 150 ms.
    const after = now + 5_000;
    const decision = decideStarts(budget, waiting(1), after);
    expect(decision.start).toBe(0);
    expect(decision.waitMs).toBe(28_150);
    // The SDK's retry went out and was admitted: counted by its own answer now.
    budget = attemptSent(budget, 2);
    budget = attemptAnswered(
      budget,
      2,
      answer(tier, { requests: 3, input: 193_333, output: 16_384 }, after),
      after,
    );
    expect(decideStarts(budget, waiting(1), after).waitMs).toBe(16_150);
  });

  it('treats a bucket whose reset is already past as full', () => {
    const budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, first, T0 + MINUTE);
    expect(decideStarts(requestFinished(budget, 0), waiting(5), T0 + MINUTE)).toEqual({
      start: 3,
      waitMs: 12_150,
    });
  });

  it('sends a request larger than the whole bucket alone once the bucket is full', () => {
    const huge = { input: 300_000, output: 8_192 };
    const budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, first);
    expect(decideStarts(requestFinished(budget, 0), [huge], T0)).toEqual({ start: 0, waitMs: 18_000 });
    expect(decideStarts(requestFinished(budget, 0), [huge], T0 + 18_000)).toEqual({ start: 1 });
  });
});

describe('the combined token limit', () => {
  const combined = (remaining: number): RateLimitSnapshot => ({
    admitted: true,
    requests: bucket(50, 49),
    tokens: bucket(100_000, remaining),
  });

  it('stands in for the input and output limits when only it is stated, counting both', () => {
    const budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, combined(70_000));
    expect(knowsTheLimits(budget)).toBe(true);
    // 70k: one request of 60k + 8,192 fits, a second does not.
    expect(decideStarts(budget, waiting(2), T0).start).toBe(1);
  });

  it('is left out when the input and output limits are stated too', () => {
    const budget = sendAndAnswer(createRateBudget(4), 0, REVIEW, {
      ...answer(TIERS.generous, { requests: 1, input: 60_000, output: 8_192 }),
      tokens: bucket(100_000, 30_000),
    });
    expect(decideStarts(budget, waiting(5), T0)).toEqual({ start: 5 });
  });
});
