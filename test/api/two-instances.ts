/**
 * The proofs of scale-out that read the same on either engine (#13 §4): two `serve` processes on one
 * database, the client alternating between them. `instances.test.ts` (SQLite) and
 * `instances-postgres.test.ts` (PostgreSQL) start the processes and say how to look into their database.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { SCOPES, type DiffrayDb } from '../../api/db/index.js';
import { signPayload } from '../../api/github-webhook.js';
import { makeFinding, makeReport, seedKey, T0, testConfig } from './helpers.js';
import type { ServeProcess } from './serve-process.js';

/** What both suites configure: the webhook's secret, `RATE_LIMIT_PER_MINUTE`, and how much they seed. */
export const WEBHOOK_SECRET = "It's a Secret to Everybody";
export const PER_MINUTE = 6;
export const OLD_REVIEWS = 5;
export const BURST_KEYS = 5;

export interface Answer {
  status: number;
  requestId: string | null;
  json: Record<string, unknown>;
}

/** One request to a served process; a request that hangs fails here instead of at the test's timeout. */
export async function call(
  server: ServeProcess,
  method: string,
  path: string,
  key?: string,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    json: (await res.json().catch(() => undefined)) as Record<string, unknown>,
  };
}

/** A report of `count` findings, each on its own line with its own fingerprint. */
export const burstReport = (repository: string, count: number) =>
  makeReport({
    repository,
    findings: Array.from({ length: count }, (_, i) =>
      makeFinding({ line: i + 1, fingerprint: `f${i}`.padEnd(16, '0') }),
    ),
  });

/**
 * The reviews that are not whole, on either engine: whose findings are not exactly their severity counts,
 * all inside the review's row range, or whose texts are missing. `query` runs SQL on the database.
 */
export async function halfWrittenReviews(
  query: (sql: string) => Promise<Record<string, unknown>[]>,
): Promise<Record<string, unknown>[]> {
  const rows = await query(`
    SELECT r.id, r.critical + r.high + r.medium + r.low AS counted, r.findings_first AS first,
           r.findings_last AS last,
           (SELECT count(*) FROM findings f WHERE f.review_id = r.id) AS stored,
           (SELECT count(*) FROM findings f WHERE f.review_id = r.id
              AND f.row_id BETWEEN r.findings_first AND r.findings_last) AS in_range,
           EXISTS (SELECT 1 FROM finding_texts t WHERE t.review_id = r.id) AS texts
    FROM reviews r`);
  return rows.filter((r) => {
    const counted = Number(r.counted);
    const range = counted === 0 ? 0 : Number(r.last) - Number(r.first) + 1;
    return (
      Number(r.stored) !== counted ||
      Number(r.in_range) !== counted ||
      range !== counted ||
      Boolean(Number(r.texts)) !== counted > 0
    );
  });
}

export interface TwoInstances {
  a: ServeProcess;
  b: ServeProcess;
  keys: {
    admin: string;
    /** reviews:read, revoked by a test. */
    victim: string;
    victimId: string;
    /** reviews:read, spent by the rate-limit test. */
    limited: string;
    /** Every scope, for the webhook's reviews. */
    webhook: string;
    /** Every scope, `PER_MINUTE` ingests each in the burst during which `b` is killed. */
    burst: string[];
  };
  /** Which of `ids` are stored reviews. */
  storedReviews(ids: string[]): Promise<string[]>;
  /** `halfWrittenReviews` on the database. */
  halfWritten(): Promise<unknown[]>;
}

/** Seeds the keys of `TwoInstances` but the admin's in `accountId`. */
export async function seedProofKeys(
  db: DiffrayDb,
  accountId: string,
): Promise<Omit<TwoInstances['keys'], 'admin'>> {
  const victim = await seedKey(db, accountId, ['reviews:read']);
  const limited = (await seedKey(db, accountId, ['reviews:read'])).key;
  const webhook = (await seedKey(db, accountId, [...SCOPES])).key;
  const keys: string[] = [];
  for (let i = 0; i < BURST_KEYS; i++) keys.push((await seedKey(db, accountId, [...SCOPES])).key);
  return { victim: victim.key, victimId: victim.id, limited, webhook, burst: keys };
}

/** Writes `OLD_REVIEWS` reviews with `key` on 2025-03-01 (`T0`), long expired now: the purge's work. */
export async function seedExpiredReviews(db: DiffrayDb, key: string): Promise<void> {
  const app = createApp({ db, clock: () => T0, config: testConfig(), log: () => {} });
  for (let i = 0; i < OLD_REVIEWS; i++) {
    const res = await app.request('/v1/reviews', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(makeReport({ repository: 'octo/old', pullRequest: i + 1 })),
    });
    expect(res.status).toBe(201);
  }
}

/**
 * Registers the shared-state proofs in the enclosing `describe`, in this order (the last kills `b`):
 * a rate limit counted across both, a key revoked through one refused by the other, a webhook redelivered
 * to the second a no-op, and an instance killed during a burst of ingests leaving whole reviews only.
 */
export function sharedStateProofs(get: () => TwoInstances): void {
  it('counts a rate limit across both', async () => {
    const { a, b, keys } = get();
    const statuses: number[] = [];
    for (let i = 0; i <= PER_MINUTE; i++) {
      const server = i % 2 === 0 ? a : b;
      statuses.push((await call(server, 'GET', '/v1/reviews?repository=octo/hello', keys.limited)).status);
    }
    expect(statuses).toEqual([...Array<number>(PER_MINUTE).fill(200), 429]);
  });

  it('refuses, on the other, a key revoked through one', async () => {
    const { a, b, keys } = get();
    expect((await call(b, 'GET', '/v1/reviews?repository=octo/hello', keys.victim)).status).toBe(200);
    expect((await call(a, 'DELETE', `/v1/keys/${keys.victimId}`, keys.admin)).status).toBe(204);
    expect((await call(b, 'GET', '/v1/reviews?repository=octo/hello', keys.victim)).status).toBe(401);
  });

  it('treats a webhook redelivered to the second as a no-op', async () => {
    const { a, b, keys } = get();
    const body = JSON.stringify({ action: 'deleted', repository: { full_name: 'octo/doomed' } });
    const deliver = (server: ServeProcess, delivery: string) =>
      fetch(`${server.url}/v1/github/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'repository',
          'x-github-delivery': delivery,
          'x-hub-signature-256': signPayload(WEBHOOK_SECRET, body),
        },
        body,
      }).then((r) => r.json());
    const doomed = makeReport({ repository: 'octo/doomed' });
    const delivery = randomUUID();
    expect((await call(a, 'POST', '/v1/reviews', keys.webhook, doomed)).status).toBe(201);
    expect(await deliver(a, delivery)).toEqual({ status: 'processed', deletedFrom: 1, movedIn: 0 });
    // Written again after the first delivery: processing it a second time would delete this one.
    const again = await call(b, 'POST', '/v1/reviews', keys.webhook, doomed);
    expect(again.status).toBe(201);
    expect(await deliver(b, delivery)).toEqual({ status: 'duplicate' });
    expect((await call(a, 'GET', `/v1/reviews/${again.json.id as string}`, keys.webhook)).status).toBe(200);
  });

  it('leaves whole reviews only when an instance is killed during a burst of ingests', async () => {
    const { a, b, keys } = get();
    const report = burstReport('octo/burst', 50);
    const answered: { status: number; id?: string }[] = [];
    const burst = keys.burst.flatMap((key) =>
      Array.from({ length: PER_MINUTE }, () =>
        call(b, 'POST', '/v1/reviews', key, report).then(
          (r) => answered.push({ status: r.status, id: r.json.id as string }),
          () => answered.push({ status: 0 }),
        ),
      ),
    );
    // Killed once the first reviews are committed, with the rest in flight.
    while (answered.length < 3) await new Promise((r) => setTimeout(r, 5));
    b.child.kill('SIGKILL');
    await Promise.all(burst);
    expect(answered.filter((r) => r.status !== 201 && r.status !== 0)).toEqual([]);
    // Every review answered 201 is stored; every review stored is whole.
    const created = answered.filter((r) => r.status === 201).map((r) => r.id!);
    expect((await get().storedReviews(created)).sort()).toEqual([...created].sort());
    expect(await get().halfWritten()).toEqual([]);
    // The survivor still serves.
    expect((await call(a, 'GET', '/readyz')).status).toBe(200);
  });
}
