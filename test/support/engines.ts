/**
 * The same scenarios on both engines: `for (const engine of ENGINES) describe.skipIf(engine.skip)(...)`, and
 * in it `useFreshDatabases(engine.name)` for a new, migrated database per call (with its path or URL) (closed, and on PostgreSQL
 * dropped, after the test), and `countOf` for a raw count read from either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openPgDatabase, type DiffrayDb } from '../../api/db/index.js';
import { pgOf, sqliteOf } from '../../api/db/connection.js';
import { numbered } from '../../api/db/pg/ingest.js';
import { openTestDatabase, TEST_DATA_KEYS } from '../api/helpers.js';
import { createTestDatabase, SKIP_POSTGRES, type TestDatabase } from './postgres.js';

export type EngineName = DiffrayDb['engine'];

export const ENGINES: readonly { name: EngineName; skip: boolean }[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: SKIP_POSTGRES },
];

export const TEST_POOL = {
  max: 8,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
  statementTimeoutMs: 20_000,
};

/** A fresh database, its path or URL, and `reopen` to open it again (with other data keys). */
export interface FreshDatabase {
  db: DiffrayDb;
  url: string;
  reopen(dataKeys: readonly Uint8Array[]): Promise<DiffrayDb>;
}

/**
 * A fresh database per call: on SQLite a file in a temp folder, on PostgreSQL a database of its own. Every
 * database it opens or reopens is closed after the test (the test closes none).
 */
export function useFreshDatabases(
  engine: EngineName,
): (dataKeys?: readonly Uint8Array[]) => Promise<FreshDatabase> {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const opened = async (open: Promise<DiffrayDb> | DiffrayDb) => {
    const db = await open;
    cleanups.push(() => db.close());
    return db;
  };
  return async (dataKeys = TEST_DATA_KEYS) => {
    if (engine === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'diffray-engine-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'diffray.db');
      const reopen = async (keys: readonly Uint8Array[]) =>
        opened(openTestDatabase(path, { dataKeys: keys }));
      return { db: await reopen(dataKeys), url: path, reopen };
    }
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const reopen = (keys: readonly Uint8Array[]) =>
      opened(openPgDatabase(database.url, { dataKeys: keys, pool: TEST_POOL }));
    return { db: await reopen(dataKeys), url: database.url, reopen };
  };
}

/** `SELECT count(*) AS n ...` (`?` placeholders) read straight from either engine. */
export async function countOf(db: DiffrayDb, sql: string, ...args: unknown[]): Promise<number> {
  if (db.engine === 'sqlite')
    return (
      sqliteOf(db)
        .prepare(sql)
        .get(...args) as { n: number }
    ).n;
  return (await pgOf(db).query<{ n: number }>(numbered(sql), args)).rows[0]!.n;
}

/** Rows of a raw SELECT (`?` placeholders) from either engine. */
export async function rowsOf<T>(db: DiffrayDb, sql: string, ...args: unknown[]): Promise<T[]> {
  if (db.engine === 'sqlite')
    return sqliteOf(db)
      .prepare(sql)
      .all(...args) as T[];
  return (await pgOf(db).query(numbered(sql), args)).rows as T[];
}
