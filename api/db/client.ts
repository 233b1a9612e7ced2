import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { RESTART_FRAMES, startCheckpointer } from './checkpointer.js';
import { createPrivateFile, makePrivateDir } from './files.js';
import { attachKeyring, type Orm } from './connection.js';
import { prepareEncryption } from './data-keys.js';
import { Keyring } from './envelope.js';
import { applyMigrations, readMigrations } from './migrations.js';
import type { IngestRow } from './ingest.js';
import * as schema from './schema.js';
import { CONNECTION_PRAGMAS, newSignals } from './threads.js';
import { createWriter } from './writer.js';

export { clientOf, perDatabase, type Orm } from './connection.js';

/** An open results database: the drizzle handle for queries and the raw handle for pragmas. */
export interface DiffrayDb {
  orm: Orm;
  sqlite: Database.Database;
  path: string;
  /** The migrations this open applied (tags, oldest first); empty when another process had applied them. */
  migrationsApplied: readonly string[];
  /** Throws unless the database answers a query (`/readyz`). */
  ping(): void;
  /**
   * Writes one review on the writer thread (`writer.ts`; use `insertReview`, which builds the row). Resolves
   * once it is committed, so the next read on `sqlite` sees it; rejects with a `WriteError` for this review
   * alone. Every other write runs on `sqlite`: they are rare, and the busy timeout covers the contention.
   */
  ingest(row: IngestRow): Promise<void>;
  /**
   * Called after every write that deleted or overwrote stored text. `secure_delete` has zeroed it in the
   * database's pages, but the WAL still holds the pages as they were until it is copied back and truncated.
   * With background checkpoints the checkpointer thread does that within a tick (the truncating pass waits
   * for the writer and for readers: not on the event loop); otherwise (the CLI) it runs now.
   */
  eraseDeleted(): void;
  /** Lets the writer finish the reviews sent to it, then closes every connection (the serving one last). */
  close(): void;
}

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
): DiffrayDb {
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
  attachKeyring(sqlite, keyring);
  // Reads a page of the schema, not just the connection: a file removed or corrupted underneath fails it.
  const ping = sqlite.prepare('SELECT count(*) FROM "__drizzle_migrations"');
  const signals = newSignals();
  const writer = createWriter(path, signals, pragmas, opts.dataKeys);
  const checkpointer = opts.backgroundCheckpoints
    ? startCheckpointer(path, signals, opts.walRestartFrames ?? RESTART_FRAMES)
    : undefined;
  return {
    orm,
    sqlite,
    path,
    migrationsApplied,
    ping: () => {
      ping.get();
    },
    ingest: writer.ingest,
    eraseDeleted: () => {
      if (!checkpointer?.eraseSoon()) sqlite.pragma('wal_checkpoint(TRUNCATE)');
    },
    close: () => {
      writer.close();
      checkpointer?.stop();
      sqlite.close();
    },
  };
}
