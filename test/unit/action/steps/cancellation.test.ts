import { describe, expect, it } from 'vitest';
import { cancellation } from '../../../../action/steps/cancellation.js';

const never = new Promise<string>(() => {});

describe('cancellation', () => {
  it('ends the race with the reason as soon as the signal aborts, before commit', async () => {
    const controller = new AbortController();
    const cancel = cancellation(controller.signal);
    const raced = cancel.race(never);
    controller.abort(new Error('cancelled (SIGINT)'));
    await expect(raced).rejects.toThrow('cancelled (SIGINT)');
    expect(() => cancel.commit()).toThrow('cancelled (SIGINT)');
  });

  it('ignores a cancellation after commit: the work finishes', async () => {
    const controller = new AbortController();
    const cancel = cancellation(controller.signal);
    let finish: (value: string) => void = () => {};
    const raced = cancel.race(new Promise<string>((resolve) => (finish = resolve)));
    cancel.commit();
    controller.abort(new Error('too late'));
    finish('posted');
    await expect(raced).resolves.toBe('posted');
  });

  it('rejects at once when the signal was aborted before the run began', async () => {
    const controller = new AbortController();
    controller.abort(new Error('already cancelled'));
    await expect(cancellation(controller.signal).race(never)).rejects.toThrow('already cancelled');
  });

  it('passes the work through without a signal, and its own failure too', async () => {
    await expect(cancellation(undefined).race(Promise.resolve('done'))).resolves.toBe('done');
    await expect(cancellation(undefined).race(Promise.reject(new Error('git failed')))).rejects.toThrow(
      'git failed',
    );
  });
});
