/**
 * The same scenarios on both engines: `for (const engine of ENGINES) describe.skipIf(engine.skip)(...)`, and
 * in it `useFreshDatabases(engine.name)` for a new, migrated database per call (with its path or URL) (closed, and on PostgreSQL
 * dropped, after the test), and `countOf` (`../api/helpers.ts`) for a raw count read from either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { DiffrayDb } from '../../api/db/index.js';
import { openDatabaseAt, openFreshDatabase, TEST_DATA_KEYS } from '../api/helpers.js';
import { SKIP_POSTGRES } from './postgres.js';

export type EngineName = DiffrayDb['engine'];

export const ENGINES: readonly { name: EngineName; skip: boolean }[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: SKIP_POSTGRES },
];

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
  return async (dataKeys = TEST_DATA_KEYS) => {
    const dir = mkdtempSync(join(tmpdir(), 'diffray-engine-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    // Closed after every reopened handle (cleanups run in reverse): on PostgreSQL its close drops the database.
    const fresh = await openFreshDatabase(dir, { engine, dataKeys });
    cleanups.push(() => fresh.db.close());
    const reopen = async (keys: readonly Uint8Array[]) => {
      const db = await openDatabaseAt(engine, fresh.url, { dataKeys: keys });
      cleanups.push(() => db.close());
      return db;
    };
    return { ...fresh, reopen };
  };
}
