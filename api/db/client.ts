import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * Opens (creating when missing) the SQLite file and applies the committed migrations.
 * WAL for concurrent readers, foreign keys for cascades, a busy timeout for the CLI running beside
 * `serve`, and `secure_delete` so deleted rows are overwritten, not left in free pages.
 */
export function openDatabase(path: string, opts: { migrationsFolder?: string } = {}): DiffrayDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('synchronous = NORMAL');
  const orm = drizzle(sqlite, { schema });
  migrate(orm, { migrationsFolder: opts.migrationsFolder ?? MIGRATIONS_FOLDER });
  return { orm, sqlite, path, close: () => sqlite.close() };
}

/** Writes the WAL back into the database file and truncates it, so deleted bytes do not linger there. */
export function checkpointTruncate(db: DiffrayDb): void {
  db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
}
