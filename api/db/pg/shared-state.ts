/**
 * What several `serve` processes on one PostgreSQL database must agree on: `SharedState`'s operations, with
 * the meanings and results of SQLite's (`../shared-state.ts`), over the pool. Each is one statement or
 * one short transaction, and none holds a lock across a round trip to the application beyond its own
 * statements. Why each is correct when instances race (READ COMMITTED, PostgreSQL's default):
 *
 * - `takeTokens`: reads its bucket with `SELECT … FOR UPDATE`, so a second taker of the same bucket waits
 *   on the row lock and then reads the first one's committed balance; the refill and the grant are computed
 *   from that one balance and written back before the lock is released at COMMIT. A missing bucket is first
 *   created full (`INSERT … ON CONFLICT DO NOTHING`: of two creators one inserts, the other waits for it and
 *   does nothing), so there is always a row to lock. Different buckets never wait on each other.
 * - `consumeOAuthState`: one `INSERT … ON CONFLICT DO NOTHING` on the state's hash, the primary key. Of two
 *   concurrent inserts of one hash, the second waits for the first to commit and then inserts nothing: it
 *   reports "consumed before".
 * - `acquireLease`: one `INSERT … ON CONFLICT DO UPDATE … WHERE`. On a conflict PostgreSQL locks the row and
 *   evaluates the WHERE against its newest committed version (not the statement's snapshot), so of several
 *   acquirers exactly one sees the lease free and takes it; the others see it held and update nothing.
 * - `renewLease`, `releaseLease`: one UPDATE guarded by `holder = $me`, re-checked on the newest version
 *   after any concurrent update, so a holder whose lease was taken over changes nothing.
 * - `sweepSharedState`: two DELETEs in one statement; rows deleted while a taker waits on them are simply
 *   created anew (full) by that taker.
 */
import type pg from 'pg';
import type { BucketRule, SharedState, TakeResult } from '../connection.js';
import { inPgTransaction } from './connection.js';

/**
 * Takes up to `want` tokens from the shared bucket `bucket` (full at `rule.capacity`, refilled at
 * `rule.perMinute`): all of them, as many whole tokens as it holds, or none with the wait for one.
 */
function takeTokens(
  pool: pg.Pool,
  bucket: string,
  rule: BucketRule,
  want: number,
  at: number,
): Promise<TakeResult> {
  return inPgTransaction(pool, async (client) => {
    const read = () =>
      client.query<{ tokens: number; at: number }>(
        'SELECT tokens, at FROM rate_buckets WHERE bucket = $1 FOR UPDATE',
        [bucket],
      );
    let row = (await read()).rows[0];
    if (row === undefined) {
      await client.query(
        'INSERT INTO rate_buckets (bucket, tokens, at) VALUES ($1, $2, $3) ON CONFLICT (bucket) DO NOTHING',
        [bucket, rule.capacity, at],
      );
      row = (await read()).rows[0]!;
    }
    const elapsed = Math.max(0, at - Number(row.at));
    const tokens = Math.min(rule.capacity, row.tokens + (elapsed / 60_000) * rule.perMinute);
    const granted = Math.min(want, Math.floor(tokens));
    // A refusal changes nothing (the bucket refills from the stored state alike): no write.
    if (granted === 0)
      return { granted, retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * 60) / rule.perMinute)) };
    await client.query('UPDATE rate_buckets SET tokens = $2, at = $3 WHERE bucket = $1', [
      bucket,
      tokens - granted,
      at,
    ]);
    return { granted, retryAfterSeconds: 0 };
  });
}

/** Marks an OAuth state (its hash) consumed; false when it was consumed before (by any instance). */
async function consumeState(pool: pg.Pool, hash: string, expiresAt: number): Promise<boolean> {
  const result = await pool.query(
    'INSERT INTO oauth_states (state_hash, expires_at) VALUES ($1, $2) ON CONFLICT (state_hash) DO NOTHING',
    [hash, expiresAt],
  );
  return result.rowCount === 1;
}

/**
 * Takes the lease `name` for `holder` for `ttlMs` when no live holder has it and the work is due (last
 * finished more than `dueAfterMs` ago, or never, or left unfinished by a holder whose lease expired).
 */
async function acquireLease(
  pool: pg.Pool,
  name: string,
  holder: string,
  at: number,
  ttlMs: number,
  dueAfterMs: number,
): Promise<boolean> {
  const result = await pool.query(
    `INSERT INTO leases AS l (name, holder, expires_at, done_at) VALUES ($1, $2, $3, NULL)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE NOT (l.holder IS NOT NULL AND l.holder <> excluded.holder AND coalesce(l.expires_at, 0) > $4)
       AND NOT (l.holder IS NULL AND l.done_at IS NOT NULL AND $4 - l.done_at < $5)`,
    [name, holder, at + ttlMs, at, dueAfterMs],
  );
  return result.rowCount === 1;
}

/** Extends a held lease; false when `holder` no longer holds it (it expired and another took it). */
async function renewLease(pool: pg.Pool, name: string, holder: string, until: number): Promise<boolean> {
  const result = await pool.query('UPDATE leases SET expires_at = $1 WHERE name = $2 AND holder = $3', [
    until,
    name,
    holder,
  ]);
  return result.rowCount === 1;
}

/** Gives the lease up, recording the work done at `now`. */
async function releaseLease(pool: pg.Pool, name: string, holder: string, now: number): Promise<void> {
  await pool.query(
    'UPDATE leases SET holder = NULL, expires_at = NULL, done_at = $1 WHERE name = $2 AND holder = $3',
    [now, name, holder],
  );
}

/** Deletes buckets idle since `idleBefore` (full again by then) and expired OAuth states. */
async function sweep(
  pool: pg.Pool,
  idleBefore: number,
  now: number,
): Promise<{ rateBuckets: number; oauthStates: number }> {
  const result = await pool.query<{ rate_buckets: number; oauth_states: number }>(
    `WITH b AS (DELETE FROM rate_buckets WHERE at < $1 RETURNING 1),
          s AS (DELETE FROM oauth_states WHERE expires_at <= $2 RETURNING 1)
     SELECT (SELECT count(*) FROM b) AS rate_buckets, (SELECT count(*) FROM s) AS oauth_states`,
    [idleBefore, now],
  );
  const { rate_buckets, oauth_states } = result.rows[0]!;
  return { rateBuckets: Number(rate_buckets), oauthStates: Number(oauth_states) };
}

/** The shared state of a PostgreSQL database (`db.shared`): the operations above on `pool`. */
export function pgSharedState(pool: pg.Pool): SharedState {
  return {
    takeTokens: (bucket, rule, want, now) => takeTokens(pool, bucket, rule, want, now),
    consumeState: (hash, expiresAt) => consumeState(pool, hash, expiresAt),
    acquireLease: (name, holder, now, ttlMs, dueAfterMs) =>
      acquireLease(pool, name, holder, now, ttlMs, dueAfterMs),
    renewLease: (name, holder, until) => renewLease(pool, name, holder, until),
    releaseLease: (name, holder, now) => releaseLease(pool, name, holder, now),
    sweep: (idleBefore, now) => sweep(pool, idleBefore, now),
  };
}
