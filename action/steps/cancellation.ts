/**
 * How a run stops when the runner cancels it. Until the run starts posting, a cancellation ends the wait
 * at once (`race` rejects with the signal's reason, and the run completes its check as cancelled); from
 * `commit()` on, the run finishes what it started, so a PR never gets half of a review's GitHub writes
 * plus a "cancelled" check written over the real verdict.
 */
export interface Cancellation {
  /** `work`, or the signal's reason as soon as it aborts before `commit()`. */
  race<T>(work: Promise<T>): Promise<T>;
  /** Throws the reason when already cancelled; otherwise later cancellations are ignored. */
  commit(): void;
}

export function cancellation(signal: AbortSignal | undefined): Cancellation {
  let committed = false;
  let stop: (reason: unknown) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  // Settles only a race; without one it must not count as unhandled.
  stopped.catch(() => undefined);
  const onAbort = () => {
    if (!committed) stop(signal?.reason);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    race: (work) => Promise.race([work, stopped]),
    commit: () => {
      if (signal?.aborted) throw signal.reason;
      committed = true;
    },
  };
}
