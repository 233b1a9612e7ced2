/**
 * What several `serve` processes on one database must agree on, kept in that database: rate-limit token
 * buckets, consumed OAuth states and leases on background work. Each operation is one short IMMEDIATE
 * transaction (SQLite takes the write lock at its start, so the read and the write that follows it cannot
 * interleave with another process's); the PostgreSQL port writes each as one UPSERT … RETURNING or a
 * `SELECT … FOR UPDATE` in a transaction, behind the same functions.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { perDatabase, type Orm } from './connection.js';

export interface BucketRule {
  capacity: number;
  perMinute: number;
}

/** What `takeTokens` granted: `granted` tokens (0 to `want`), and when none, the seconds until one. */
export interface TakeResult {
  granted: number;
  retryAfterSeconds: number;
}

const statements = perDatabase((_orm, sqlite: Database.Database) => {
  const readBucket = sqlite.prepare<[string], { tokens: number; at: number }>(
    'SELECT tokens, at FROM rate_buckets WHERE bucket = ?',
  );
  const writeBucket = sqlite.prepare<[string, number, number]>(
    'INSERT INTO rate_buckets (bucket, tokens, at) VALUES (?, ?, ?) ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, at = excluded.at',
  );
  const consumeState = sqlite.prepare<[string, number]>(
    'INSERT INTO oauth_states (state_hash, expires_at) VALUES (?, ?) ON CONFLICT (state_hash) DO NOTHING',
  );
  const readLease = sqlite.prepare<
    [string],
    { holder: string | null; expires_at: number | null; done_at: number | null }
  >('SELECT holder, expires_at, done_at FROM leases WHERE name = ?');
  const writeLease = sqlite.prepare<[string, string | null, number | null, number | null]>(
    'INSERT INTO leases (name, holder, expires_at, done_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, done_at = excluded.done_at',
  );
  return {
    take: sqlite.transaction((bucket: string, rule: BucketRule, want: number, now: number): TakeResult => {
      const row = readBucket.get(bucket);
      const elapsed = row ? Math.max(0, now - row.at) : 0;
      const tokens = row
        ? Math.min(rule.capacity, row.tokens + (elapsed / 60_000) * rule.perMinute)
        : rule.capacity;
      const granted = Math.min(want, Math.floor(tokens));
      // A refusal changes nothing (the bucket refills from the stored state alike): no write.
      if (granted === 0)
        return { granted, retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * 60) / rule.perMinute)) };
      writeBucket.run(bucket, tokens - granted, now);
      return { granted, retryAfterSeconds: 0 };
    }),
    consumeState,
    acquire: sqlite.transaction(
      (name: string, holder: string, now: number, ttlMs: number, dueAfterMs: number): boolean => {
        const row = readLease.get(name);
        const heldByOther = row?.holder && row.holder !== holder && (row.expires_at ?? 0) > now;
        if (heldByOther) return false;
        if (row?.done_at != null && now - row.done_at < dueAfterMs && !row.holder) return false;
        writeLease.run(name, holder, now + ttlMs, row?.done_at ?? null);
        return true;
      },
    ),
    renew: sqlite.prepare<[number, string, string]>(
      'UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?',
    ),
    release: sqlite.prepare<[number, string, string]>(
      'UPDATE leases SET holder = NULL, expires_at = NULL, done_at = ? WHERE name = ? AND holder = ?',
    ),
    sweepBuckets: sqlite.prepare<[number]>('DELETE FROM rate_buckets WHERE at < ?'),
    sweepStates: sqlite.prepare<[number]>('DELETE FROM oauth_states WHERE expires_at <= ?'),
  };
});

/**
 * Takes up to `want` tokens from the shared bucket `bucket` (full at `rule.capacity`, refilled at
 * `rule.perMinute`): all of them, as many whole tokens as it holds, or none with the wait for one.
 */
export function takeTokens(orm: Orm, bucket: string, rule: BucketRule, want: number, now: Date): TakeResult {
  return statements(orm).take.immediate(bucket, rule, want, now.getTime());
}

/** Marks an OAuth `state` consumed; false when it was consumed before (by any instance). */
export function consumeOAuthState(orm: Orm, state: string, expiresAt: Date): boolean {
  const hash = createHash('sha256').update(state).digest('hex');
  return statements(orm).consumeState.run(hash, expiresAt.getTime()).changes === 1;
}

/**
 * Takes the lease `name` for `holder` for `ttlMs` when no live holder has it and the work is due (last
 * finished more than `dueAfterMs` ago, or never, or left unfinished by a holder whose lease expired).
 */
export function acquireLease(
  orm: Orm,
  lease: { name: string; holder: string; ttlMs: number; dueAfterMs: number },
  now: Date,
): boolean {
  return statements(orm).acquire.immediate(
    lease.name,
    lease.holder,
    now.getTime(),
    lease.ttlMs,
    lease.dueAfterMs,
  );
}

/** Extends a held lease; false when `holder` no longer holds it (it expired and another took it). */
export function renewLease(orm: Orm, name: string, holder: string, until: Date): boolean {
  return statements(orm).renew.run(until.getTime(), name, holder).changes === 1;
}

/** Gives the lease up, recording the work done at `now`. */
export function releaseLease(orm: Orm, name: string, holder: string, now: Date): void {
  statements(orm).release.run(now.getTime(), name, holder);
}

/** Deletes buckets idle since `idleBefore` (full again by then) and expired OAuth states. */
export function sweepSharedState(
  orm: Orm,
  idleBefore: Date,
  now: Date,
): { rateBuckets: number; oauthStates: number } {
  const s = statements(orm);
  return {
    rateBuckets: s.sweepBuckets.run(idleBefore.getTime()).changes,
    oauthStates: s.sweepStates.run(now.getTime()).changes,
  };
}
