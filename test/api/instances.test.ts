/**
 * Two `serve` processes on one SQLite file (a legitimate single-host deployment, and the closest proof of
 * scale-out without PostgreSQL): what they share is in the database, so a limit counts across both, a key
 * revoked through one is refused by the other, a webhook redelivered to the second is a no-op, the purge
 * started by both deletes once, and an instance killed during a burst of ingests leaves whole reviews only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.js';
import { acquireLease, openDatabase, releaseLease, renewLease, SCOPES } from '../../api/db/index.js';
import { signPayload } from '../../api/github-webhook.js';
import { SharedTokenBuckets } from '../../api/rate-limit.js';
import {
  makeFinding,
  makeReport,
  openTestDatabase,
  seedAccount,
  seedKey,
  T0,
  testConfig,
} from './helpers.js';
import { startServe, type ServeProcess } from './serve-process.js';

const WEBHOOK_SECRET = "It's a Secret to Everybody";
const PER_MINUTE = 6;
const OLD_REVIEWS = 5;
const BURST_KEYS = 5;

let dir: string;
let dbPath: string;
let a: ServeProcess;
let b: ServeProcess;
const keys: { admin: string; victim: string; victimId: string; limited: string; burst: string[] } = {
  admin: '',
  victim: '',
  victimId: '',
  limited: '',
  burst: [],
};

const call = async (server: ServeProcess, method: string, path: string, key?: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as Record<string, unknown> };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diffray-instances-'));
  dbPath = join(dir, 'diffray.db');
  const dataKey = randomBytes(32);
  // Seeded in this process: keys, and reviews written on 2025-03-01, long expired by now.
  const db = openDatabase(dbPath, { dataKeys: [dataKey] });
  const account = await seedAccount(db);
  keys.admin = account.key;
  const victim = await seedKey(db, account.accountId, ['reviews:read']);
  keys.victim = victim.key;
  keys.victimId = victim.id;
  keys.limited = (await seedKey(db, account.accountId, ['reviews:read'])).key;
  keys.burst = [];
  for (let i = 0; i < BURST_KEYS; i++)
    keys.burst.push((await seedKey(db, account.accountId, [...SCOPES])).key);
  const old = createApp({ db, clock: () => T0, config: testConfig(), log: () => {} });
  for (let i = 0; i < OLD_REVIEWS; i++) {
    const res = await old.request('/v1/reviews', {
      method: 'POST',
      headers: { authorization: `Bearer ${account.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(makeReport({ repository: 'octo/old', pullRequest: i + 1 })),
    });
    expect(res.status).toBe(201);
  }
  await db.close();
  const env = {
    DATABASE_PATH: dbPath,
    DATA_ENCRYPTION_KEY: dataKey.toString('base64'),
    SESSION_SECRET: randomBytes(48).toString('base64'),
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
  };
  // Started together: they migrate once and race for the purge lease.
  [a, b] = await Promise.all([startServe(env), startServe(env)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const purgeLines = (server: ServeProcess) =>
  server
    .output()
    .split('\n')
    .filter((l) => l.includes('"msg":"purge"'))
    .map((l) => JSON.parse(l) as { reviews: number; findings: number });

describe('two serve processes on one database', () => {
  it('purge started by both deletes once', async () => {
    // Each purges once listening, when it takes the lease; the other finds it held or the purge done.
    const lines = await vi.waitFor(() => {
      const logged = [...purgeLines(a), ...purgeLines(b)];
      if (logged.length === 0) throw new Error('no purge logged yet');
      return logged;
    });
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatchObject({ reviews: OLD_REVIEWS, findings: OLD_REVIEWS });
    const sqlite = new Database(dbPath, { readonly: true });
    expect(sqlite.prepare('SELECT count(*) AS n FROM reviews').get()).toEqual({ n: 0 });
    expect(
      sqlite.prepare("SELECT holder, done_at IS NOT NULL AS done FROM leases WHERE name = 'purge'").get(),
    ).toEqual({
      holder: null,
      done: 1,
    });
    sqlite.close();
  });

  it('counts a rate limit across both', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= PER_MINUTE; i++) {
      statuses.push(
        (await call(i % 2 === 0 ? a : b, 'GET', '/v1/reviews?repository=octo/hello', keys.limited)).status,
      );
    }
    expect(statuses).toEqual([...Array<number>(PER_MINUTE).fill(200), 429]);
  });

  it('refuses, on the other, a key revoked through one', async () => {
    expect((await call(b, 'GET', '/v1/reviews?repository=octo/hello', keys.victim)).status).toBe(200);
    expect((await call(a, 'DELETE', `/v1/keys/${keys.victimId}`, keys.admin)).status).toBe(204);
    expect((await call(b, 'GET', '/v1/reviews?repository=octo/hello', keys.victim)).status).toBe(401);
  });

  it('treats a webhook redelivered to the second as a no-op', async () => {
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
    const delivery = randomUUID();
    const review = await call(
      a,
      'POST',
      '/v1/reviews',
      keys.admin,
      makeReport({ repository: 'octo/doomed' }),
    );
    expect(review.status).toBe(201);
    expect(await deliver(a, delivery)).toEqual({ status: 'processed', deletedFrom: 1, movedIn: 0 });
    expect(await deliver(b, delivery)).toEqual({ status: 'duplicate' });
  });

  it('keeps the purge lease from a live holder and gives it over once the holder has died', async () => {
    const db = openTestDatabase(join(dir, 'lease.db'));
    try {
      const lease = (holder: string) => ({ name: 'purge', holder, ttlMs: 60_000, dueAfterMs: 3_600_000 });
      expect(await acquireLease(db, lease('one'), T0)).toBe(true);
      // Live: the other waits. One dies mid-purge (never releases): past its lease, the other resumes.
      expect(await acquireLease(db, lease('two'), new Date(T0.getTime() + 59_000))).toBe(false);
      expect(await acquireLease(db, lease('two'), new Date(T0.getTime() + 61_000))).toBe(true);
      expect(await renewLease(db, 'purge', 'one', new Date(T0.getTime() + 120_000))).toBe(false);
      await releaseLease(db, 'purge', 'two', new Date(T0.getTime() + 62_000));
      // Done: nobody purges again before it is due.
      expect(await acquireLease(db, lease('one'), new Date(T0.getTime() + 600_000))).toBe(false);
      expect(await acquireLease(db, lease('one'), new Date(T0.getTime() + 3_700_000))).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('counts a large limit across instances in shares, never looser than configured', async () => {
    const db = openTestDatabase(join(dir, 'buckets.db'));
    try {
      const rule = { capacity: 600, perMinute: 600 };
      const [one, two] = [0, 1].map(() => new SharedTokenBuckets(db, 'key', rule, () => T0));
      let granted = 0;
      for (let i = 0; i < 700; i++) if ((await (i % 2 === 0 ? one! : two!).take('k')) === 0) granted += 1;
      // Each instance takes 12 tokens at a time: exactly the capacity, between the two.
      expect(granted).toBe(600);
      // Refused now, and the refusal is remembered without asking the database again.
      expect(await one!.take('k')).toBeGreaterThan(0);
      expect(
        db.sqlite.prepare("SELECT count(*) AS n FROM rate_buckets WHERE bucket = 'key:k'").get(),
      ).toEqual({ n: 1 });
    } finally {
      await db.close();
    }
  });

  it('leaves whole reviews only when an instance is killed during a burst of ingests', async () => {
    const report = makeReport({
      repository: 'octo/burst',
      findings: Array.from({ length: 50 }, (_, i) =>
        makeFinding({ line: i + 1, fingerprint: `f${i}`.padEnd(16, '0') }),
      ),
    });
    const answered: number[] = [];
    const burst = keys.burst.flatMap((key) =>
      Array.from({ length: PER_MINUTE }, () =>
        call(b, 'POST', '/v1/reviews', key, report).then(
          (r) => answered.push(r.status),
          () => answered.push(0),
        ),
      ),
    );
    // Killed once the first reviews are committed, with the rest in flight.
    while (answered.length < 3) await new Promise((r) => setTimeout(r, 5));
    b.child.kill('SIGKILL');
    await Promise.all(burst);
    const created = answered.filter((s) => s === 201).length;
    expect(answered.filter((s) => s !== 201 && s !== 0)).toEqual([]);
    const sqlite = new Database(dbPath, { readonly: true });
    const reviews = sqlite
      .prepare('SELECT r.id, (SELECT count(*) FROM findings f WHERE f.review_id = r.id) AS n FROM reviews r')
      .all() as { id: string; n: number }[];
    sqlite.close();
    // Every review answered 201 is there; every review there has all its findings (none half-written).
    expect(reviews.length).toBeGreaterThanOrEqual(created);
    expect(reviews.filter((r) => r.n !== 50)).toEqual([]);
    // The survivor still serves.
    expect((await call(a, 'GET', '/readyz')).status).toBe(200);
  });
});
