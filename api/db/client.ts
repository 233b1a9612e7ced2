import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { RESTART_FRAMES, startCheckpointer } from './checkpointer.js';
import { createPrivateFile, makePrivateDir } from './files.js';
import type { DiffrayDb, SqliteDb } from './connection.js';
import { prepareEncryption } from './data-keys.js';
import { Keyring } from './envelope.js';
import { applyMigrations, readMigrations } from './migrations.js';
import * as schema from './schema.js';
import { sqliteSharedState } from './shared-state.js';
import { CONNECTION_PRAGMAS, newSignals } from './threads.js';
import { createWriter } from './writer.js';

export * from './connection.js';

/** The committed migrations (`drizzle/` at the repository root). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/', import.meta.url));

/** WAL pages past which a connection checkpoints in its own commit: a safety net above `RESTART_FRAMES`. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 131_072;

/**
 * Opens (creating when missing) the SQLite file and applies the committed migrations (`migrations.ts`:
 * once, under a lock, however many processes open it together).
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
 * `dataKeys` (`DATA_ENCRYPTION_KEY`, newest first) seal and open the sealed columns (`encryption.ts`);
 * `prepareEncryption` refuses a database holding values sealed with a key that is not among them, and
 * seals what a database from before encryption holds in plaintext, before anything reads it.
 *
 * `backgroundCheckpoints` (the server): checkpoints run in a worker thread instead of in the commit that
 * crosses `wal_autocheckpoint`, and that worker also keeps the WAL from growing without bound under
 * sustained ingest (`checkpointer-thread.ts`); the serving and writer connections keep a high
 * auto-checkpoint as a safety net in case the worker is gone.
 */
export function openDatabase(
  path: string,
  opts: {
    dataKeys: readonly Uint8Array[];
    backgroundCheckpoints?: boolean;
    /** WAL frames past which the checkpointer restarts the WAL (`RESTART_FRAMES`; tests lower it). */
    walRestartFrames?: number;
  },
): SqliteDb {
  if (path === ':memory:' || path === '')
    throw new Error('the results database must be a file: reviews are written from a second connection');
  const keyring = new Keyring(opts.dataKeys);
  // The folder and files are the server user's alone (`files.ts`). SQLite creates the -wal and -shm files
  // with the database file's permissions (it sets them on the new file, whatever the umask).
  makePrivateDir(dirname(path));
  try {
    createPrivateFile(path);
  } catch (error) {
    // An existing database keeps its mode (the operator's to set).
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  const pragmas = opts.backgroundCheckpoints ? [`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`] : [];
  for (const pragma of [...CONNECTION_PRAGMAS, ...pragmas]) sqlite.pragma(pragma);
  const orm = drizzle(sqlite, { schema });
  let migrationsApplied: string[];
  try {
    migrationsApplied = applyMigrations(sqlite, readMigrations(MIGRATIONS_FOLDER));
    prepareEncryption(sqlite, keyring, new Date());
  } catch (error) {
    sqlite.close();
    throw error;
  }
  // Reads a page of the schema, not just the connection: a file removed or corrupted underneath fails it.
  const ping = sqlite.prepare('SELECT count(*) FROM "__drizzle_migrations"');
  const signals = newSignals();
  const writer = createWriter(path, signals, pragmas, opts.dataKeys);
  const checkpointer = opts.backgroundCheckpoints
    ? startCheckpointer(path, signals, opts.walRestartFrames ?? RESTART_FRAMES)
    : undefined;
  const db: SqliteDb = {
    engine: 'sqlite',
    orm,
    tables: schema,
    keyring,
    sqlite,
    path,
    migrationsApplied,
    transaction: sqliteTransactions(sqlite, () => db),
    ping: async () => {
      ping.get();
    },
    ingest: writer.ingest,
    eraseDeleted: async () => {
      if (!checkpointer?.eraseSoon()) sqlite.pragma('wal_checkpoint(TRUNCATE)');
    },
    shared: sqliteSharedState(sqlite),
    close: async () => {
      writer.close();
      checkpointer?.stop();
      sqlite.close();
    },
  };
  return db;
}

/**
 * Transactions on the serving connection: BEGIN IMMEDIATE (the write lock at the start, so a read followed
 * by a write cannot fail to upgrade), COMMIT when the body resolves, ROLLBACK when it rejects. drizzle's
 * better-sqlite3 transaction takes a synchronous body only; this one takes the async bodies every engine
 * shares. Nothing else runs on the connection meanwhile: better-sqlite3 runs each statement synchronously,
 * so a body that awaits only storage calls on `tx` resumes in the same turn of the event loop, before any
 * I/O callback (another request) gets its turn; and a transaction started while another is open (by a
 * chain already queued in that turn) waits for it to end. The one thing a body must not do is await
 * anything else (a timer, the network, the writer thread) or run storage calls concurrently with it.
 */
function sqliteTransactions(sqlite: Database.Database, database: () => SqliteDb): DiffrayDb['transaction'] {
  let previous: Promise<void> = Promise.resolve();
  return async (body) => {
    const waited = previous;
    let done!: () => void;
    previous = new Promise((resolve) => (done = resolve));
    await waited;
    const tx: SqliteDb = { ...database(), transaction: (inner) => inner(tx) };
    try {
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        const result = await body(tx);
        sqlite.exec('COMMIT');
        return result;
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw error;
      }
    } finally {
      done();
    }
  };
}
