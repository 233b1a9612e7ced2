import { Worker, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * What the database's worker threads share (the writer, `writer.ts` and `writer-thread.ts`; the
 * checkpointer, `checkpointer.ts` and `checkpointer-thread.ts`): how each is started and stopped, how it
 * opens its own connection, and the slots of the Int32Array through which the threads coordinate without a
 * message round trip.
 *
 * Each thread runs a module of this folder through `thread-entry.mjs`, which calls the module's
 * `run(workerData)`; the module's data type extends `ThreadData`.
 */

/** The pragmas of every connection to the results database (`openDatabase` says why each). */
export const CONNECTION_PRAGMAS: readonly string[] = [
  'foreign_keys = ON',
  'busy_timeout = 5000',
  'secure_delete = ON',
  'synchronous = NORMAL',
];

/** Slots of the shared Int32Array (`newSignals`). */
export const SIGNAL = {
  /** 1 while the checkpointer holds the writer back for its last pass before a WAL restart. */
  GATE: 0,
  /** 1 from the writer's look at the gate to the end of its transaction. */
  WRITING: 1,
  /** Set by each worker once its connection is closed (`stopDbWorker` waits for it). */
  CHECKPOINTER_DONE: 2,
  WRITER_DONE: 3,
  /** Counts the serving thread's requests that the checkpointer erase deleted text from the WAL. */
  ERASE_ASKED: 4,
} as const;

export function newSignals(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT));
}

/** What every database thread gets in `workerData`. */
export interface ThreadData {
  /** The URL of the module whose `run` the thread calls (`thread-entry.mjs`). */
  module: string;
  /** The database file. */
  path: string;
  /** `CONNECTION_PRAGMAS`, then the opener's own. */
  pragmas: readonly string[];
  /** The buffer of the shared signals (`newSignals`). */
  signals: SharedArrayBuffer;
  /** The thread's slot in `signals`, set once its connection is closed. */
  done: number;
}

/**
 * How long `close()` waits for a worker to close its connection (and, for the writer, to drain): past the
 * connections' 5 s busy timeout plus a batch, so a writer waiting for a lock is not cut off after a commit
 * it could not yet report (its review would be answered 500 though stored, and stored twice on a retry).
 */
const STOP_WAIT_MS = 10_000;

const THREAD_ENTRY = new URL('./thread-entry.mjs', import.meta.url);
/** `.ts` when this folder runs from source (tsx, vitest), `.js` once compiled: the thread modules' too. */
const MODULE_EXTENSION = import.meta.url.slice(import.meta.url.lastIndexOf('.'));

/**
 * Starts the thread that runs `run(data)` of this folder's module `name` (e.g. `'writer-thread'`), with its
 * own connection to `opts.path`. Unref'd: an idle worker never keeps the process alive. `done` is its slot
 * in `signals`, cleared here, set by the thread's `ThreadConnection.close()`.
 */
export function startDbWorker<Data extends ThreadData>(
  name: string,
  opts: {
    path: string;
    signals: Int32Array;
    done: number;
    /** After `CONNECTION_PRAGMAS`. */
    pragmas?: readonly string[];
    data: Omit<Data, keyof ThreadData>;
    transfer?: MessagePort[];
  },
): Worker {
  Atomics.store(opts.signals, opts.done, 0);
  const workerData: ThreadData = {
    module: new URL(`./${name}${MODULE_EXTENSION}`, import.meta.url).href,
    path: opts.path,
    pragmas: [...CONNECTION_PRAGMAS, ...(opts.pragmas ?? [])],
    signals: opts.signals.buffer as SharedArrayBuffer,
    done: opts.done,
  };
  const worker = new Worker(THREAD_ENTRY, {
    workerData: { ...opts.data, ...workerData },
    transferList: opts.transfer ?? [],
  });
  worker.unref();
  return worker;
}

/**
 * Sends `'close'` on the channel the worker listens to and waits (bounded, blocking: `close()` is
 * synchronous) until it has closed its connection, so the serving connection closes last and removes the
 * WAL; then ends the thread.
 */
export function stopDbWorker(
  worker: Worker,
  channel: Worker | MessagePort,
  signals: Int32Array,
  done: number,
): void {
  channel.postMessage('close');
  Atomics.wait(signals, done, 0, STOP_WAIT_MS);
  void worker.terminate();
}

/** A thread's own connection and the shared signals. */
export interface ThreadConnection {
  db: Database.Database;
  signals: Int32Array;
  /** Closes the connection, then tells the serving thread, waiting in `stopDbWorker`, that it is closed. */
  close(): void;
}

/** Opens the thread's connection with the pragmas it was given (on the thread, from its `workerData`). */
export function openThreadConnection(data: ThreadData): ThreadConnection {
  const signals = new Int32Array(data.signals);
  const db = new Database(data.path);
  for (const pragma of data.pragmas) db.pragma(pragma);
  return {
    db,
    signals,
    close: () => {
      try {
        db.close();
      } finally {
        Atomics.store(signals, data.done, 1);
        Atomics.notify(signals, data.done);
      }
    },
  };
}
