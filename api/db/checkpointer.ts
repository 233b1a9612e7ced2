import type { CheckpointerData } from './checkpointer-thread.js';
import { SIGNAL, startDbWorker, stopDbWorker } from './threads.js';

/**
 * WAL frames (pages) past which the checkpointer arranges a restart of the WAL (`checkpointer-thread.ts`):
 * 256 MiB. Each restart under a steady stream of ingests holds the writer for one short pass (two fsyncs),
 * so this trades WAL size on disk for how often that happens: at ~66 KiB of WAL per 50-finding review, once
 * per ~4,000.
 */
export const RESTART_FRAMES = 65_536;

/**
 * Starts the background checkpointer of the database at `path` (`checkpointer-thread.ts` says what it
 * does and why on a thread of its own); returns its `stop`.
 */
export function startCheckpointer(path: string, signals: Int32Array, restartFrames: number): () => void {
  const worker = startDbWorker<CheckpointerData>('checkpointer-thread', {
    path,
    signals,
    done: SIGNAL.CHECKPOINTER_DONE,
    data: { restartFrames },
  });
  let alive = true;
  const gone = () => {
    alive = false;
    // Never leave the writer waiting on a checkpointer that is gone.
    Atomics.store(signals, SIGNAL.GATE, 0);
    Atomics.notify(signals, SIGNAL.GATE);
  };
  worker.once('error', gone);
  worker.once('exit', gone);
  return () => {
    if (alive) stopDbWorker(worker, worker, signals, SIGNAL.CHECKPOINTER_DONE);
  };
}
