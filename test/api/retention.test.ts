/**
 * Retention on both engines: the same data purged by the same cutoffs gives the same counts and leaves the
 * same rows. SQLite's erasure of the WAL, PostgreSQL's purge beside concurrent ingests and the CLI on
 * PostgreSQL are proved in their engine's block.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  accountUsageOf,
  addMember,
  createAccount,
  createSession,
  insertAnswer,
  insertDismissal,
  lockAccount,
  openPgDatabase,
  purge,
  recordAudit,
  recordDelivery,
  type DiffrayDb,
  type PurgeResult,
  type SqliteDb,
} from '../../api/db/index.js';
import { purgeCutoffs, reviewExpiresAt } from '../../api/retention.js';
import { DAY_MS, type DismissalReport, type ReportedFinding } from '../../shared/index.js';
import { ENGINES, useFreshDatabases } from '../support/engines.js';
import { SKIP_POSTGRES } from '../support/postgres.js';
import {
  ANSWER,
  countOf,
  makeFinding,
  rowsOf,
  seedReview as review,
  T0,
  TEST_DATA_KEYS,
  TEST_POOL,
} from './helpers.js';
import { BIN } from './serve-process.js';

const at = (ms: number) => new Date(T0.getTime() + ms);
/** The purge of the scenarios: a second after the reviews written at T0 expired. */
const NOW = at(30 * DAY_MS + 1_000);

const findingsOf = (tag: string, n: number): ReportedFinding[] =>
  Array.from({ length: n }, (_, i) =>
    makeFinding({ line: i + 1, title: `<${tag}> ${i}`, body: `finding ${i} ${'x'.repeat(200)}` }),
  );

const DISMISSAL: DismissalReport = {
  repository: 'octo/hello',
  pullRequest: 7,
  fingerprint: 'a'.repeat(16),
  category: 'correctness',
  title: 'Null dereference',
  pathPattern: 'src/**',
  reason: 'checked above',
};

/**
 * Something of every kind the purge deletes, half of it due at NOW: expired and live reviews of several
 * sizes, an account past its grace period (members, one of whom belongs to another account too, a session,
 * a dismissal, an answer), dismissals, answers, audit entries, deliveries, sessions, rate buckets and OAuth
 * states. Returns the account that stays.
 */
async function seedEverything(db: DiffrayDb): Promise<string> {
  const stays = (await createAccount(db, 'stays', T0)).id;
  const leaver = (await createAccount(db, 'leaver', T0)).id;
  for (const [r, n] of [0, 1, 7, 500, 33, 0, 120].entries()) {
    await review(db, stays, findingsOf(`e${r}`, n), T0, `octo/r${r % 3}`);
    await review(db, stays, findingsOf(`l${r}`, n), at(DAY_MS), `octo/r${r % 3}`);
  }
  for (let r = 0; r < 4; r += 1) await review(db, leaver, findingsOf(`gone${r}`, 40), at(20 * DAY_MS));
  await addMember(db, { accountId: leaver, login: 'only-there', role: 'admin', now: T0 });
  await addMember(db, { accountId: leaver, login: 'in-both', role: 'member', now: T0 });
  await addMember(db, { accountId: stays, login: 'in-both', role: 'member', now: T0 });
  await createSession(db, { accountId: leaver, now: T0, expiresAt: at(60 * DAY_MS) });
  for (const [accountId, createdAt] of [
    [stays, T0],
    [stays, at(DAY_MS)],
    [leaver, at(20 * DAY_MS)],
  ] as const) {
    const written = { accountId, now: createdAt, expiresAt: reviewExpiresAt(createdAt) };
    await insertDismissal(db, { ...written, report: DISMISSAL });
    await insertAnswer(db, { ...written, report: ANSWER });
  }
  await lockAccount(db, leaver, at(25 * DAY_MS), at(30 * DAY_MS));
  for (const [action, when] of [
    ['x.old', NOW.getTime() - 8 * DAY_MS],
    ['x.new', NOW.getTime() - 6 * DAY_MS],
  ] as const)
    await recordAudit(db, { accountId: stays, actor: 'cli', action, at: new Date(when) });
  await recordDelivery(db, 'old-delivery', new Date(NOW.getTime() - 4 * DAY_MS));
  await recordDelivery(db, 'new-delivery', new Date(NOW.getTime() - DAY_MS));
  await createSession(db, { accountId: stays, now: T0, expiresAt: new Date(NOW.getTime() - 1) });
  await createSession(db, { accountId: stays, now: T0, expiresAt: new Date(NOW.getTime() + DAY_MS) });
  const rule = { capacity: 10, perMinute: 10 };
  await db.shared.takeTokens('idle', rule, 1, NOW.getTime() - 2 * 3_600_000);
  await db.shared.takeTokens('busy', rule, 1, NOW.getTime() - 60_000);
  await db.shared.consumeState('spent', NOW.getTime() - 1);
  await db.shared.consumeState('pending', NOW.getTime() + 600_000);
  return stays;
}

/** What `purge` at NOW gives for `seedEverything`'s data, on either engine. */
const EVERYTHING_PURGED: PurgeResult = {
  findings: 661 + 160,
  reviews: 7 + 4,
  accounts: 1,
  auditEntries: 1,
  webhookDeliveries: 1,
  // The leaver's sessions went with the account (a cascade): only the expired one of `stays` is counted.
  sessions: 1,
  rateBuckets: 1,
  oauthStates: 1,
  dismissals: 1,
  answers: 1,
};

/** Every table's rows, to compare two databases after the same purge. */
const TABLE_COUNTS = [
  'accounts',
  'users',
  'memberships',
  'repositories',
  'reviews',
  'findings',
  'finding_texts',
  'daily_aggregates',
  'account_usage',
  'dismissals',
  'answers',
  'audit_log',
  'webhook_deliveries',
  'sessions',
  'rate_buckets',
  'oauth_states',
];
async function tableCounts(db: DiffrayDb): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLE_COUNTS) counts[table] = await countOf(db, `SELECT count(*) AS n FROM ${table}`);
  return counts;
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skip)(`purge on ${engine.name}`, () => {
    const fresh = useFreshDatabases(engine.name);

    it('deletes expired reviews and findings in bounded batches, gives their bytes back, keeps aggregates', async () => {
      const { db } = await fresh();
      const accountId = (await createAccount(db, 'acme', T0)).id;
      for (let i = 0; i < 10; i += 1) await review(db, accountId, findingsOf(`r${i}`, 300));
      const fresher = await review(db, accountId, findingsOf('fresh', 1), at(DAY_MS));
      const freshBytes = (
        await rowsOf<{ b: number }>(db, 'SELECT stored_bytes AS b FROM reviews WHERE id = ?', fresher)
      )[0]!.b;
      expect(await countOf(db, 'SELECT count(*) AS n FROM findings')).toBe(3_001);

      const early = await purge(db, purgeCutoffs(at(30 * DAY_MS - 1_000)), { batchRows: 250 });
      expect(early).toMatchObject({ findings: 0, reviews: 0 });

      let batches = 0;
      const result = await purge(db, purgeCutoffs(NOW), {
        batchRows: 250,
        onBatch: async () => {
          batches += 1;
        },
      });
      expect(result).toMatchObject({ reviews: 10, findings: 3_000 });
      // 300 findings and a review are 301 rows: each batch holds one review, then one finds nothing more.
      expect(batches).toBeGreaterThanOrEqual(10);
      expect(await countOf(db, 'SELECT count(*) AS n FROM reviews')).toBe(1);
      expect(await countOf(db, 'SELECT count(*) AS n FROM findings WHERE review_id = ?', fresher)).toBe(1);
      expect(await countOf(db, 'SELECT count(*) AS n FROM findings')).toBe(1);
      expect(await countOf(db, 'SELECT count(*) AS n FROM finding_texts')).toBe(1);
      expect((await accountUsageOf(db, accountId))?.storedBytes).toBe(freshBytes);
      // The daily counts outlive the reviews.
      expect(
        await rowsOf(
          db,
          'SELECT day, reviews, high FROM daily_aggregates WHERE account_id = ? ORDER BY day',
          accountId,
        ),
      ).toEqual([
        { day: '2025-03-01', reviews: 10, high: 3_000 },
        { day: '2025-03-02', reviews: 1, high: 1 },
      ]);
    });

    it('deletes audit entries older than 7 days and old webhook deliveries', async () => {
      const { db } = await fresh();
      const accountId = (await createAccount(db, 'audited', T0)).id;
      await recordAudit(db, { accountId, actor: 'cli', action: 'x.old', at: at(-8 * DAY_MS) });
      await recordAudit(db, { accountId, actor: 'cli', action: 'x.new', at: at(-6 * DAY_MS) });
      await recordDelivery(db, 'old-delivery', at(-4 * DAY_MS));
      await recordDelivery(db, 'new-delivery', at(-DAY_MS));
      const result = await purge(db, purgeCutoffs(T0));
      expect(result).toMatchObject({ auditEntries: 1, webhookDeliveries: 1 });
      expect(await countOf(db, "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'x.%'")).toBe(1);
      expect(
        await countOf(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = 'new-delivery'"),
      ).toBe(1);
    });

    it('purges every kind of data by its cutoff, an account past its grace period whole', async () => {
      const { db } = await fresh();
      const stays = await seedEverything(db);
      expect(await purge(db, purgeCutoffs(NOW), { batchRows: 100 })).toEqual(EVERYTHING_PURGED);
      expect(await tableCounts(db)).toMatchObject({
        accounts: 1,
        // 'only-there' went with the account; 'in-both' is a member of `stays` still.
        users: 1,
        memberships: 1,
        reviews: 7,
        findings: 661,
        finding_texts: 5,
        dismissals: 1,
        answers: 1,
        audit_log: 1,
        webhook_deliveries: 1,
        sessions: 1,
        rate_buckets: 1,
        oauth_states: 1,
      });
      expect(
        await countOf(db, 'SELECT count(*) AS n FROM daily_aggregates WHERE account_id <> ?', stays),
      ).toBe(0);
      // Nothing left to do.
      const again = await purge(db, purgeCutoffs(NOW));
      expect(Object.values(again).every((n) => n === 0)).toBe(true);
    });

    it('keeps the batches committed before a failure, and the next purge finishes the work', async () => {
      const { db } = await fresh();
      const accountId = (await createAccount(db, 'acme', T0)).id;
      for (let i = 0; i < 12; i += 1) await review(db, accountId, findingsOf(`r${i}`, 50));
      let batches = 0;
      await expect(
        purge(db, purgeCutoffs(NOW), {
          batchRows: 100,
          onBatch: async () => {
            batches += 1;
            // The lease lost before the fourth batch: three committed.
            if (batches === 4) throw new Error('lease lost');
          },
        }),
      ).rejects.toThrow('lease lost');
      // 51 rows a review: two reviews a batch.
      expect(await countOf(db, 'SELECT count(*) AS n FROM reviews')).toBe(6);
      expect(await countOf(db, 'SELECT count(*) AS n FROM findings')).toBe(300);
      const rest = await purge(db, purgeCutoffs(NOW), { batchRows: 100 });
      expect(rest).toMatchObject({ reviews: 6, findings: 300 });
      expect(await countOf(db, 'SELECT count(*) AS n FROM reviews')).toBe(0);
      expect((await accountUsageOf(db, accountId))?.storedBytes).toBe(0);
    });
  });
}

describe('purge on sqlite: the WAL', () => {
  const fresh = useFreshDatabases('sqlite');
  it('is checkpointed and truncated at the end of a purge', async () => {
    const db = (await fresh()).db as SqliteDb;
    const accountId = (await createAccount(db, 'acme', T0)).id;
    await review(db, accountId, findingsOf('a', 300));
    await purge(db, purgeCutoffs(T0));
    const walPath = `${db.path}-wal`;
    expect(statSync(walPath).size).toBe(0);
    await review(db, accountId, findingsOf('b', 300)); // dirties the WAL
    expect(statSync(walPath).size).toBeGreaterThan(0);
    expect(await purge(db, purgeCutoffs(NOW))).toMatchObject({ reviews: 2, findings: 600 });
    expect(statSync(walPath).size).toBe(0);
  });
});

describe.skipIf(SKIP_POSTGRES)('purge on postgres: beside ingest, and from the CLI', () => {
  const fresh = useFreshDatabases('postgres');

  it('runs beside ingests of several accounts on another pool, without a deadlock, and the counts agree', async () => {
    const { db, url } = await fresh();
    const purger = await openPgDatabase(url, { dataKeys: TEST_DATA_KEYS, pool: TEST_POOL });
    try {
      const accounts: string[] = [];
      for (let a = 0; a < 4; a += 1) {
        const id = (await createAccount(db, `acct${a}`, T0)).id;
        accounts.push(id);
        for (let r = 0; r < 10; r += 1)
          await review(db, id, findingsOf(`e${a}.${r}`, 30), T0, `octo/r${r % 2}`);
      }
      const later = at(29 * DAY_MS);
      const perWriter = 8;
      const total = accounts.length * 2 * perWriter;
      const until = async (ready: () => boolean) => {
        while (!ready()) await new Promise((resolve) => setImmediate(resolve));
      };
      // Interleaved by construction: each purge batch waits for one more committed ingest (up to half of
      // them), and the writers' second halves wait for the purge's twentieth batch.
      let ingested = 0;
      let batch = 0;
      // Two writers an account, each its reviews one after the other, in both repositories (the same
      // repository, aggregate and usage rows as the expired reviews the purge deletes).
      const writers = accounts.flatMap((id, a) =>
        [0, 1].map(async (w) => {
          for (let r = 0; r < perWriter; r += 1) {
            if (r === perWriter / 2) await until(() => batch >= 20);
            await review(db, id, findingsOf(`n${a}.${w}.${r}`, 20), later, `octo/r${r % 2}`);
            ingested += 1;
          }
        }),
      );
      const purged = purge(purger, purgeCutoffs(NOW), {
        // A review a batch (31 rows): 40 batches, then the other kinds'.
        batchRows: 20,
        onBatch: async () => {
          batch += 1;
          await until(() => ingested >= Math.min(batch, total / 2));
        },
      });
      const [result] = await Promise.all([purged, ...writers]);
      expect(result).toMatchObject({ reviews: 40, findings: 1_200 });
      for (const id of accounts) {
        expect(await countOf(db, 'SELECT count(*) AS n FROM reviews WHERE account_id = ?', id)).toBe(
          2 * perWriter,
        );
        expect(
          await countOf(
            db,
            'SELECT count(*) AS n FROM findings f JOIN reviews r ON r.id = f.review_id WHERE r.account_id = ?',
            id,
          ),
        ).toBe(2 * perWriter * 20);
        // What the ingests added and the trigger took back leaves the usage at what is stored.
        const [stored] = await rowsOf<{ b: number }>(
          db,
          'SELECT sum(stored_bytes) AS b FROM reviews WHERE account_id = ?',
          id,
        );
        expect((await accountUsageOf(db, id))?.storedBytes).toBe(stored!.b);
        expect(
          await rowsOf(
            db,
            'SELECT day, sum(reviews) AS reviews FROM daily_aggregates WHERE account_id = ? GROUP BY day ORDER BY day',
            id,
          ),
        ).toEqual([
          { day: '2025-03-01', reviews: 10 },
          { day: '2025-03-30', reviews: 2 * perWriter },
        ]);
      }
      expect(await countOf(db, 'SELECT count(*) AS n FROM findings')).toBe(
        accounts.length * 2 * perWriter * 20,
      );
    } finally {
      await purger.close();
    }
  });

  it('deletes each row once when two purges run at once (the CLI beside a server), both without error', async () => {
    const { db, url } = await fresh();
    await seedEverything(db);
    for (let a = 0; a < 6; a += 1) {
      const id = (await createAccount(db, `more${a}`, T0)).id;
      for (let r = 0; r < 5; r += 1) await review(db, id, findingsOf(`m${a}.${r}`, 20), T0, `octo/m${r % 2}`);
    }
    const other = await openPgDatabase(url, { dataKeys: TEST_DATA_KEYS, pool: TEST_POOL });
    try {
      const both = await Promise.all(
        [db, other].map((on) => purge(on, purgeCutoffs(NOW), { batchRows: 30 })),
      );
      const sum = Object.fromEntries(
        Object.keys(EVERYTHING_PURGED).map((k) => [
          k,
          both[0]![k as keyof PurgeResult] + both[1]![k as keyof PurgeResult],
        ]),
      );
      expect(sum).toEqual({
        ...EVERYTHING_PURGED,
        reviews: EVERYTHING_PURGED.reviews + 30,
        findings: EVERYTHING_PURGED.findings + 600,
      });
      expect(await countOf(db, 'SELECT count(*) AS n FROM reviews')).toBe(7);
    } finally {
      await other.close();
    }
  });

  it('diffray-api purge purges a PostgreSQL database and prints the counts', async () => {
    const { db, url } = await fresh();
    await seedEverything(db);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BIN, 'purge', '--as-of', NOW.toISOString()],
      {
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: url,
          SESSION_SECRET: randomBytes(48).toString('base64'),
          DATA_ENCRYPTION_KEY: Buffer.from(TEST_DATA_KEYS[0]!).toString('base64'),
        },
        timeout: 60_000,
      },
    );
    expect(JSON.parse(stdout)).toEqual({ asOf: NOW.toISOString(), ...EVERYTHING_PURGED });
    expect(await countOf(db, 'SELECT count(*) AS n FROM reviews')).toBe(7);
  });
});
