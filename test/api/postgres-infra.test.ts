/**
 * The PostgreSQL infrastructure against a real server (`test/support/postgres.ts`): the baseline
 * migrations and their lock, the shared state under concurrency, the pool's settings, and the pool across
 * a database restart.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isDatabaseUnavailable } from '../../api/db/faults.js';
import { MigrationError, readMigrations, type Migration } from '../../api/db/migrations.js';
import { openPgPool, type PgPoolSettings } from '../../api/db/pg/connection.js';
import { applyPgMigrations, PG_MIGRATIONS_FOLDER } from '../../api/db/pg/migrations.js';
import { pgSharedState } from '../../api/db/pg/shared-state.js';
import {
  acquireLease,
  consumeOAuthState,
  releaseLease,
  renewLease,
  sweepSharedState,
  takeTokens,
} from '../../api/db/shared-state.js';
import {
  createTestDatabase,
  postgresBinDir,
  SKIP_POSTGRES,
  startCluster,
  usePostgres,
  type Cluster,
} from '../support/postgres.js';

const SETTINGS: PgPoolSettings = {
  max: 20,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  statementTimeoutMs: 10_000,
};
const MIGRATIONS = readMigrations(PG_MIGRATIONS_FOLDER);

/** A pool's shared state, as `db.shared` of an instance on it. */
const on = (pool: pg.Pool) => ({ shared: pgSharedState(pool) });

/** A migration that only records itself, for the bookkeeping's error cases. */
function syntheticMigration(tag: string, when: number): Migration {
  return { tag, when, hash: tag, statements: [`CREATE TABLE "${tag}" (id integer)`] };
}

describe.skipIf(SKIP_POSTGRES)('PostgreSQL migrations', () => {
  const pools: pg.Pool[] = [];
  const fresh = async () => {
    const database = await createTestDatabase();
    const pool = openPgPool(database.url, SETTINGS);
    pools.push(pool);
    return { pool, database };
  };
  const dropAll: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await Promise.all(dropAll.map((drop) => drop()));
  });

  it('applies the baseline to an empty database, then nothing', async () => {
    const { pool, database } = await fresh();
    dropAll.push(database.drop);
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    expect(await applyPgMigrations(pool, MIGRATIONS)).toEqual(MIGRATIONS.map((m) => m.tag));
    expect(await applyPgMigrations(pool, MIGRATIONS)).toEqual([]);
    const tables = await pool.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining([
        'accounts',
        'reviews',
        'findings',
        'rate_buckets',
        'leases',
        '__drizzle_migrations',
      ]),
    );
    // The hand-written migration's autovacuum settings: dead rows of the churning tables do not wait for 20%.
    const options = await pool.query<{ reloptions: string[] }>(
      "SELECT reloptions FROM pg_class WHERE relname = 'rate_buckets'",
    );
    expect(options.rows[0]!.reloptions).toContain('autovacuum_vacuum_threshold=1000');
  });

  it('migrates once when two processes start together: one applies, the other waits and finds nothing left', async () => {
    const { pool: first, database } = await fresh();
    dropAll.push(database.drop);
    // A second pool stands for a second process: its own connections, its own transaction.
    const second = openPgPool(database.url, SETTINGS);
    pools.push(second);
    const results = await Promise.all([
      applyPgMigrations(first, MIGRATIONS),
      applyPgMigrations(second, MIGRATIONS),
    ]);
    expect(results.map((r) => r.length).sort()).toEqual([0, MIGRATIONS.length]);
    const recorded = await first.query<{ n: number }>('SELECT count(*) AS n FROM "__drizzle_migrations"');
    expect(recorded.rows[0]!.n).toBe(MIGRATIONS.length);
  });

  it('refuses a database migrated by a newer version, and a migration skipped', async () => {
    const { pool, database } = await fresh();
    dropAll.push(database.drop);
    const older = syntheticMigration('m_older', 1_000);
    const newer = syntheticMigration('m_newer', 2_000);
    expect(await applyPgMigrations(pool, [newer])).toEqual(['m_newer']);
    await expect(applyPgMigrations(pool, [older, newer])).rejects.toThrow(
      new MigrationError(
        'migration m_older is missing from the database, though later ones are applied: it was committed out of order; regenerate it after the newest one',
      ),
    );
    const refusal = applyPgMigrations(pool, [older]);
    await expect(refusal).rejects.toBeInstanceOf(MigrationError);
    await expect(refusal).rejects.toThrow(/migrated by a newer version/);
    // The refusals rolled back whole: the table of the refused migration was never created.
    const created = await pool.query("SELECT 1 FROM pg_tables WHERE tablename = 'm_older'");
    expect(created.rowCount).toBe(0);
  });
});

describe.skipIf(SKIP_POSTGRES)('shared state on PostgreSQL', () => {
  const database = usePostgres({ migrated: true });
  let pool: pg.Pool;
  beforeAll(() => {
    pool = openPgPool(database.url, SETTINGS);
  });
  afterAll(() => pool.end());

  const now = new Date('2026-06-01T12:00:00Z');
  const later = (ms: number) => new Date(now.getTime() + ms);

  it('grants exactly the capacity to 50 parallel takers of one bucket, on two instances', async () => {
    const rule = { capacity: 10, perMinute: 1 };
    const other = openPgPool(database.url, SETTINGS);
    // Connections opened beforehand, so that the takers overlap rather than trickle in as each connects.
    const warm = (p: pg.Pool) => Promise.all(Array.from({ length: SETTINGS.max }, () => p.connect()));
    for (const client of [...(await warm(pool)), ...(await warm(other))]) client.release();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        takeTokens(on(i % 2 ? pool : other), 'key:parallel', rule, 1, now),
      ),
    ).finally(() => other.end());
    expect(results.reduce((sum, r) => sum + r.granted, 0)).toBe(10);
    const refused = results.filter((r) => r.granted === 0);
    expect(refused).toHaveLength(40);
    // Empty, refilled at one a minute: the next token in 60 s.
    expect(new Set(refused.map((r) => r.retryAfterSeconds))).toEqual(new Set([60]));
  });

  it('refills with time, grants whole tokens up to what is asked, and caps at the capacity', async () => {
    const rule = { capacity: 5, perMinute: 60 };
    expect(await takeTokens(on(pool), 'key:refill', rule, 3, now)).toEqual({
      granted: 3,
      retryAfterSeconds: 0,
    });
    expect(await takeTokens(on(pool), 'key:refill', rule, 3, now)).toEqual({
      granted: 2,
      retryAfterSeconds: 0,
    });
    expect(await takeTokens(on(pool), 'key:refill', rule, 1, later(500))).toEqual({
      granted: 0,
      retryAfterSeconds: 1,
    });
    expect(await takeTokens(on(pool), 'key:refill', rule, 2, later(2_000))).toEqual({
      granted: 2,
      retryAfterSeconds: 0,
    });
    expect(await takeTokens(on(pool), 'key:refill', rule, 9, later(3_600_000))).toEqual({
      granted: 5,
      retryAfterSeconds: 0,
    });
  });

  it('consumes an OAuth state once among parallel consumers', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => consumeOAuthState(on(pool), 'state-abc', later(600_000))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await consumeOAuthState(on(pool), 'state-def', later(600_000))).toBe(true);
  });

  it('gives a lease to one of many parallel acquirers; the others neither renew nor release it', async () => {
    const lease = (holder: string) => ({
      name: 'purge-parallel',
      holder,
      ttlMs: 60_000,
      dueAfterMs: 3_600_000,
    });
    const holders = Array.from({ length: 20 }, (_, i) => `instance-${i}`);
    const results = await Promise.all(holders.map((h) => acquireLease(on(pool), lease(h), now)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = holders[results.indexOf(true)]!;
    const loser = holders.find((h) => h !== winner)!;
    expect(await renewLease(on(pool), 'purge-parallel', loser, later(120_000))).toBe(false);
    await releaseLease(on(pool), 'purge-parallel', loser, later(1_000));
    expect(await renewLease(on(pool), 'purge-parallel', winner, later(120_000))).toBe(true);
    await releaseLease(on(pool), 'purge-parallel', winner, later(1_000));
    // Done: nobody takes it again until it is due.
    expect(await acquireLease(on(pool), lease(loser), later(2_000))).toBe(false);
    expect(await acquireLease(on(pool), lease(loser), later(3_601_000))).toBe(true);
  });

  it("takes over a dead holder's lease once it has expired", async () => {
    const lease = (holder: string) => ({ name: 'purge-dead', holder, ttlMs: 1_000, dueAfterMs: 3_600_000 });
    expect(await acquireLease(on(pool), lease('dead'), now)).toBe(true);
    expect(await acquireLease(on(pool), lease('alive'), later(500))).toBe(false);
    expect(await acquireLease(on(pool), lease('alive'), later(1_500))).toBe(true);
    expect(await renewLease(on(pool), 'purge-dead', 'dead', later(5_000))).toBe(false);
    // The holder may take its own live lease again (a restart of the same instance id).
    expect(await acquireLease(on(pool), lease('alive'), later(1_600))).toBe(true);
  });

  it('sweeps idle buckets and expired OAuth states', async () => {
    await takeTokens(on(pool), 'key:idle', { capacity: 1, perMinute: 1 }, 1, later(-7_200_000));
    await consumeOAuthState(on(pool), 'state-expired', later(-1));
    const swept = await sweepSharedState(on(pool), later(-3_600_000), now);
    expect(swept).toEqual({ rateBuckets: 1, oauthStates: 1 });
    expect(await sweepSharedState(on(pool), later(-3_600_000), now)).toEqual({
      rateBuckets: 0,
      oauthStates: 0,
    });
  });
});

describe.skipIf(SKIP_POSTGRES)('the PostgreSQL pool', () => {
  const database = usePostgres();

  it('has the server cancel a statement past DATABASE_STATEMENT_TIMEOUT_MS, a 503', async () => {
    const pool = openPgPool(database.url, { ...SETTINGS, statementTimeoutMs: 200 });
    try {
      const error = await pool.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '57014' });
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect((await pool.query('SHOW statement_timeout')).rows[0]).toEqual({ statement_timeout: '200ms' });
    } finally {
      await pool.end();
    }
  });

  it('gives up waiting for a connection after DATABASE_CONNECT_TIMEOUT_MS, a 503', async () => {
    const pool = openPgPool(database.url, { ...SETTINGS, max: 1, connectTimeoutMs: 200 });
    const held = await pool.connect();
    try {
      const error = await pool.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      held.release();
      await pool.end();
    }
  });

  it("survives a terminated backend: the query's error is a 503, an idle client's is heard, the next query works", async () => {
    const onIdleError = vi.fn();
    const pool = openPgPool(database.url, SETTINGS, onIdleError);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const busy = pool.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
      const idle = await pool.connect();
      idle.release();
      await vi.waitFor(async () => {
        const active = await admin.query("SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)'");
        expect(active.rowCount).toBe(1);
      });
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'diffray-api' AND datname = current_database()",
      );
      const error = await busy;
      expect(error).toMatchObject({ code: '57P01' });
      expect(isDatabaseUnavailable(error)).toBe(true);
      await vi.waitFor(() => expect(onIdleError).toHaveBeenCalled());
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await pool.end();
    }
  });
  it('survives the backend of a checked-out client terminated (a transaction when the server restarts)', async () => {
    const pool = openPgPool(database.url, SETTINGS);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const held = await pool.connect();
      await held.query('BEGIN');
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'diffray-api' AND datname = current_database()",
      );
      // The client hears its socket close between two statements: no listener of the pool's is on it then,
      // and an error event nobody hears ends the process (and fails this test as an unhandled error).
      await vi.waitFor(() => expect((held as unknown as { _queryable: boolean })._queryable).toBe(false));
      const error = await held.query('SELECT 1').catch((e: unknown) => e);
      expect(isDatabaseUnavailable(error)).toBe(true);
      held.release();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await pool.end();
    }
  });
});

describe.skipIf(postgresBinDir() === undefined)('the PostgreSQL pool across a database restart', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(() => cluster?.destroy());

  it('fails fast with a 503 while the server is down, and recovers without being recreated', async () => {
    const onIdleError = vi.fn();
    const pool = openPgPool(cluster.url, { ...SETTINGS, connectTimeoutMs: 2_000 }, onIdleError);
    try {
      await pool.query('SELECT 1');
      await cluster.stop();
      // The idle client's connection was closed by the shutdown: heard, not thrown.
      await vi.waitFor(() => expect(onIdleError).toHaveBeenCalled());
      const started = Date.now();
      const error = await pool.query('SELECT 1').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(isDatabaseUnavailable(error)).toBe(true);
      await cluster.start();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
