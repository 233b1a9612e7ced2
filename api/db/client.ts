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
  /**
   * For hot write paths (ingest), awaited just before the write transaction: undefined at once nearly
   * always; a promise while the background checkpointer holds writes for its last pass before a WAL restart
   * (one pass: two fsyncs, so milliseconds on a good disk; see `CHECKPOINTER_SOURCE`), so that wait never
   * blocks the event loop. Other writes need not wait.
   */
  writable(): Promise<void> | undefined;
}

/** The committed migrations (`drizzle/` at the repository root). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/', import.meta.url));

/** WAL pages past which the serving connection checkpoints itself: a safety net above `RESTART_FRAMES`. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 131_072;
/** How often the background checkpointer copies the WAL back (PASSIVE: never blocks a writer). */
const CHECKPOINT_INTERVAL_MS = 200;
/**
 * WAL frames (pages) past which the checkpointer arranges a restart of the WAL (see below): 256 MiB. Each
 * restart under a steady stream of ingests holds them for one short pass (two fsyncs), so this trades WAL
 * size on disk for how often that happens: at ~66 KiB of WAL per 50-finding review, once per ~4,000.
 */
const RESTART_FRAMES = 65_536;
/** How long the checkpointer lets a write transaction already under way finish before its last pass. */
const RESTART_GRACE_MS = 2;
/** The longest a write waits at the gate, whatever happens to the checkpointer. */
const MAX_GATE_WAIT_MS = 1_000;

/** Slots of the shared Int32Array between the serving thread and the checkpointer. */
const DONE = 0; // set by the worker once its connection is closed
const GATE = 1; // 1 while hot writers should wait (`DiffrayDb.writable`)
const IDLE = 2; // never written: the worker sleeps on it for the grace period

/**
 * The background checkpointer: a worker thread with its own connection that runs a PASSIVE checkpoint
 * every `CHECKPOINT_INTERVAL_MS`. The checkpoint (copy WAL → database file and the fsyncs of
 * `synchronous = NORMAL`) then no longer runs inside a request's commit on the event loop, which was the
 * whole ingest p99 tail. Plain CommonJS, evaluated as a string, so it runs the same under tsx, vitest and
 * the bundle. `close` is synchronous: the worker closes its connection, then signals through `DONE`.
 *
 * Restarting the WAL. SQLite writes the WAL from its start again only when a writer begins with every
 * frame already copied back. Between bursts that happens by itself; under a steady stream of commits a
 * PASSIVE pass never catches up (commits land while it fsyncs), so the WAL grew until the serving
 * connection's fallback checkpoint ran on the event loop (copy and two fsyncs: 100–300 ms, every ~80 MB of
 * WAL, which was the ingest p99). So past `RESTART_FRAMES` the checkpointer catches up with passes that
 * block nobody, then closes `GATE` (hot writers, see `DiffrayDb.writable`, wait at it without blocking the
 * event loop), lets a transaction under way finish, runs one short pass and opens the gate: the next commit
 * restarts the WAL. A write that does not wait at the gate only makes that attempt miss; a later tick
 * tries again.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const shared = new Int32Array(workerData.shared);
const { DONE, GATE, IDLE, intervalMs, restartFrames, graceMs } = workerData;
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
  Atomics.store(shared, GATE, 1);
  try {
    Atomics.wait(shared, IDLE, 0, graceMs);
    passive();
  } finally {
    Atomics.store(shared, GATE, 0);
    parentPort.postMessage('open');
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
    db.close();
  } finally {
    Atomics.store(shared, DONE, 1);
    Atomics.notify(shared, DONE);
    parentPort.close();
  }
});
`;

interface Checkpointer {
  stop(): void;
  writable(): Promise<void> | undefined;
}

function startCheckpointer(path: string, restartFrames: number): Checkpointer {
  const shared = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path,
      shared: shared.buffer,
      DONE,
      GATE,
      IDLE,
      intervalMs: CHECKPOINT_INTERVAL_MS,
      restartFrames,
      graceMs: RESTART_GRACE_MS,
    },
  });
  worker.unref();
  let alive = true;
  // Writers waiting at the gate: resolved by the worker's 'open', or after `MAX_GATE_WAIT_MS` whatever
  // happens (the timer also keeps the event loop alive while they wait; the worker is unref'd).
  let waiting: Promise<void> | undefined;
  let open = () => {};
  worker.on('message', (message) => {
    if (message === 'open') open();
  });
  const gone = () => {
    alive = false;
    Atomics.store(shared, GATE, 0);
    open(); // never leave writers waiting on a checkpointer that is gone
  };
  worker.once('error', gone);
  worker.once('exit', gone);
  return {
    writable: () => {
      if (Atomics.load(shared, GATE) === 0) return undefined;
      waiting ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => open(), MAX_GATE_WAIT_MS);
        open = () => {
          clearTimeout(timer);
          waiting = undefined;
          open = () => {};
          resolve();
        };
      });
      return waiting;
    },
    stop: () => {
      if (!alive) return;
      worker.postMessage('close');
      // Wait (bounded) for the worker's connection to close, so ours is the last and removes the WAL.
      Atomics.wait(shared, DONE, 0, 5_000);
      void worker.terminate();
    },
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
 * crosses `wal_autocheckpoint`, and that worker also keeps the WAL from growing without bound under
 * sustained writes (hot write paths await `writable()`; see `CHECKPOINTER_SOURCE`); the serving connection
 * keeps a high auto-checkpoint as a safety net in case the worker is gone.
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
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('synchronous = NORMAL');
  const orm = drizzle(sqlite, { schema });
  migrate(orm, { migrationsFolder: opts.migrationsFolder ?? MIGRATIONS_FOLDER });
  let checkpointer: Checkpointer | undefined;
  if (opts.backgroundCheckpoints && path !== ':memory:') {
    sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    checkpointer = startCheckpointer(path, opts.walRestartFrames ?? RESTART_FRAMES);
  }
  return {
    orm,
    sqlite,
    path,
    close: () => {
      checkpointer?.stop();
      sqlite.close();
    },
    writable: () => checkpointer?.writable(),
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
