import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { FINDING_WIDTH, INGEST_SEALED, INGEST_SQL, type IngestRow } from './ingest.js';
import { SIGNAL, startDbWorker, stopDbWorker } from './threads.js';
import type { WriterData, WriterMessage, WriterReply } from './writer-thread.js';

/** Why a review was not written: SQLite's error (its `code`, e.g. `SQLITE_CONSTRAINT_FOREIGNKEY`), or the writer gone. */
export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The review writer of one database: a worker thread with its own connection (`writer-thread.ts`), started
 * on first use. The ingest transaction (a review row, its findings, the repository and the day's aggregate)
 * costs ~0.5 ms per 50-finding review, about half of what a request costs on the event loop; with the
 * writer, the event loop only hands the row over and waits for the answer.
 */
export interface Writer {
  /** Resolves once the review is committed; rejects with a `WriteError` for this review alone. */
  ingest(row: IngestRow): Promise<void>;
  /** Waits (bounded) for the reviews already sent to commit, then rejects any still unanswered. */
  close(): void;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The writer of the database at `path`, started on the first review (a database that never ingests, like
 * the CLI's, starts no thread) and again on the next after its thread died. `pragmas` come after the
 * shared `CONNECTION_PRAGMAS`; `dataKeys` (newest first) go to the thread with its start data.
 */
export function createWriter(
  path: string,
  signals: Int32Array,
  pragmas: readonly string[],
  dataKeys: readonly Uint8Array[],
): Writer {
  const pending = new Map<number, Waiter>();
  let seq = 0;
  let running: { worker: Worker; port: MessagePort } | undefined;
  let closed = false;

  const settle = (port: MessagePort, replies: WriterReply[]) => {
    for (const { seq: done, error } of replies) {
      const waiter = pending.get(done);
      pending.delete(done);
      if (error) waiter?.reject(new WriteError(error.message, error.code));
      else waiter?.resolve();
    }
    // The port keeps the process alive only while a review waits for its answer.
    if (pending.size === 0) port.unref();
  };
  /** Replies a stopping or dead worker had already sent: the real outcome of those reviews. */
  const drain = (port: MessagePort) => {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port))
      settle(port, m.message as WriterReply[]);
    port.close();
  };
  const rejectPending = (message: string) => {
    for (const waiter of pending.values()) waiter.reject(new WriteError(message));
    pending.clear();
  };

  const start = () => {
    const { port1: port, port2 } = new MessageChannel();
    const worker = startDbWorker<WriterData>('writer-thread', {
      path,
      signals,
      done: SIGNAL.WRITER_DONE,
      pragmas,
      data: { port: port2, sql: INGEST_SQL, findingWidth: FINDING_WIDTH, sealed: INGEST_SEALED, dataKeys },
      transfer: [port2],
    });
    const self = { worker, port };
    port.on('message', (replies: WriterReply[]) => settle(port, replies));
    port.unref();
    // A crash (or a failure to open the connection) answers every review sent to this thread; the next
    // review starts a new one.
    const gone = (error?: Error) => {
      if (running !== self) return;
      running = undefined;
      drain(port);
      rejectPending(`the review writer stopped${error ? `: ${error.message}` : ''}`);
    };
    worker.on('error', gone);
    worker.once('exit', () => gone());
    return self;
  };

  return {
    ingest: (row) => {
      if (closed) return Promise.reject(new WriteError('the database is closed'));
      running ??= start();
      const { port } = running;
      const id = (seq += 1);
      return new Promise<void>((resolve, reject) => {
        const message: WriterMessage = { seq: id, row };
        port.postMessage(message);
        if (pending.size === 0) port.ref();
        pending.set(id, { resolve, reject });
      });
    },
    close: () => {
      closed = true;
      const stopping = running;
      running = undefined;
      if (stopping) {
        stopDbWorker(stopping.worker, stopping.port, signals, SIGNAL.WRITER_DONE);
        drain(stopping.port);
      }
      rejectPending('the database was closed before this review was written');
    },
  };
}
