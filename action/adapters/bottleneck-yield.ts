import Bottleneck from 'bottleneck/light.js';

interface Datastore {
  yieldLoop(this: Datastore, ms?: number): Promise<void>;
}

let applied = false;

/**
 * Bottleneck (under Octokit's throttling and retry plugins) makes its in-process datastore asynchronous
 * like its Redis one by awaiting `setTimeout(0)` around every step, 4 to 5 per job, and Node runs no
 * timer sooner than 1 ms. Each GitHub request goes through 3 to 5 limiters (the retry plugin's, the
 * throttling plugin's retry limiter, its global queue, the write and notification queues for writes), so
 * it waited 15 to 25 ms on nothing: measured against a local server, 20 to 30 ms per request instead of 5,
 * ~0.1 s on the run's critical path after the model. A yield with `setImmediate` is the same turn of the
 * event loop without the clamp; waits Bottleneck asks for (`ms` > 0) are kept. Bottleneck's last release
 * (2.19.5, pinned) is from 2019, so the patched method does not move.
 */
export function yieldWithoutTimerClamp(): void {
  if (applied) return;
  applied = true;
  const store = Object.getPrototypeOf(
    (new Bottleneck() as unknown as { _store: object })._store,
  ) as Datastore;
  const timed = store.yieldLoop;
  store.yieldLoop = function (ms = 0) {
    return ms > 0 ? timed.call(this, ms) : new Promise((resolve) => setImmediate(resolve));
  };
}
