import { describe, expect, it } from 'vitest';
import { runPool } from '../../../../action/steps/pool.js';

describe('runPool', () => {
  it('works through every item in order, never more at once than its concurrency', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await runPool([1, 2, 3, 4, 5], 2, undefined, async (item) => {
      started.push(item);
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    });
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('starts only the first item until the gate opens', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const started: number[] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const done = runPool([1, 2, 3], 3, gate, async (item) => {
      started.push(item);
      if (item === 1) await first;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toEqual([1]);
    open();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toEqual([1, 2, 3]);
    release();
    await done;
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await runPool([], 4, undefined, async () => {
      calls += 1;
    });
    expect(calls).toBe(0);
  });
});
