/**
 * Two `serve` processes on one SQLite file (a legitimate single-host deployment, and the closest proof of
 * scale-out without PostgreSQL): what they share is in the database, so a limit counts across both, a key
 * revoked through one is refused by the other, a webhook redelivered to the second is a no-op, the purge
 * started by both deletes once, and an instance killed during a burst of ingests leaves whole reviews only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { acquireLease, openDatabase, releaseLease, renewLease } from '../../api/db/index.js';
import { SharedTokenBuckets } from '../../api/rate-limit.js';
import { openTestDatabase, seedAccount, T0 } from './helpers.js';
import { startServe, type ServeProcess } from './serve-process.js';
import {
  halfWrittenReviews,
  seedExpiredReviews,
  seedProofKeys,
  sharedStateProofs,
  type TwoInstances,
  OLD_REVIEWS,
  PER_MINUTE,
  WEBHOOK_SECRET,
} from './two-instances.js';

let dir: string;
let dbPath: string;
let a: ServeProcess;
let b: ServeProcess;
let keys: TwoInstances['keys'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'diffray-instances-'));
  dbPath = join(dir, 'diffray.db');
  const dataKey = randomBytes(32);
  // Seeded in this process: keys, and reviews written on 2025-03-01, long expired by now.
  const db = openDatabase(dbPath, { dataKeys: [dataKey] });
  const account = await seedAccount(db);
  keys = { admin: account.key, ...(await seedProofKeys(db, account.accountId)) };
  await seedExpiredReviews(db, account.key);
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

  sharedStateProofs(() => ({
    a,
    b,
    keys,
    storedReviews: async (ids) => {
      const sqlite = new Database(dbPath, { readonly: true });
      try {
        const stored = sqlite.prepare('SELECT id FROM reviews').pluck().all() as string[];
        return ids.filter((id) => stored.includes(id));
      } finally {
        sqlite.close();
      }
    },
    halfWritten: async () => {
      const sqlite = new Database(dbPath, { readonly: true });
      try {
        return await halfWrittenReviews(
          async (sql) => sqlite.prepare(sql).all() as Record<string, unknown>[],
        );
      } finally {
        sqlite.close();
      }
    },
  }));
});
