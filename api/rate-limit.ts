/**
 * In-memory token buckets (one process serves the API; a restart forgiving everyone is acceptable).
 * The clock is injected so tests can advance time. Memory is bounded: past `maxEntries` the oldest
 * buckets (by insertion) are dropped.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly opts: { capacity: number; perMinute: number; maxEntries?: number },
    private readonly clock: () => Date,
  ) {}

  private refill(key: string): { tokens: number; at: number } {
    const now = this.clock().getTime();
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.opts.capacity, at: now };
    const refilled = ((now - bucket.at) / 60_000) * this.opts.perMinute;
    return { tokens: Math.min(this.opts.capacity, bucket.tokens + Math.max(0, refilled)), at: now };
  }

  /** Seconds until one token is available (0 when one is now). */
  retryAfter(key: string): number {
    const { tokens } = this.refill(key);
    if (tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - tokens) * 60) / this.opts.perMinute));
  }

  /** Takes a token; returns 0 on success, else the seconds to wait. */
  take(key: string): number {
    const bucket = this.refill(key);
    if (bucket.tokens < 1) {
      this.store(key, bucket);
      return this.retryAfter(key);
    }
    bucket.tokens -= 1;
    this.store(key, bucket);
    return 0;
  }

  private store(key: string, bucket: { tokens: number; at: number }): void {
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    const max = this.opts.maxEntries ?? 50_000;
    while (this.buckets.size > max) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}
