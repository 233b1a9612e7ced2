/**
 * Rate limits shared by every instance on the database: token buckets stored in it (`takeTokens`,
 * `db/shared-state.ts`), so two `serve` processes count one key's requests, or one address's failed
 * authentications, together. To keep the hot path from writing to the database on every request, an
 * instance takes a few tokens at a time (`lease`, 1 for small limits: then the count is exact) and spends
 * them locally for up to `LEASE_MS`; tokens it took and did not spend in that time are lost, so the limit
 * is at most `lease` tokens per instance stricter than configured, never looser. A refusal is remembered
 * locally until the bucket would hold a token again, so a flood of refused requests (a key over its limit,
 * an address guessing keys) costs the database nothing.
 * The clock is injected so tests can advance time. Memory is bounded: past `maxEntries` the oldest local
 * leases (by insertion) are dropped (their tokens with them).
 */
import { createHash } from 'node:crypto';
import { takeTokens, type DiffrayDb } from './db/index.js';

/** How long an instance may spend tokens it took from the shared bucket. */
const LEASE_MS = 10_000;

export class SharedTokenBuckets {
  /** Tokens taken and not yet spent, or (tokens 0) a refusal remembered until the bucket holds one again. */
  private readonly leases = new Map<string, { tokens: number; until: number }>();
  private readonly lease: number;

  constructor(
    private readonly db: DiffrayDb,
    /** Prefix of the buckets' names in the database (`key`, `fail`, ...). */
    private readonly kind: string,
    private readonly opts: { capacity: number; perMinute: number; maxEntries?: number },
    private readonly clock: () => Date,
  ) {
    this.lease = Math.max(1, Math.floor(opts.capacity / 50));
  }

  /** Takes a token; returns 0 on success, else the seconds to wait. */
  async take(key: string): Promise<number> {
    const now = this.clock();
    const held = this.leases.get(key);
    if (held && held.until > now.getTime()) {
      // A refusal stands until the bucket refills: a flood of refused requests never reaches the database.
      if (held.tokens < 1) return Math.max(1, Math.ceil((held.until - now.getTime()) / 1000));
      held.tokens -= 1;
      // The last token spent: the next request asks the database (a zero entry would read as a refusal).
      if (held.tokens < 1) this.leases.delete(key);
      return 0;
    }
    const result = await takeTokens(this.db, `${this.kind}:${key}`, this.opts, this.lease, now);
    if (result.granted === 0) {
      this.store(key, { tokens: 0, until: now.getTime() + result.retryAfterSeconds * 1000 });
      return result.retryAfterSeconds;
    }
    if (result.granted > 1) this.store(key, { tokens: result.granted - 1, until: now.getTime() + LEASE_MS });
    else this.leases.delete(key);
    return 0;
  }

  private store(key: string, lease: { tokens: number; until: number }): void {
    this.leases.delete(key);
    this.leases.set(key, lease);
    const max = this.opts.maxEntries ?? 50_000;
    while (this.leases.size > max) {
      const oldest = this.leases.keys().next().value;
      if (oldest === undefined) break;
      this.leases.delete(oldest);
    }
  }
}

/** A client address as a bucket name: hashed, so the table holds no address. */
export function addressBucket(address: string): string {
  return createHash('sha256').update(address).digest('base64url').slice(0, 22);
}
