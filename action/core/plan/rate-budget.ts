/**
 * How many model requests may start now, decided from what the provider's answers say about the account's
 * rate limits. Pure: the state and the clock's value go in, a new state or a decision comes out; the step
 * that sends the requests (action/steps/model-lanes.ts) does the waiting.
 *
 * Anthropic's limits are token buckets per model: requests, input tokens and output tokens a minute, each
 * replenished continuously up to its limit. Every answer states each bucket (limit, what remains, when it is
 * full again), and a 429 says how long to wait (`retry-after`). Cache reads do not count against the input
 * limit; output is reserved at `max_tokens` when a request starts and the unused part given back when it
 * ends. A bucket is read from the latest answer that states it, replenished at the rate that answer implies
 * (what is missing, spread until its reset), minus the requests in flight that answer could not have counted
 * yet (those sent after it, and those it refused). Requests start in order while every bucket covers them;
 * otherwise the decision is how long until it will. Resets are the provider's clock read against the run's:
 * a runner clock ahead of it makes buckets look full sooner, and the 429 that may follow says, as a duration,
 * how long to wait.
 *
 * Without those headers (another endpoint, a proxy that drops them) the run keeps `defaultLanes` requests in
 * flight: nobody stated a limit to follow.
 */

/** One limit as an answer states it. */
export interface RateBucket {
  /** Its size: what a full bucket holds (the per-minute limit). */
  limit: number;
  remaining: number;
  /** When it is full again (ms since the epoch). */
  resetAt: number;
}

/** What one HTTP answer said of the account's limits for the model it came from. */
export interface RateLimitSnapshot {
  requests?: RateBucket;
  inputTokens?: RateBucket;
  outputTokens?: RateBucket;
  /** The most restrictive token limit in effect; counted only when the input and output ones are absent. */
  tokens?: RateBucket;
  /** A 429's `retry-after`: no new request until then. */
  retryAfterMs?: number;
  /** Whether the provider took the request (2xx); a refused one (429, 529, other errors) consumed nothing. */
  admitted: boolean;
}

/** What one request takes from the buckets besides the request itself. */
export interface RequestCost {
  /** Input tokens that count against the limit: the uncached prompt and any cache write. */
  input: number;
  /** The request's `max_tokens`, which the provider reserves until the answer ends. */
  output: number;
}

/**
 * The most requests in flight to one model, however large the budget: a PR of 32 full requests already
 * asks for ~1.9M input tokens at once, beyond every published tier's minute, and answers that claim more
 * (a misbehaving proxy) must not open sockets without bound.
 */
export const MAX_LANES = 32;
/** Anthropic's limits are per minute: the replenishment rate when no answer has shown it yet. */
const MINUTE_MS = 60_000;
/**
 * An answer shows a replenishment rate only when it is missing a good part of the bucket: remaining counts
 * are rounded (to the thousand for tokens) and resets to the second, which a nearly full bucket's short
 * reset would turn into a rate off by a large factor.
 */
const MIN_DEFICIT_SHARE = 0.1;

const BUCKETS = ['requests', 'inputTokens', 'outputTokens', 'tokens'] as const;
type BucketName = (typeof BUCKETS)[number];
/**
 * Anthropic rounds the remaining tokens to the nearest thousand: a bucket may hold up to this many fewer
 * than stated, and a request sized to the stated figure would be refused.
 */
const ROUNDING: Record<BucketName, number> = {
  requests: 0,
  inputTokens: 500,
  outputTokens: 500,
  tokens: 500,
};

/** A bucket as last read, from the answer to attempt `seq`, with its replenishment rate (per ms). */
interface Reading {
  bucket: RateBucket;
  seq: number;
  seenAt: number;
  ratePerMs: number;
}

interface Tracked {
  cost: RequestCost;
  startedAt: number;
  /** The sequence number of its latest attempt sent (the SDK retries), once one went out. */
  attempt?: number;
  /**
   * Its latest attempt was refused, so the provider has not charged it: when its retry goes (the refusal's
   * retry-after, which the SDK waits out).
   */
  retryAt?: number;
}

export interface RateBudget {
  readonly defaultLanes: number;
  /** Attempts sent so far: each attempt's sequence number orders it against the answers. */
  readonly sent: number;
  readonly readings: Readonly<Partial<Record<BucketName, Reading>>>;
  /** No request starts before this (a 429's retry-after). */
  readonly pausedUntil: number;
  readonly inFlight: ReadonlyMap<number, Tracked>;
}

export interface StartDecision {
  /** How many of the waiting requests, in order, may start now. */
  start: number;
  /**
   * When not all of them may: how long until the budget covers the next one. Absent when only a request
   * finishing (or an answer) can change that.
   */
  waitMs?: number;
}

export function createRateBudget(defaultLanes: number): RateBudget {
  return { defaultLanes, sent: 0, readings: {}, pausedUntil: 0, inFlight: new Map() };
}

export function requestStarted(budget: RateBudget, id: number, cost: RequestCost, now: number): RateBudget {
  return { ...budget, inFlight: new Map(budget.inFlight).set(id, { cost, startedAt: now }) };
}

/** An HTTP attempt of request `id` went out (its first, or a retry). */
export function attemptSent(budget: RateBudget, id: number): RateBudget {
  const sent = budget.sent + 1;
  const tracked = budget.inFlight.get(id);
  if (!tracked) return { ...budget, sent };
  const { cost, startedAt } = tracked;
  return { ...budget, sent, inFlight: new Map(budget.inFlight).set(id, { cost, startedAt, attempt: sent }) };
}

/**
 * The answer to request `id`'s latest attempt, with what its headers said. Each bucket it states replaces an
 * older reading; an answer to an earlier attempt, arriving late, does not replace a newer one.
 */
export function attemptAnswered(
  budget: RateBudget,
  id: number,
  snapshot: RateLimitSnapshot,
  now: number,
): RateBudget {
  const tracked = budget.inFlight.get(id);
  const seq = tracked?.attempt ?? budget.sent;
  const readings = { ...budget.readings };
  for (const name of BUCKETS) {
    const stated = snapshot[name];
    const last = readings[name];
    if (stated === undefined || (last !== undefined && last.seq > seq)) continue;
    // A reset at or before now means full now, whatever `remaining` said a moment earlier.
    const bucket = stated.resetAt <= now ? { ...stated, remaining: stated.limit } : stated;
    readings[name] = { bucket, seq, seenAt: now, ratePerMs: replenishRate(bucket, now, last) };
  }
  const inFlight =
    tracked && !snapshot.admitted
      ? new Map(budget.inFlight).set(id, { ...tracked, retryAt: now + (snapshot.retryAfterMs ?? 0) })
      : budget.inFlight;
  const pausedUntil =
    snapshot.retryAfterMs === undefined
      ? budget.pausedUntil
      : Math.max(budget.pausedUntil, now + snapshot.retryAfterMs);
  return { ...budget, readings, inFlight, pausedUntil };
}

export function requestFinished(budget: RateBudget, id: number): RateBudget {
  const inFlight = new Map(budget.inFlight);
  inFlight.delete(id);
  return { ...budget, inFlight };
}

/** How many of `waiting` (their costs, in the order they are to start) may start at `now`. */
export function decideStarts(
  budget: RateBudget,
  waiting: readonly RequestCost[],
  now: number,
): StartDecision {
  if (waiting.length === 0) return { start: 0 };
  if (budget.pausedUntil > now) return { start: 0, waitMs: budget.pausedUntil - now };
  const lanes = knowsTheLimits(budget) ? MAX_LANES : budget.defaultLanes;
  const free = Math.min(lanes - budget.inFlight.size, waiting.length);
  const buckets = countedBuckets(budget).map(([name, reading]) => ({
    name,
    reading,
    available: level(budget, name, reading, now) - ROUNDING[name],
  }));
  for (let start = 0; start < free; start++) {
    const cost = waiting[start]!;
    let waitMs = 0;
    for (const b of buckets) {
      // A request larger than the whole bucket waits for a full one, then goes: the provider decides.
      const need = Math.min(charge(b.name, cost), b.reading.bucket.limit - ROUNDING[b.name]);
      // The epsilon absorbs floating-point dust: woken when the budget covers it, a request must not wait 1 ms more.
      const short = need - b.available;
      if (short > 1e-6) waitMs = Math.max(waitMs, Math.ceil(short / b.reading.ratePerMs));
    }
    if (waitMs > 0) return { start, waitMs };
    for (const b of buckets) b.available -= charge(b.name, cost);
  }
  return { start: Math.max(0, free) };
}

/** The buckets the run has read so far, with their values (for the log). */
export function knownLimits(budget: RateBudget): Partial<Record<BucketName, RateBucket>> {
  return Object.fromEntries(countedBuckets(budget).map(([name, r]) => [name, r.bucket]));
}

/**
 * Whether the answers stated enough to go beyond the default lanes: the request limit and the token limits
 * (input and output, or the combined one). Partial headers only narrow.
 */
export function knowsTheLimits(budget: RateBudget): boolean {
  const r = budget.readings;
  return (
    r.requests !== undefined &&
    ((r.inputTokens !== undefined && r.outputTokens !== undefined) || r.tokens !== undefined)
  );
}

/** The combined token bucket stands in only for the input and output ones: counted with them it would count twice. */
function countedBuckets(budget: RateBudget): [BucketName, Reading][] {
  const r = budget.readings;
  const split = r.inputTokens !== undefined || r.outputTokens !== undefined;
  return BUCKETS.filter((name) => name !== 'tokens' || !split).flatMap((name) => {
    const reading = r[name];
    return reading ? [[name, reading] as [BucketName, Reading]] : [];
  });
}

function charge(name: BucketName, cost: RequestCost): number {
  switch (name) {
    case 'requests':
      return 1;
    case 'inputTokens':
      return cost.input;
    case 'outputTokens':
      return cost.output;
    case 'tokens':
      return cost.input + cost.output;
  }
}

/**
 * What the bucket holds now: what the reading said remained, replenished since, less what the requests in
 * flight take that it did not count (those whose attempt went out after the one it answered, or none yet,
 * and those the provider refused, whose retry will be charged). Each is taken when it started (a refused one
 * when its retry goes), and the bucket never holds more than its limit in between, so a charge made while it
 * was full costs the full amount. A request sent before the answered attempt counts as counted even if its
 * own answer is still to come: the provider saw it first.
 */
function level(budget: RateBudget, name: BucketName, reading: Reading, now: number): number {
  const { limit, remaining } = reading.bucket;
  const charges = [...budget.inFlight.values()]
    .filter((t) => t.attempt === undefined || t.attempt > reading.seq || t.retryAt !== undefined)
    .map((t) => ({
      at: Math.min(now, Math.max(reading.seenAt, t.retryAt ?? t.startedAt)),
      amount: charge(name, t.cost),
    }))
    .sort((a, b) => a.at - b.at);
  let held = remaining;
  let at = reading.seenAt;
  for (const c of charges) {
    held = Math.min(limit, held + reading.ratePerMs * (c.at - at)) - c.amount;
    at = c.at;
  }
  return Math.min(limit, held + reading.ratePerMs * (now - at));
}

/**
 * Tokens (or requests) per ms: what the bucket misses spread until its reset, when it misses enough for that
 * to be read reliably; otherwise what an earlier answer showed, or the limit per minute.
 */
function replenishRate(bucket: RateBucket, now: number, last: Reading | undefined): number {
  const missing = bucket.limit - bucket.remaining;
  if (missing >= bucket.limit * MIN_DEFICIT_SHARE && bucket.resetAt > now)
    return missing / (bucket.resetAt - now);
  return last?.ratePerMs ?? bucket.limit / MINUTE_MS;
}
