import { describe, expect, it } from 'vitest';
import type { RateLimitSnapshot } from '../../../../action/core/plan/rate-budget.js';
import type { AttemptObserver } from '../../../../action/ports.js';
import {
  createModelLanes,
  DEFAULT_MODEL_LANES,
  type ModelLanes,
} from '../../../../action/steps/model-lanes.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MODEL = 'claude-sonnet-4-5';
const REVIEW = { input: 60_000, output: 8_192 };

/** A clock the test moves, and a sleep that resolves when the clock passes its deadline. */
function fakeTime() {
  let now = T0;
  const sleeping: { until: number; resolve: () => void }[] = [];
  return {
    clock: { now: () => now },
    sleep: (ms: number) => new Promise<void>((resolve) => sleeping.push({ until: now + ms, resolve })),
    /** The waits asked for and not yet over, in ms from now. */
    pending: () => sleeping.map((s) => s.until - now),
    async advance(ms: number) {
      now += ms;
      for (const s of sleeping.filter((s) => s.until <= now)) {
        sleeping.splice(sleeping.indexOf(s), 1);
        s.resolve();
      }
      await settle();
    },
  };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A request the test answers by hand: it records when it started, to which model, and its observer. */
interface Started {
  index: number;
  model: string;
  at: number;
  observer: AttemptObserver;
  finish: () => void;
}

function queueRequests(
  lanes: ModelLanes,
  count: number,
  time: ReturnType<typeof fakeTime>,
  model = () => MODEL,
) {
  const started: Started[] = [];
  const done = Array.from({ length: count }, (_, index) =>
    lanes.run({
      model,
      cost: () => REVIEW,
      send: (picked, observer) =>
        new Promise<number>((resolve) =>
          started.push({
            index,
            model: picked,
            at: time.clock.now(),
            observer,
            finish: () => resolve(index),
          }),
        ),
    }),
  );
  return { started, done };
}

/** An answer from the low tier (50 requests, 200k input, 40k output tokens a minute) with `input` used. */
function lowTier(input: number, extra: Partial<RateLimitSnapshot> = {}, now = T0): RateLimitSnapshot {
  const bucket = (limit: number, used: number) => ({
    limit,
    remaining: limit - used,
    resetAt: now + (used / limit) * 60_000,
  });
  return {
    admitted: true,
    requests: bucket(50, 1),
    inputTokens: bucket(200_000, input),
    outputTokens: bucket(40_000, 8_192),
    ...extra,
  };
}

const log = { info: () => {}, warning: () => {}, debug: () => {} };

describe('createModelLanes', () => {
  it(`keeps ${DEFAULT_MODEL_LANES} requests in flight while no answer states the limits`, async () => {
    const time = fakeTime();
    const lanes = createModelLanes({ clock: time.clock, sleep: time.sleep, log });
    const { started, done } = queueRequests(lanes, 6, time);
    await settle();
    expect(started.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    started[0]!.observer.sent();
    started[0]!.observer.answered({ admitted: true });
    started[1]!.finish();
    await settle();
    expect(started.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
    for (const s of started) s.finish();
    await settle();
    for (const s of started) s.finish();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('paces the requests by the stated input budget, waking when it covers the next one', async () => {
    const time = fakeTime();
    const lanes = createModelLanes({ clock: time.clock, sleep: time.sleep, log });
    const { started } = queueRequests(lanes, 5, time);
    await settle();
    // Before any answer: the default lanes. Request 0's answer says 140k of 200k remain.
    for (const s of started) s.observer.sent();
    started[0]!.observer.answered(lowTier(60_000));
    await settle();
    // Three more are in flight, 180k the answer did not count: 40k short, and the fifth needs 60k more, at
    // 10/3 tokens per ms (and 150 ms for the 500 tokens a rounded figure may overstate).
    expect(started).toHaveLength(4);
    expect(time.pending()).toEqual([30_150]);
    await time.advance(30_000);
    expect(started).toHaveLength(4);
    await time.advance(150);
    expect(started.map((s) => [s.index, s.at - T0])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 30_150],
    ]);
  });

  it("holds new requests for a 429's retry-after, which the SDK waits out for the refused one", async () => {
    const time = fakeTime();
    const lanes = createModelLanes({ clock: time.clock, sleep: time.sleep, log });
    const { started } = queueRequests(lanes, 3, time);
    await settle();
    started[0]!.observer.sent();
    started[0]!.observer.answered(lowTier(10_000));
    started[1]!.observer.sent();
    started[1]!.observer.answered(lowTier(70_000));
    // Another client on the key took the rest: request 2 is refused for 5 s.
    started[2]!.observer.sent();
    started[2]!.observer.answered(lowTier(70_000, { admitted: false, retryAfterMs: 5_000 }));
    const { started: later } = queueRequests(lanes, 1, time);
    await settle();
    expect(later).toHaveLength(0);
    expect(time.pending()).toEqual([5_000]);
    // When the pause ends, the new request starts beside the 60k request 2's retry will take.
    await time.advance(5_000);
    expect(later.map((s) => s.at - T0)).toEqual([5_000]);
  });

  it('picks the model when the request starts, so a router switch reaches requests already queued', async () => {
    const time = fakeTime();
    const lanes = createModelLanes({ clock: time.clock, sleep: time.sleep, log, defaultLanes: 1 });
    let primary = MODEL;
    const { started } = queueRequests(lanes, 2, time, () => primary);
    await settle();
    primary = 'claude-haiku-4-5';
    started[0]!.finish();
    await settle();
    expect(started.map((s) => s.model)).toEqual([MODEL, 'claude-haiku-4-5']);
  });

  it('keeps a budget per model: one model held does not hold another', async () => {
    const time = fakeTime();
    const lanes = createModelLanes({ clock: time.clock, sleep: time.sleep, log });
    const { started } = queueRequests(lanes, 1, time);
    await settle();
    started[0]!.observer.sent();
    started[0]!.observer.answered(lowTier(195_000));
    const held = queueRequests(lanes, 1, time);
    const other = queueRequests(lanes, 1, time, () => 'claude-haiku-4-5');
    await settle();
    expect(held.started).toHaveLength(0);
    expect(other.started).toHaveLength(1);
  });

  it('starts nothing more once the run is cancelled', async () => {
    const time = fakeTime();
    const controller = new AbortController();
    const lanes = createModelLanes({ clock: time.clock, sleep: time.sleep, log, signal: controller.signal });
    const { started } = queueRequests(lanes, 5, time);
    await settle();
    controller.abort();
    for (const s of started) s.finish();
    await settle();
    expect(started).toHaveLength(DEFAULT_MODEL_LANES);
  });
});
