import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { ReportedFinding, ReviewReport, SeverityCounts } from '../../shared/index.js';
import { SIGNAL, startDbWorker, stopDbWorker } from './threads.js';

/** A column value as the writer binds it. */
type Value = string | number | null;

/** The reported columns of `reviews`, in the order of `reviewValues`. */
const REVIEW_COLUMNS = [
  'pull_request',
  'head_sha',
  'base_sha',
  'status',
  'conclusion',
  'model',
  'tokens_input',
  'tokens_cache_write',
  'tokens_cache_read',
  'tokens_output',
  'cost_usd',
  'duration_ms',
  'files_reviewed',
  'files_skipped',
  'lines_reviewed',
  'lines_changed',
] as const;

export function reviewValues(report: ReviewReport): Value[] {
  const { tokens, coverage } = report;
  return [
    report.pullRequest,
    report.headSha,
    report.baseSha,
    report.status,
    report.conclusion,
    report.model,
    tokens.input,
    tokens.cacheWrite,
    tokens.cacheRead,
    tokens.output,
    report.costUsd,
    report.durationMs,
    coverage.filesReviewed,
    coverage.filesSkipped,
    coverage.linesReviewed,
    coverage.linesChanged,
  ];
}

/** The reported columns of `findings`, in the order of `findingValues`. */
const FINDING_COLUMNS = [
  'path',
  'start_line',
  'line',
  'severity',
  'category',
  'title',
  'body',
  'fingerprint',
] as const;

/** Every finding's `FINDING_COLUMNS` values, one finding after the other. */
export function findingValues(findings: readonly ReportedFinding[]): Value[] {
  const values: Value[] = [];
  for (const f of findings) {
    values.push(f.path, f.startLine ?? null, f.line, f.severity, f.category, f.title, f.body, f.fingerprint);
  }
  return values;
}

/**
 * One review as the writer stores it. Every value is decided on the serving thread (`insertReview`): ids,
 * timestamps (integer milliseconds, as drizzle's `timestamp_ms` stores them), the repository key, the day
 * and the counts; the writer only runs the statements. The report travels as flat lists of values: the
 * hand-over copies values rather than objects (a 50-finding review: ~45 µs of both threads' time instead
 * of ~155 µs).
 */
export interface IngestRow {
  id: string;
  /** The repository's id when this report is its first. */
  newRepositoryId: string;
  accountId: string;
  /** `owner/name` as reported (a new repository's display name). */
  repository: string;
  /** `repository` lower-cased (`repositoryKey`): how the repository is found. */
  nameKey: string;
  day: string;
  createdAt: number;
  expiresAt: number;
  counts: SeverityCounts;
  /** `reviewValues` of the report. */
  review: Value[];
  /** `findingValues` of the report. */
  findings: Value[];
}

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
 * The review writer of one database: a worker thread with its own connection, started on first use. The
 * ingest transaction (a review row, its findings, the repository and the day's aggregate) took ~0.5 ms of
 * the event loop per 50-finding review, about half of what a request cost there; here the event loop only
 * hands the row over and waits for the answer.
 */
export interface Writer {
  /** Resolves once the review is committed; rejects with a `WriteError` for this review alone. */
  ingest(row: IngestRow): Promise<void>;
  /** Waits (bounded) for the reviews already sent to commit, then rejects any still unanswered. */
  close(): void;
}

/** `INSERT INTO table (columns) VALUES (?, ...)`: one placeholder per column, so the two cannot drift apart. */
function insertInto(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/**
 * The ingest statements (column names as in `schema.ts`), compiled once by the writer. The findings get
 * consecutive row ids above every existing one, recorded on the review (`schema.ts`, `findings`): the writer
 * holds the write lock from the start of its transaction (`immediate`), so no other writer takes ids in
 * between, and reviews of one batch read the ids their predecessors took.
 */
const INGEST_SQL = {
  findRepository: 'SELECT id FROM repositories WHERE account_id = ? AND name_key = ?',
  insertRepository:
    'INSERT INTO repositories (id, account_id, full_name, name_key, created_at) VALUES (?, ?, ?, ?, ?)',
  insertReview: insertInto('reviews', [
    'id',
    'account_id',
    'repository_id',
    ...REVIEW_COLUMNS,
    'critical',
    'high',
    'medium',
    'low',
    'created_at',
    'expires_at',
    'findings_first',
    'findings_last',
  ]),
  nextFindingRow: 'SELECT coalesce(max(row_id), 0) + 1 FROM findings',
  insertFinding: insertInto('findings', ['row_id', 'review_id', ...FINDING_COLUMNS]),
  addToAggregates: `INSERT INTO daily_aggregates (account_id, repository, day, reviews, critical, high, medium, low)
     VALUES (?, ?, ?, 1, ?, ?, ?, ?)
     ON CONFLICT (account_id, repository, day) DO UPDATE SET
       reviews = reviews + 1,
       critical = critical + excluded.critical,
       high = high + excluded.high,
       medium = medium + excluded.medium,
       low = low + excluded.low`,
};

/**
 * Reviews per transaction at most. Writes on the serving connection wait for the writer's lock with the
 * busy timeout, on the event loop, so one transaction must stay short (~0.5 ms per 50-finding review).
 */
const MAX_BATCH = 16;
/** The longest the writer waits at the checkpointer's gate, whatever happens to the checkpointer. */
const MAX_GATE_WAIT_MS = 1_000;

/**
 * The writer: one transaction per batch of the reviews queued on its port (group commit: one commit and
 * one copy of the shared pages in the WAL for reviews that arrived together; with 10 reviews in flight,
 * measured ~15 % less CPU and ~25 % fewer bytes written per review than a commit each), each review in a
 * SAVEPOINT of its own (better-sqlite3 nests a transaction function called inside another so), rolled back
 * alone when it fails. Blocking waits are fine here, off the event loop: at the checkpointer's gate (see
 * `CHECKPOINTER_SOURCE` in `client.ts`) and, through the busy timeout, for a lock held by another
 * connection. It answers each batch with one message, in order, and closes on `'close'` after the reviews
 * sent before it, which are therefore committed (or refused) before `close()` returns.
 */
const WRITER_SOURCE = `
const { receiveMessageOnPort } = require('node:worker_threads');
const { port, sql, findingWidth, maxBatch, maxGateWaitMs, GATE, WRITING } = workerData;
const findRepository = db.prepare(sql.findRepository).pluck();
const insertRepository = db.prepare(sql.insertRepository);
const insertReview = db.prepare(sql.insertReview);
const nextFindingRow = db.prepare(sql.nextFindingRow).pluck();
const insertFinding = db.prepare(sql.insertFinding);
const addToAggregates = db.prepare(sql.addToAggregates);
const findingParams = new Array(findingWidth + 2);
const ingest = db.transaction((row) => {
  const { counts, findings } = row;
  let repositoryId = findRepository.get(row.accountId, row.nameKey);
  if (repositoryId === undefined) {
    repositoryId = row.newRepositoryId;
    insertRepository.run(repositoryId, row.accountId, row.repository, row.nameKey, row.createdAt);
  }
  const count = findings.length / findingWidth;
  const first = count > 0 ? nextFindingRow.get() : null;
  insertReview.run(
    row.id, row.accountId, repositoryId, ...row.review, counts.critical, counts.high, counts.medium, counts.low,
    row.createdAt, row.expiresAt, first, first === null ? null : first + count - 1,
  );
  findingParams[1] = row.id;
  for (let k = 0; k < count; k += 1) {
    findingParams[0] = first + k;
    for (let j = 0; j < findingWidth; j += 1) findingParams[j + 2] = findings[k * findingWidth + j];
    insertFinding.run(findingParams);
  }
  addToAggregates.run(row.accountId, row.nameKey, row.day, counts.critical, counts.high, counts.medium, counts.low);
});
const failure = (error) => ({ message: String(error && error.message), code: error && error.code });
const commitBatch = db.transaction((rows) =>
  rows.map((row) => {
    try {
      ingest(row);
      return undefined;
    } catch (error) {
      // SQLite ended the whole transaction (disk full, I/O error): the batch's earlier reviews are gone too.
      if (!db.inTransaction) throw error;
      return failure(error);
    }
  }),
);
const leave = () => {
  Atomics.store(signals, WRITING, 0);
  Atomics.notify(signals, WRITING);
};
// Marks itself writing, then looks at the gate; the checkpointer closes the gate, then waits for WRITING to
// drop. So either the writer sees the gate closed and steps back, or the checkpointer waits for its commit.
const enter = () => {
  const deadline = Date.now() + maxGateWaitMs;
  for (;;) {
    Atomics.store(signals, WRITING, 1);
    const left = deadline - Date.now();
    if (Atomics.load(signals, GATE) === 0 || left <= 0) return;
    leave();
    Atomics.wait(signals, GATE, 1, left);
  }
};
const write = (batch) => {
  let errors;
  enter();
  try {
    errors = commitBatch.immediate(batch.map((m) => m.row));
  } catch (error) {
    errors = batch.map(() => failure(error));
  } finally {
    leave();
  }
  port.postMessage(batch.map((m, i) => ({ seq: m.seq, error: errors[i] })));
};
const onMessage = (message) => {
  let batch = [];
  // Every review already queued joins this one's batch.
  for (let m = message; m !== undefined; m = receiveMessageOnPort(port)?.message) {
    if (m === 'close') {
      if (batch.length > 0) write(batch);
      port.off('message', onMessage);
      closeConnection();
      return;
    }
    batch.push(m);
    if (batch.length === maxBatch) {
      write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) write(batch);
};
port.on('message', onMessage);
`;

interface Reply {
  seq: number;
  error?: { message: string; code?: string };
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The writer of the database at `path`, started on the first review (a database that never ingests, like
 * the CLI's, starts no thread) and again on the next after its thread died. `pragmas` come after the
 * shared `CONNECTION_PRAGMAS`.
 */
export function createWriter(path: string, signals: Int32Array, pragmas: readonly string[]): Writer {
  const pending = new Map<number, Waiter>();
  let seq = 0;
  let running: { worker: Worker; port: MessagePort } | undefined;
  let closed = false;

  const settle = (port: MessagePort, replies: Reply[]) => {
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
      settle(port, m.message as Reply[]);
    port.close();
  };
  const rejectPending = (message: string) => {
    for (const waiter of pending.values()) waiter.reject(new WriteError(message));
    pending.clear();
  };

  const start = () => {
    const { port1: port, port2 } = new MessageChannel();
    const worker = startDbWorker(WRITER_SOURCE, {
      path,
      signals,
      done: SIGNAL.WRITER_DONE,
      pragmas,
      data: {
        port: port2,
        sql: INGEST_SQL,
        findingWidth: FINDING_COLUMNS.length,
        maxBatch: MAX_BATCH,
        maxGateWaitMs: MAX_GATE_WAIT_MS,
        GATE: SIGNAL.GATE,
        WRITING: SIGNAL.WRITING,
      },
      transfer: [port2],
    });
    const self = { worker, port };
    port.on('message', (replies: Reply[]) => settle(port, replies));
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
        port.postMessage({ seq: id, row });
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
