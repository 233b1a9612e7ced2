import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { RunResult } from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

/** The drizzle handle or a transaction on it: every query function takes either. */
export type Orm = BaseSQLiteDatabase<'sync', RunResult, typeof schema>;

/** An open results database: the drizzle handle for queries and the raw handle for pragmas. */
export interface DiffrayDb {
  orm: Orm;
  sqlite: Database.Database;
  path: string;
  close(): void;
}

/** The committed migrations (`drizzle/` at the repository root). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/', import.meta.url));

/** Pages in the WAL past which the serving connection checkpoints itself (safety net; see below). */
const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;
/** How often the background checkpointer copies the WAL back (PASSIVE: never blocks a writer). */
const CHECKPOINT_INTERVAL_MS = 200;

/**
 * The background checkpointer: a worker thread with its own connection that runs a PASSIVE checkpoint
 * every `CHECKPOINT_INTERVAL_MS`. The checkpoint (copy WAL → database file and the fsyncs of
 * `synchronous = NORMAL`) then no longer runs inside a request's commit on the event loop, which was the
 * whole ingest p99 tail. Plain CommonJS, evaluated as a string, so it runs the same under tsx, vitest and
 * the bundle. `close` is synchronous: the worker closes its connection, then signals through `done`.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const done = new Int32Array(workerData.done);
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick retries */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.close(); } finally { Atomics.store(done, 0, 1); Atomics.notify(done, 0); parentPort.close(); }
});
`;

function startCheckpointer(path: string): () => void {
  const done = new SharedArrayBuffer(4);
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
      done,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  worker.unref();
  let alive = true;
  worker.once('error', () => (alive = false));
  worker.once('exit', () => (alive = false));
  return () => {
    if (!alive) return;
    worker.postMessage('close');
    // Wait (bounded) for the worker's connection to close, so ours is the last and removes the WAL.
    Atomics.wait(new Int32Array(done), 0, 0, 5_000);
    void worker.terminate();
  };
}

/**
 * Opens (creating when missing) the SQLite file and applies the committed migrations.
 * WAL for concurrent readers, foreign keys for cascades, a busy timeout for the CLI running beside
 * `serve`, and `secure_delete` so deleted rows are overwritten, not left in free pages.
 *
 * `synchronous = NORMAL` (safe in WAL mode): the database cannot be corrupted by a crash or power loss,
 * but the last transactions committed before a power loss (not a process crash) may be rolled back,
 * since the WAL is fsynced at checkpoints rather than at every commit.
 *
 * `backgroundCheckpoints` (the server): checkpoints run in a worker thread instead of in the commit that
 * crosses `wal_autocheckpoint`; the serving connection keeps a high auto-checkpoint as a safety net in case
 * the worker is gone.
 */
export function openDatabase(
  path: string,
  opts: { migrationsFolder?: string; backgroundCheckpoints?: boolean } = {},
): DiffrayDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('synchronous = NORMAL');
  const orm = drizzle(sqlite, { schema });
  migrate(orm, { migrationsFolder: opts.migrationsFolder ?? MIGRATIONS_FOLDER });
  let stopCheckpointer = () => {};
  if (opts.backgroundCheckpoints && path !== ':memory:') {
    sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    stopCheckpointer = startCheckpointer(path);
  }
  return {
    orm,
    sqlite,
    path,
    close: () => {
      stopCheckpointer();
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
