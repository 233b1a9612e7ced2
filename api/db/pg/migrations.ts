/**
 * Applies the committed PostgreSQL migrations (`drizzle/postgres/`, generated from `schema.ts`) once,
 * however many processes start together, with SQLite's bookkeeping and checks (`../migrations.ts`): the
 * table `__drizzle_migrations` (the SQL file's SHA-256 and the journal's `when`), and a `MigrationError`
 * for a migration missing from the folder, skipped, or unknown to this version.
 *
 * The lock: the whole check-and-apply is one transaction that first takes a transaction-scoped advisory
 * lock on a fixed key. A second process blocks there until the first commits, then (under READ COMMITTED,
 * each statement sees what committed before it) finds the migrations recorded and applies nothing. The
 * lock is released with the transaction however it ends, a dropped connection included, so a process
 * killed mid-migration leaves neither a half-applied migration (PostgreSQL's DDL is transactional) nor a
 * stale lock.
 */
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { MIGRATION_LOCK_WAIT_MS, pendingMigrations, type Migration } from '../migrations.js';
import { inPgTransaction } from './connection.js';

/** The advisory lock's key: "diffray" in ASCII, as a 64-bit integer. Any other use of it would collide. */
export const MIGRATION_LOCK_KEY = 0x64696666726179n;

/** The committed PostgreSQL migrations (`drizzle/postgres/` at the repository root, or beside `build/api`). */
export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle/postgres/', import.meta.url));

/** Applies the migrations the database lacks, under the lock; resolves to the tags it applied. */
export function applyPgMigrations(pool: pg.Pool, migrations: readonly Migration[]): Promise<string[]> {
  return inPgTransaction(pool, async (client) => {
    // The waits are for the other process's migrations, and a migration may rightly run longer than any
    // request's statement timeout (an index built on a large table): both limits hold for this transaction only.
    await client.query(`SET LOCAL lock_timeout = ${MIGRATION_LOCK_WAIT_MS}`);
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
    );
    const recorded = await client.query<{ at: string | number }>(
      'SELECT created_at AS at FROM "__drizzle_migrations"',
    );
    const pending = pendingMigrations(migrations, new Set(recorded.rows.map((r) => Number(r.at))));
    for (const migration of pending) {
      for (const statement of migration.statements) {
        if (statement.trim() !== '') await client.query(statement);
      }
      await client.query('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES ($1, $2)', [
        migration.hash,
        migration.when,
      ]);
    }
    return pending.map((m) => m.tag);
  });
}
