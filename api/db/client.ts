import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { RunResult } from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';
import { CONNECTION_PRAGMAS, newSignals, SIGNAL, startDbWorker, stopDbWorker } from './threads.js';
import { createWriter, type IngestRow } from './writer.js';

/** The drizzle handle or a transaction on it: every query function takes either. */
export type Orm = BaseSQLiteDatabase<'sync', RunResult, typeof schema>;

/** An open results database: the drizzle handle for queries and the raw handle for pragmas. */
export interface DiffrayDb {
  orm: Orm;
  sqlite: Database.Database;
  path: string;
  /**
   * Writes one review on the writer thread (`writer.ts`; use `insertReview`, which builds the row). Resolves
   * once it is committed, so the next read on `sqlite` sees it; rejects with a `WriteError` for this review
   * alone. Every other write runs on `sqlite`: they are rare, and the busy timeout covers the contention.
   */
  ingest(row: IngestRow): Promise<void>;
  /** Lets the writer finish the reviews sent to it, then closes every connection (the serving one last). */
  close(): void;
}

/** The committed migrations (`drizzle/` at the repository root). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/', import.meta.url));

/** WAL pages past which a connection checkpoints in its own commit: a safety net above `RESTART_FRAMES`. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 131_072;
/** How often the background checkpointer copies the WAL back (PASSIVE: never blocks a writer). */
const CHECKPOINT_INTERVAL_MS = 200;
/**
 * WAL frames (pages) past which the checkpointer arranges a restart of the WAL (see below): 256 MiB. Each
 * restart under a steady stream of ingests holds the writer for one short pass (two fsyncs), so this trades
 * WAL size on disk for how often that happens: at ~66 KiB of WAL per 50-finding review, once per ~4,000.
 */
const RESTART_FRAMES = 65_536;
/**
 * How long the checkpointer waits for the writer's transaction under way to commit before its last pass;
 * longer (the writer waiting on a lock held by the serving connection), it gives up until the next tick.
 */
const WRITER_WAIT_MS = 50;

/**
 * The background checkpointer: a worker thread with its own connection that runs a PASSIVE checkpoint
 * every `CHECKPOINT_INTERVAL_MS`, so the checkpoint (copy WAL → database file and the fsyncs of
 * `synchronous = NORMAL`) never runs inside a commit: neither on the event loop nor in the writer.
 *
 * A thread of its own rather than a task of the writer's: a pass takes milliseconds to tens of them (the
 * copy and two fsyncs), during which every queued review would wait, which is the tail this worker was made
 * to remove; on its own thread the pass overlaps the writer's commits (WAL lets a checkpoint run beside a
 * writer). And only `serve` runs it, while every database that ingests has a writer.
 *
 * Restarting the WAL. SQLite writes the WAL from its start again only when a writer begins with every
 * frame already copied back. Between bursts that happens by itself; under a steady stream of commits a
 * PASSIVE pass never catches up (commits land while it fsyncs), so the WAL would grow until a fallback
 * checkpoint ran in a commit (copy and two fsyncs: 100–300 ms every ~80 MB of WAL). So past
 * `RESTART_FRAMES` the checkpointer catches up with passes that block nobody, then closes `GATE`, waits for
 * the writer's transaction under way (the writer marks `WRITING` before it looks at the gate, so one of the
 * two always sees the other), runs one short pass and opens the gate: the writer's next commit restarts the
 * WAL. A write on the serving connection does not wait at the gate; it only makes that attempt miss, and a
 * later tick tries again.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { GATE, WRITING, intervalMs, restartFrames, writerWaitMs } = workerData;
const passive = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
let closing = false;
let timer;
const tick = () => {
  let pass = passive();
  if (pass.log < restartFrames) return;
  // Catch up with passes back to back (they block nobody) until one leaves little behind.
  let appended = 0;
  for (let i = 0; i < 8; i += 1) {
    const next = passive();
    appended = next.log - pass.log;
    pass = next;
    if (appended < restartFrames / 64) break;
  }
  // Nothing written during the last pass (idle) or the WAL restarted meanwhile: no need to hold anyone.
  if (appended <= 0 || pass.log < restartFrames) return;
  Atomics.store(signals, GATE, 1);
  try {
    if (Atomics.wait(signals, WRITING, 1, writerWaitMs) !== 'timed-out') passive();
  } finally {
    Atomics.store(signals, GATE, 0);
    Atomics.notify(signals, GATE);
  }
};
const loop = () => {
  try { tick(); } catch { /* busy or closing: the next tick retries */ }
  if (!closing) timer = setTimeout(loop, intervalMs);
};
timer = setTimeout(loop, intervalMs);
parentPort.on('message', () => {
  closing = true;
  clearTimeout(timer);
  try {
    closeConnection();
  } finally {
    parentPort.close();
  }
});
`;

/** Starts the checkpointer; returns its `stop`. */
function startCheckpointer(path: string, signals: Int32Array, restartFrames: number): () => void {
  const worker = startDbWorker(CHECKPOINTER_SOURCE, {
    path,
    signals,
    done: SIGNAL.CHECKPOINTER_DONE,
    data: {
      GATE: SIGNAL.GATE,
      WRITING: SIGNAL.WRITING,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      restartFrames,
      writerWaitMs: WRITER_WAIT_MS,
    },
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

/**
 * Opens (creating when missing) the SQLite file and applies the committed migrations.
 * WAL for concurrent readers (and the writer thread beside the serving connection), foreign keys for
 * cascades, a busy timeout for the writer, the checkpointer and the CLI running beside `serve`, and
 * `secure_delete` so deleted rows are overwritten, not left in free pages (`CONNECTION_PRAGMAS`).
 *
 * `synchronous = NORMAL` (safe in WAL mode): the database cannot be corrupted by a crash or power loss,
 * but the last transactions committed before a power loss (not a process crash) may be rolled back,
 * since the WAL is fsynced at checkpoints rather than at every commit.
 *
 * A file, never `:memory:`: reviews are written by a second connection, on the writer thread.
 *
 * `backgroundCheckpoints` (the server): checkpoints run in a worker thread instead of in the commit that
 * crosses `wal_autocheckpoint`, and that worker also keeps the WAL from growing without bound under
 * sustained ingest (see `CHECKPOINTER_SOURCE`); the serving and writer connections keep a high
 * auto-checkpoint as a safety net in case the worker is gone.
 */
export function openDatabase(
  path: string,
  opts: {
    migrationsFolder?: string;
    backgroundCheckpoints?: boolean;
    /** WAL frames past which the checkpointer restarts the WAL (`RESTART_FRAMES`; tests lower it). */
    walRestartFrames?: number;
  } = {},
): DiffrayDb {
  if (path === ':memory:' || path === '')
    throw new Error('the results database must be a file: reviews are written from a second connection');
  // Findings describe weaknesses in customers' code: the folder and files are the server user's alone.
  // SQLite gives the -wal and -shm files the database file's permissions.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    // An existing database keeps its mode (the operator's to set).
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  const pragmas = opts.backgroundCheckpoints ? [`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`] : [];
  for (const pragma of [...CONNECTION_PRAGMAS, ...pragmas]) sqlite.pragma(pragma);
  const orm = drizzle(sqlite, { schema });
  migrate(orm, { migrationsFolder: opts.migrationsFolder ?? MIGRATIONS_FOLDER });
  const signals = newSignals();
  const writer = createWriter(path, signals, pragmas);
  const stopCheckpointer = opts.backgroundCheckpoints
    ? startCheckpointer(path, signals, opts.walRestartFrames ?? RESTART_FRAMES)
    : undefined;
  return {
    orm,
    sqlite,
    path,
    ingest: writer.ingest,
    close: () => {
      writer.close();
      stopCheckpointer?.();
      sqlite.close();
    },
  };
}

/** The better-sqlite3 connection under a drizzle handle or a transaction on it (they share one session). */
export function clientOf(orm: Orm): Database.Database {
  const client = (orm as unknown as { session?: { client?: unknown } }).session?.client;
  if (!(client instanceof Database)) throw new Error('not a better-sqlite3 drizzle handle');
  return client;
}

/**
 * Memoises `build` per connection: statements of the hot paths are compiled once per open database
 * (drizzle's `.prepare()` with placeholders, or raw better-sqlite3 statements), not on every request.
 */
export function perDatabase<T>(build: (orm: Orm, sqlite: Database.Database) => T): (orm: Orm) => T {
  const cache = new WeakMap<Database.Database, T>();
  return (orm) => {
    const sqlite = clientOf(orm);
    let built = cache.get(sqlite);
    if (built === undefined) {
      built = build(orm, sqlite);
      cache.set(sqlite, built);
    }
    return built;
  };
}

/** Writes the WAL back into the database file and truncates it, so deleted bytes do not linger there. */
export function checkpointTruncate(db: DiffrayDb): void {
  db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
}
