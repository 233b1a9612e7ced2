/**
 * The storage interface on PostgreSQL (`api/db/pg/client.ts`) against a real server: a review's ingest in
 * one transaction, its row ranges, a new repository ingested by two instances at once, transactions, the
 * data keys' check, `ping`, and a migration applied once by two instances opening together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccount,
  getReview,
  insertReview,
  listRepositories,
  MissingDataKeyError,
  openPgDatabase,
  type PgDb,
} from '../../api/db/index.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { createTestDatabase, SKIP_POSTGRES, usePostgres } from '../support/postgres.js';
import { makeFinding, makeReport, T0, TEST_DATA_KEYS } from './helpers.js';

const POOL = { max: 8, connectTimeoutMs: 5_000, idleTimeoutMs: 10_000, statementTimeoutMs: 10_000 };
const open = (url: string, dataKeys: readonly Uint8Array[] = TEST_DATA_KEYS) =>
  openPgDatabase(url, { dataKeys, pool: POOL });

describe.skipIf(SKIP_POSTGRES)('the storage interface on PostgreSQL', () => {
  const database = usePostgres();
  let a: PgDb;
  let b: PgDb;
  beforeAll(async () => {
    // Two instances opening one empty database together: one migrates, the other finds it done.
    [a, b] = await Promise.all([open(database.url), open(database.url)]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('migrates once when two instances open an empty database together', () => {
    const applied = [a.migrationsApplied, b.migrationsApplied].sort((x, y) => y.length - x.length);
    expect(applied[0]!.length).toBeGreaterThan(0);
    expect(applied[1]).toEqual([]);
  });

  it('writes a review with its findings and reads it back through the other instance', async () => {
    const account = await createAccount(a, 'acme', T0);
    const findings = Array.from({ length: 7 }, (_, i) =>
      makeFinding({ path: `src/f${i}.ts`, line: i + 1, title: `finding ${i}`, fingerprint: `fp-${i}` }),
    );
    const id = await insertReview(a, {
      accountId: account.id,
      report: makeReport({ findings }),
      now: T0,
      expiresAt: reviewExpiresAt(T0),
    });
    const read = await getReview(b, { accountId: account.id, id, now: T0 });
    expect(read?.review.repository).toBe(makeReport().repository);
    expect(read?.findings.map((f) => f.title)).toEqual(findings.map((f) => f.title));
    const range = await a.pool.query<{ first: number; last: number }>(
      'SELECT findings_first AS first, findings_last AS last FROM reviews WHERE id = $1',
      [id],
    );
    expect(range.rows[0]!.last - range.rows[0]!.first).toBe(6);
  });

  it('creates a new repository once when two instances ingest its first reviews together', async () => {
    const account = await createAccount(a, 'race', T0);
    const report = makeReport({ repository: 'race/new-repo', findings: [makeFinding()] });
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        insertReview(i % 2 ? a : b, {
          accountId: account.id,
          report,
          now: T0,
          expiresAt: reviewExpiresAt(T0),
        }),
      ),
    );
    expect(new Set(ids).size).toBe(10);
    expect((await listRepositories(a, account.id)).map((r) => r.fullName)).toEqual(['race/new-repo']);
    const ranges = await a.pool.query<{ first: number; last: number }>(
      'SELECT findings_first AS first, findings_last AS last FROM reviews WHERE id = ANY($1) ORDER BY 1',
      [ids],
    );
    // Disjoint: each review's one finding has an id of its own.
    expect(new Set(ranges.rows.map((r) => r.first)).size).toBe(10);
    const aggregate = await a.pool.query<{ reviews: number }>(
      'SELECT reviews FROM daily_aggregates WHERE account_id = $1',
      [account.id],
    );
    expect(aggregate.rows).toEqual([{ reviews: 10 }]);
  });

  it('writes a review whole or not at all', async () => {
    const account = await createAccount(a, 'atomic', T0);
    // A finding that breaks a column's constraint, after the review row went in: nothing stays.
    const bad = makeReport({ repository: 'atomic/repo', findings: [makeFinding({ line: 2 ** 40 })] });
    await expect(
      insertReview(a, { accountId: account.id, report: bad, now: T0, expiresAt: reviewExpiresAt(T0) }),
    ).rejects.toThrow();
    const counts = await a.pool.query<{ reviews: number; repositories: number; usage: number }>(
      `SELECT (SELECT count(*) FROM reviews WHERE account_id = $1) AS reviews,
              (SELECT count(*) FROM repositories WHERE account_id = $1) AS repositories,
              (SELECT count(*) FROM account_usage WHERE account_id = $1) AS usage`,
      [account.id],
    );
    expect(counts.rows[0]).toEqual({ reviews: 0, repositories: 0, usage: 0 });
  });

  it('writes reviews that arrive together in shared transactions, a refused one failing alone', async () => {
    const account = await createAccount(a, 'together', T0);
    const reports = Array.from({ length: 30 }, (_, i) =>
      makeReport({
        repository: `together/repo-${i % 3}`,
        headSha: `${i}`.padStart(40, '0'),
        findings: [makeFinding({ line: i === 7 ? 2 ** 40 : i + 1, fingerprint: `fp-${i}` })],
      }),
    );
    const results = await Promise.allSettled(
      reports.map((report) =>
        insertReview(a, { accountId: account.id, report, now: T0, expiresAt: reviewExpiresAt(T0) }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(reports.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
    const stored = await b.pool.query<{ reviews: number; findings: number; aggregated: number }>(
      `SELECT (SELECT count(*) FROM reviews WHERE account_id = $1) AS reviews,
              (SELECT count(*) FROM findings f JOIN reviews r ON r.id = f.review_id WHERE r.account_id = $1) AS findings,
              (SELECT sum(reviews) FROM daily_aggregates WHERE account_id = $1) AS aggregated`,
      [account.id],
    );
    expect(stored.rows[0]).toEqual({ reviews: 29, findings: 29, aggregated: 29 });
  });

  it('rolls a transaction back when its body rejects, and commits it when it resolves', async () => {
    let never = '';
    await expect(
      a.transaction(async (tx) => {
        never = (await createAccount(tx, 'never', T0)).id;
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    const kept = await a.transaction(async (tx) => (await createAccount(tx, 'kept', T0)).id);
    const found = await b.pool.query<{ id: string }>('SELECT id FROM accounts WHERE id = ANY($1)', [
      [never, kept],
    ]);
    expect(found.rows.map((r) => r.id)).toEqual([kept]);
  });

  it('answers ping', async () => {
    await expect(a.ping()).resolves.toBeUndefined();
  });
});

describe.skipIf(SKIP_POSTGRES)('data keys on PostgreSQL', () => {
  it('refuses to open a database sealed with a key it was not given, naming the key', async () => {
    const database = await createTestDatabase();
    try {
      const first = await open(database.url);
      const kid = first.keyring.currentKid;
      await first.close();
      const other = [new Uint8Array(32).fill(7)];
      await expect(open(database.url, other)).rejects.toThrow(MissingDataKeyError);
      await expect(open(database.url, other)).rejects.toThrow(kid);
      // Listed after the newest, the old key opens it again.
      const both = await open(database.url, [...other, ...TEST_DATA_KEYS]);
      await both.close();
    } finally {
      await database.drop();
    }
  });
});
