/**
 * PostgreSQL connections: one node-postgres pool per process, and the drizzle handle over it.
 *
 * - Every limit is the operator's (`DATABASE_POOL_SIZE`, `DATABASE_CONNECT_TIMEOUT_MS`,
 *   `DATABASE_IDLE_TIMEOUT_MS`, `DATABASE_STATEMENT_TIMEOUT_MS`, read in `api/env.ts`), so that a database
 *   that stops answering makes requests fail within a known time (a 503, `../faults.ts`) instead of
 *   queueing without end.
 * - The statement timeout is set by the server for the session (a startup parameter), so it also stops a
 *   query whose client is waiting on a lock, which a client-side timer could only abandon.
 * - An idle client whose server went away (a restart, a failover, an administrator's terminate) is reported
 *   on the pool's `error` event. Without a listener Node would throw it and end the process; the pool has
 *   already dropped that client, so the next query connects afresh: the pool recovers without being
 *   recreated. A client checked out of the pool (a transaction's) has no pool listener: its error, emitted
 *   on the client as well as failing its queries, would end the process too. Each client hears its own
 *   errors for its whole life; its queries fail, and the pool drops it when it comes back unusable.
 * - `int8` and `numeric` are read as numbers, as SQLite's integers are, so that `count(*)`, `sum(...)` and
 *   the `bigint` columns give the same JavaScript values on both engines (every such value here is an
 *   epoch millisecond, a row id or a count, far below 2^53).
 */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

/** The pool's limits, from the environment (`pgPoolSettings` in `api/env.ts`). */
export interface PgPoolSettings {
  /** Connections at most (`DATABASE_POOL_SIZE`). */
  max: number;
  /** How long a query waits for a connection, opening one included (`DATABASE_CONNECT_TIMEOUT_MS`). */
  connectTimeoutMs: number;
  /** How long an unused connection stays open (`DATABASE_IDLE_TIMEOUT_MS`). */
  idleTimeoutMs: number;
  /** The server cancels a statement running longer; 0 for no limit (`DATABASE_STATEMENT_TIMEOUT_MS`). */
  statementTimeoutMs: number;
}

export type PgOrm = NodePgDatabase<typeof schema>;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const numericTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID || oid === NUMERIC_OID
      ? Number
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A pool on `url` with `settings`. `onIdleError` hears the errors of idle clients (already dropped by the
 * pool); the caller logs them.
 */
export function openPgPool(
  url: string,
  settings: PgPoolSettings,
  onIdleError: (error: Error) => void = () => {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    application_name: 'diffray-api',
    // Finds a peer that vanished without closing (a failover, a dropped network path) on an idle client.
    keepAlive: true,
    types: numericTypes,
  });
  pool.on('error', onIdleError);
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** The drizzle handle over `pool`, with the PostgreSQL schema for relational queries. */
export function pgOrm(pool: pg.Pool): PgOrm {
  return drizzle(pool, { schema });
}

/**
 * Runs `fn` in a transaction on one client of `pool`: committed when it resolves, rolled back when it
 * throws. A client whose rollback failed (its connection broke) is destroyed rather than returned to the
 * pool, which would hand it to the next query.
 */
export async function inPgTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
