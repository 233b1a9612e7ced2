/**
 * Bottleneck's datastore yields without Node's 1 ms timer clamp once patched (action/adapters/bottleneck-yield):
 * proven without timing anything, by faking `setTimeout` alone. A zero yield then still resolves (it no longer
 * uses a timer), a requested wait still waits for its timer, and a limiter still runs its jobs in order.
 */
import Bottleneck from 'bottleneck/light.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { yieldWithoutTimerClamp } from '../../../../action/adapters/bottleneck-yield.js';

interface Store {
  yieldLoop(ms?: number): Promise<void>;
}
const storeOf = (limiter: Bottleneck) => (limiter as unknown as { _store: Store })._store;

afterEach(() => {
  vi.useRealTimers();
});

describe('yieldWithoutTimerClamp', () => {
  it('makes a zero yield resolve without a timer, and keeps the timer of a requested wait', async () => {
    yieldWithoutTimerClamp();
    yieldWithoutTimerClamp(); // idempotent: the second call must not wrap the patch again
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const store = storeOf(new Bottleneck());
    await expect(store.yieldLoop()).resolves.toBeUndefined();

    let waited = false;
    const wait = store.yieldLoop(50).then(() => (waited = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(waited).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    await wait;
    expect(waited).toBe(true);
  });

  it('leaves a one-at-a-time limiter running its jobs one at a time, in order', async () => {
    yieldWithoutTimerClamp();
    const limiter = new Bottleneck({ maxConcurrent: 1, minTime: 0 });
    const events: string[] = [];
    const job = (name: string) => async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((name) => limiter.schedule(job(name))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
