import { createRequire } from 'node:module';
import { Worker, type MessagePort } from 'node:worker_threads';

/**
 * What the database's worker threads share (the checkpointer in `client.ts`, the writer in `writer.ts`):
 * how each is started and stopped, how it opens its own connection, and the slots of the Int32Array through
 * which the threads coordinate without a message round trip.
 *
 * A worker's source is plain CommonJS evaluated as a string, so it runs the same under tsx, vitest and a
 * bundle (there is no module of ours for the worker to resolve); its values come in `workerData`.
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
} as const;

export function newSignals(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
}

/**
 * How long `close()` waits for a worker to close its connection (and, for the writer, to drain): past the
 * connections' 5 s busy timeout plus a batch, so a writer waiting for a lock is not cut off after a commit
 * it could not yet report (its review would be answered 500 though stored, and stored twice on a retry).
 */
const STOP_WAIT_MS = 10_000;

/**
 * Runs before each worker's own source: its connection (`db`), the signals (`signals`), and
 * `closeConnection()`, which closes the connection and then tells the serving thread, waiting in
 * `stopDbWorker`, that it is closed.
 */
const PRELUDE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
for (const pragma of workerData.pragmas) db.pragma(pragma);
const signals = new Int32Array(workerData.signals);
const closeConnection = () => {
  try {
    db.close();
  } finally {
    Atomics.store(signals, workerData.done, 1);
    Atomics.notify(signals, workerData.done);
  }
};
`;

/**
 * Starts a worker with its own connection to `path`. Unref'd: an idle worker never keeps the process
 * alive. `done` is its slot in `signals`, cleared here, set by `closeConnection()`.
 */
export function startDbWorker(
  source: string,
  opts: {
    path: string;
    signals: Int32Array;
    done: number;
    /** After `CONNECTION_PRAGMAS`. */
    pragmas?: readonly string[];
    data: Record<string, unknown>;
    transfer?: MessagePort[];
  },
): Worker {
  Atomics.store(opts.signals, opts.done, 0);
  const worker = new Worker(PRELUDE + source, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: opts.path,
      pragmas: [...CONNECTION_PRAGMAS, ...(opts.pragmas ?? [])],
      signals: opts.signals.buffer,
      done: opts.done,
      ...opts.data,
    },
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
