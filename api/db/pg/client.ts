/**
 * Opens a PostgreSQL results database: the pool, the migrations (once across instances, `migrations.ts`),
 * the data keys' check, and the handle every query module takes (`DiffrayDb`).
 *
 * - Queries: drizzle's PostgreSQL builder over the pool, typed as the common `Orm` (`../connection.ts`),
 *   with the PostgreSQL tables of the same names and JS value types (`schema.ts`).
 * - Transactions: drizzle's, on one client of the pool; inside one, `tx.transaction` runs in the same one.
 * - `eraseDeleted`: nothing to do at once. A deleted row stays in its page as a dead tuple until VACUUM
 *   reclaims it; autovacuum runs sooner on the tables that hold text (`drizzle/postgres/0001_autovacuum.sql`),
 *   and every stored text is sealed (`DATA_ENCRYPTION_KEY`), so what lingers is ciphertext
 *   (docs/deployment.md).
 */
import type pg from 'pg';
import type { DiffrayDb, Orm, PgDb } from '../connection.js';
import { Keyring } from '../envelope.js';
import { readMigrations } from '../migrations.js';
import { openPgPool, pgOrm, type PgPoolSettings } from './connection.js';
import { preparePgEncryption } from './data-keys.js';
import { pgWriter } from './ingest.js';
import { applyPgMigrations, PG_MIGRATIONS_FOLDER } from './migrations.js';
import * as schema from './schema.js';
import { pgSharedState } from './shared-state.js';

export async function openPgDatabase(
  url: string,
  opts: {
    dataKeys: readonly Uint8Array[];
    pool: PgPoolSettings;
    /** Hears the errors of idle connections (the server restarted): the pool has dropped them already. */
    onIdleError?: (error: Error) => void;
  },
): Promise<PgDb> {
  const keyring = new Keyring(opts.dataKeys);
  const pool = openPgPool(url, opts.pool, opts.onIdleError);
  let migrationsApplied: string[];
  try {
    migrationsApplied = await applyPgMigrations(pool, readMigrations(PG_MIGRATIONS_FOLDER));
    await preparePgEncryption(pool, keyring, new Date());
  } catch (error) {
    await pool.end();
    throw error;
  }
  const orm = pgOrm(pool);
  const db: PgDb = {
    engine: 'postgres',
    // The one place the PostgreSQL builder stands for the common one (`Orm` says why it may).
    orm: orm as unknown as Orm,
    tables: schema as unknown as DiffrayDb['tables'],
    keyring,
    pool,
    migrationsApplied,
    transaction: (body) =>
      orm.transaction(async (txOrm) => {
        const tx: PgDb = { ...db, orm: txOrm as unknown as Orm, transaction: (inner) => inner(tx) };
        return body(tx);
      }),
    // Reads a table, not just the connection: a database restored without the schema fails it.
    ping: async () => {
      await pool.query('SELECT count(*) FROM "__drizzle_migrations"');
    },
    ingest: pgWriter(pool, keyring),
    eraseDeleted: async () => {},
    shared: pgSharedState(pool),
    close: () => pool.end(),
  };
  return db;
}

export type { pg };
