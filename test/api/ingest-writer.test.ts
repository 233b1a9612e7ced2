/**
 * Reviews are written by the writer thread (api/db/writer.ts), in batches of what is queued, each review in
 * a savepoint of its own: concurrent ingests all land on consecutive, non-overlapping finding rows with
 * exact aggregates; a 201 means committed and readable at once; a review the writer cannot write fails its
 * own request with a JSON error and nothing else; a writer that dies answers what it held and is replaced;
 * close() finishes what was sent before it.
 */
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createAccount,
  getReview,
  insertReview,
  listRepositories,
  WriteError,
  type SqliteDb,
} from '../../api/db/index.js';
import { reviewExpiresAt } from '../../api/retention.js';
import type { Principal } from '../../api/types.js';
import { SEVERITIES, type ReviewReport } from '../../shared/index.js';
import {
  asSqlite,
  exportedData,
  makeFinding,
  makeReport,
  seedAccount,
  startServer,
  T0,
  type TestServer,
  openTestDatabase,
} from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Review `i` of a run: its own number of findings (0 to 12), severities and one of three repositories. */
const reportNo = (i: number): ReviewReport =>
  makeReport({
    repository: `octo/repo-${i % 3}`,
    pullRequest: i + 1,
    findings: Array.from({ length: i % 13 }, (_, k) =>
      makeFinding({ line: k + 1, title: `r${i} #${k}`, severity: SEVERITIES[(i + k) % SEVERITIES.length] }),
    ),
  });

const rows = <T>(db: SqliteDb, sql: string, ...params: unknown[]) =>
  db.sqlite.prepare(sql).all(...params) as T[];

/** Every review's range of finding rows, in row order: they must tile 1..n with no gap and no overlap. */
function expectTiledRanges(db: SqliteDb) {
  const ranges = rows<{ id: string; first: number; last: number }>(
    db,
    'SELECT id, findings_first AS first, findings_last AS last FROM reviews WHERE findings_first IS NOT NULL ORDER BY findings_first',
  );
  // Every caller stores reviews with findings: no range at all would tile nothing and pass.
  expect(ranges.length).toBeGreaterThan(0);
  let next = 1;
  for (const r of ranges) {
    expect(r.first).toBe(next);
    const owners = rows<{ review_id: string }>(
      db,
      'SELECT review_id FROM findings WHERE row_id BETWEEN ? AND ?',
      r.first,
      r.last,
    );
    expect(owners).toHaveLength(r.last - r.first + 1);
    expect(owners.every((o) => o.review_id === r.id)).toBe(true);
    next = r.last + 1;
  }
  expect(rows<{ n: number }>(db, 'SELECT count(*) AS n FROM findings')[0]!.n).toBe(next - 1);
}

describe('POST /v1/reviews through the writer thread', () => {
  it('commits 50 concurrent ingests on consecutive, non-overlapping finding rows with exact aggregates', async () => {
    server = await startServer();
    const { key, accountId } = await seedAccount(server.db);
    const t = server;
    const reports = Array.from({ length: 50 }, (_, i) => reportNo(i));
    const answers = await Promise.all(reports.map((body) => t.call('POST', '/v1/reviews', { key, body })));
    expect(answers.map((a) => a.status)).toEqual(reports.map(() => 201));

    const db = asSqlite(server.db);
    expectTiledRanges(db);
    for (const [i, answer] of answers.entries()) {
      const stored = await getReview(db, { accountId, id: (answer.json as { id: string }).id, now: T0 });
      expect(stored?.review.pullRequest).toBe(i + 1);
      expect(stored?.findings.map((f) => f.title).sort()).toEqual(
        reports[i]!.findings.map((f) => f.title).sort(),
      );
    }
    // One repository per name, whichever review of a batch created it.
    expect((await listRepositories(db, accountId)).map((r) => r.fullName)).toEqual(
      [0, 1, 2].map((r) => `octo/repo-${r}`),
    );
    // The severity counts this test sums; the other columns (categories, fixes, cost) have their own tests.
    const aggregates = (await exportedData(db, accountId, T0))!.dailyAggregates.map(
      ({ repository, reviews, critical, high, medium, low }) => ({
        repository,
        reviews,
        critical,
        high,
        medium,
        low,
      }),
    );
    aggregates.sort((a, b) => String(a.repository).localeCompare(String(b.repository)));
    expect(aggregates).toEqual(
      [0, 1, 2].map((r) => {
        const mine = reports.filter((_, i) => i % 3 === r);
        const count = (severity: string) =>
          mine.reduce((n, report) => n + report.findings.filter((f) => f.severity === severity).length, 0);
        return {
          repository: `octo/repo-${r}`,
          reviews: mine.length,
          critical: count('critical'),
          high: count('high'),
          medium: count('medium'),
          low: count('low'),
        };
      }),
    );
  });

  it('answers 201 only once the review is committed: the next read sees it', async () => {
    server = await startServer();
    const { key } = await seedAccount(server.db);
    for (let i = 0; i < 20; i += 1) {
      server.time.advance(1_000); // so the newest review is this one
      const created = await server.call('POST', '/v1/reviews', { key, body: reportNo(i) });
      expect(created.status).toBe(201);
      const { id } = created.json as { id: string };
      const read = await server.call('GET', `/v1/reviews/${id}`, { key });
      expect(read.status).toBe(200);
      expect((read.json as { findings: unknown[] }).findings).toHaveLength(i % 13);
      const list = await server.call('GET', '/v1/reviews?limit=1', { key });
      expect((list.json as { reviews: { id: string }[] }).reviews[0]?.id).toBe(id);
    }
  });

  it('fails only the review the writer cannot store, with a JSON 500 that tells nothing of SQLite', async () => {
    // A page session of an account purged meanwhile: its review breaks the foreign key, in the writer.
    const gone: Principal = {
      kind: 'session',
      accountId: 'purged-account',
      scopes: new Set(['reviews:write']),
      actor: 'user:gone',
      sessionId: 'gone-session',
    };
    server = await startServer({ app: { resolveSession: () => gone } });
    const { key } = await seedAccount(server.db);
    const t = server;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 5 === 2
          ? t.call('POST', '/v1/reviews', { body: reportNo(i), headers: { 'sec-fetch-site': 'same-origin' } })
          : t.call('POST', '/v1/reviews', { key, body: reportNo(i) }),
      ),
    );
    for (const [i, answer] of answers.entries()) {
      if (i % 5 !== 2) {
        expect(answer.status).toBe(201);
        continue;
      }
      expect(answer.status).toBe(500);
      expect(answer.json).toEqual({
        error: { code: 'internal', message: 'Internal error', requestId: expect.any(String) },
      });
      expect(answer.text).not.toMatch(/sqlite|foreign|constraint/i);
    }
    expect(server.logs.filter((l) => l.msg === 'unhandled error').map((l) => l.error)).toEqual(
      Array.from({ length: 6 }, () => 'WriteError'),
    );
    expect(rows(asSqlite(server.db), 'SELECT id FROM reviews')).toHaveLength(24);
    expectTiledRanges(asSqlite(server.db));
  });

  it('answers what a dead writer held with a JSON 500, then starts a new one', async () => {
    server = await startServer();
    const { key } = await seedAccount(server.db);
    // The writer starts on the first review; with the database's directory moved away it cannot open its
    // connection and dies (the serving connection keeps its open file).
    const moved = `${server.dir}-moved`;
    renameSync(server.dir, moved);
    let failed;
    try {
      failed = await server.call('POST', '/v1/reviews', { key, body: reportNo(1) });
    } finally {
      renameSync(moved, server.dir);
    }
    expect(failed.status).toBe(500);
    expect((failed.json as { error: { code: string } }).error.code).toBe('internal');
    expect(server.logs.find((l) => l.msg === 'unhandled error')?.detail).toMatch(/review writer stopped/);

    const created = await server.call('POST', '/v1/reviews', { key, body: reportNo(2) });
    expect(created.status).toBe(201);
    const read = await server.call('GET', `/v1/reviews/${(created.json as { id: string }).id}`, { key });
    expect(read.status).toBe(200);
  });
});

describe('the writer', () => {
  let n = 0;
  const freshDb = () => openTestDatabase(join(dir, `w-${(n += 1)}.db`));
  const ingest = async (db: SqliteDb, accountId: string, i: number) =>
    await insertReview(db, { accountId, report: reportNo(i), now: T0, expiresAt: reviewExpiresAt(T0) });

  it('rolls back a failing review alone in a batch shared with others', async () => {
    const db = freshDb();
    try {
      const accountId = (await createAccount(db, 'a', T0)).id;
      // Sent before the writer is up, so the three wait on its port and share one transaction.
      const outcomes = await Promise.allSettled([
        ingest(db, accountId, 5),
        ingest(db, 'no-such-account', 6),
        ingest(db, accountId, 7),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const error = (outcomes[1] as PromiseRejectedResult).reason as WriteError;
      expect(error).toBeInstanceOf(WriteError);
      expect(error.code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
      expect(
        rows(db, 'SELECT findings_first AS first, findings_last AS last FROM reviews ORDER BY 1'),
      ).toEqual([
        { first: 1, last: 5 },
        { first: 6, last: 12 },
      ]);
      expectTiledRanges(db);
    } finally {
      await db.close();
    }
  });

  it('close() commits the reviews sent before it, then refuses new ones', async () => {
    const path = join(dir, 'closing.db');
    const db = openTestDatabase(path);
    const accountId = (await createAccount(db, 'a', T0)).id;
    const sent = Array.from({ length: 20 }, (_, i) => ingest(db, accountId, i));
    await db.close();
    const ids = await Promise.all(sent);
    await expect(ingest(db, accountId, 21)).rejects.toThrow(WriteError);

    const reopened = openTestDatabase(path);
    try {
      for (const id of ids) expect(await getReview(reopened, { accountId, id, now: T0 })).toBeDefined();
      expectTiledRanges(reopened);
    } finally {
      await reopened.close();
    }
  });

  it('refuses an in-memory database: the writer could not share it', () => {
    expect(() => openTestDatabase(':memory:')).toThrow(/must be a file/);
  });
});
