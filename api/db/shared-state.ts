/**
 * What several `serve` processes on one database must agree on, kept in that database: rate-limit token
 * buckets, consumed OAuth states and leases on background work. Each operation is one short IMMEDIATE
 * transaction (SQLite takes the write lock at its start, so the read and the write that follows it cannot
 * interleave with another process's); each engine implements them behind `db.shared` (`SharedState`).
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { BucketRule, DiffrayDb, SharedState, TakeResult } from './connection.js';

/** What the operations below need of a database: its shared state (an engine's `SharedState`). */
export type StateHolder = Pick<DiffrayDb, 'shared'>;

/** The shared state of a SQLite database: the operations on its serving connection. */
export function sqliteSharedState(sqlite: Database.Database): SharedState {
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
  const take = sqlite.transaction(
    (bucket: string, rule: BucketRule, want: number, now: number): TakeResult => {
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
    },
  );
  const acquire = sqlite.transaction(
    (name: string, holder: string, now: number, ttlMs: number, dueAfterMs: number): boolean => {
      const row = readLease.get(name);
      const heldByOther = row?.holder && row.holder !== holder && (row.expires_at ?? 0) > now;
      if (heldByOther) return false;
      if (row?.done_at != null && now - row.done_at < dueAfterMs && !row.holder) return false;
      writeLease.run(name, holder, now + ttlMs, row?.done_at ?? null);
      return true;
    },
  );
  const renew = sqlite.prepare<[number, string, string]>(
    'UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?',
  );
  const release = sqlite.prepare<[number, string, string]>(
    'UPDATE leases SET holder = NULL, expires_at = NULL, done_at = ? WHERE name = ? AND holder = ?',
  );
  const sweepBuckets = sqlite.prepare<[number]>('DELETE FROM rate_buckets WHERE at < ?');
  const sweepStates = sqlite.prepare<[number]>('DELETE FROM oauth_states WHERE expires_at <= ?');
  // Each operation completes synchronously on the serving connection: nothing interleaves with it.
  return {
    takeTokens: async (bucket, rule, want, now) => take.immediate(bucket, rule, want, now),
    consumeState: async (hash, expiresAt) => consumeState.run(hash, expiresAt).changes === 1,
    acquireLease: async (name, holder, now, ttlMs, dueAfterMs) =>
      acquire.immediate(name, holder, now, ttlMs, dueAfterMs),
    renewLease: async (name, holder, until) => renew.run(until, name, holder).changes === 1,
    releaseLease: async (name, holder, now) => {
      release.run(now, name, holder);
    },
    sweep: async (idleBefore, now) => ({
      rateBuckets: sweepBuckets.run(idleBefore).changes,
      oauthStates: sweepStates.run(now).changes,
    }),
  };
}

/**
 * Takes up to `want` tokens from the shared bucket `bucket` (full at `rule.capacity`, refilled at
 * `rule.perMinute`): all of them, as many whole tokens as it holds, or none with the wait for one.
 */
export function takeTokens(
  db: StateHolder,
  bucket: string,
  rule: BucketRule,
  want: number,
  now: Date,
): Promise<TakeResult> {
  return db.shared.takeTokens(bucket, rule, want, now.getTime());
}

/** Marks an OAuth `state` consumed; false when it was consumed before (by any instance). */
export function consumeOAuthState(db: StateHolder, state: string, expiresAt: Date): Promise<boolean> {
  const hash = createHash('sha256').update(state).digest('hex');
  return db.shared.consumeState(hash, expiresAt.getTime());
}

/**
 * Takes the lease `name` for `holder` for `ttlMs` when no live holder has it and the work is due (last
 * finished more than `dueAfterMs` ago, or never, or left unfinished by a holder whose lease expired).
 */
export function acquireLease(
  db: StateHolder,
  lease: { name: string; holder: string; ttlMs: number; dueAfterMs: number },
  now: Date,
): Promise<boolean> {
  return db.shared.acquireLease(lease.name, lease.holder, now.getTime(), lease.ttlMs, lease.dueAfterMs);
}

/** Extends a held lease; false when `holder` no longer holds it (it expired and another took it). */
export function renewLease(db: StateHolder, name: string, holder: string, until: Date): Promise<boolean> {
  return db.shared.renewLease(name, holder, until.getTime());
}

/** Gives the lease up, recording the work done at `now`. */
export function releaseLease(db: StateHolder, name: string, holder: string, now: Date): Promise<void> {
  return db.shared.releaseLease(name, holder, now.getTime());
}

/** Deletes buckets idle since `idleBefore` (full again by then) and expired OAuth states. */
export function sweepSharedState(
  db: StateHolder,
  idleBefore: Date,
  now: Date,
): Promise<{ rateBuckets: number; oauthStates: number }> {
  return db.shared.sweep(idleBefore.getTime(), now.getTime());
}
