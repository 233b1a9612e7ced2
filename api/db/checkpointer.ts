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
 * How long the checkpointer's truncating pass waits for the lock and for readers (its busy timeout) before
 * it gives up until its next tick: new writers wait behind that pass, the serving thread's among them.
 */
const ERASE_BUSY_MS = 50;

export interface Checkpointer {
  /**
   * Asks the thread to erase the WAL (truncating checkpoint) at its next tick; false when the thread is
   * gone, so the caller erases it itself.
   */
  eraseSoon(): boolean;
  stop(): void;
}

/**
 * Starts the background checkpointer of the database at `path` (`checkpointer-thread.ts` says what it
 * does and why on a thread of its own).
 */
export function startCheckpointer(path: string, signals: Int32Array, restartFrames: number): Checkpointer {
  const worker = startDbWorker<CheckpointerData>('checkpointer-thread', {
    path,
    signals,
    done: SIGNAL.CHECKPOINTER_DONE,
    pragmas: [`busy_timeout = ${ERASE_BUSY_MS}`],
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
  return {
    eraseSoon: () => {
      if (alive) Atomics.add(signals, SIGNAL.ERASE_ASKED, 1);
      return alive;
    },
    stop: () => {
      if (alive) stopDbWorker(worker, worker, signals, SIGNAL.CHECKPOINTER_DONE);
    },
  };
}
