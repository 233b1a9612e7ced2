/**
 * The two engines side by side: the same rows written through drizzle read back as the same JavaScript
 * values, the triggers that drizzle-kit does not model delete and release alike, and the shared state's
 * operations give the same answers to the same sequence of calls. What the schema parity test
 * (test/unit/pg-schema-parity.test.ts) checks by declaration, checked here by data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq, gte } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffrayDb } from '../../api/db/index.js';
import { openPgPool, pgOrm } from '../../api/db/pg/connection.js';
import * as pgTables from '../../api/db/pg/schema.js';
import { pgSharedState } from '../../api/db/pg/shared-state.js';
import * as sqliteTables from '../../api/db/schema.js';
import * as sharedState from '../../api/db/shared-state.js';
import type { BucketRule } from '../../api/db/connection.js';
import { SKIP_POSTGRES, usePostgres } from '../support/postgres.js';
import { openTestDatabase } from './helpers.js';

const T = new Date('2026-06-01T12:00:00.123Z');
const at = (ms: number) => new Date(T.getTime() + ms);

/** A review row, used by both the table-by-table check and the deletion check. */
const REVIEW = {
  id: 'v1',
  accountId: 'a1',
  repositoryId: 'r1',
  pullRequest: 7,
  headSha: 'h',
  baseSha: 'b',
  status: 'completed',
  conclusion: 'success',
  model: 'm',
  tokensInput: 1,
  tokensCacheWrite: 2,
  tokensCacheRead: 3,
  tokensOutput: 4,
  costUsd: 0.125,
  durationMs: 5,
  filesReviewed: 6,
  filesSkipped: 0,
  linesReviewed: 8,
  linesChanged: 9,
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  createdAt: T,
  expiresAt: at(30 * 86_400_000),
  findingsFirst: 2 ** 33,
  findingsLast: 2 ** 33 + 1,
  storedBytes: 3 * 2 ** 31,
};

/**
 * A row in nearly every table (not `data_keys`: opening the SQLite database writes its own), in an order
 * that satisfies the foreign keys, using every kind of column.
 */
const ROWS = [
  ['accounts', { id: 'a1', name: 'acme', createdAt: T, deletedAt: null, sessionVersion: 3, company: 'Acme' }],
  ['users', { id: 'u1', githubId: 2 ** 40, login: 'octo', loginKey: 'k-octo', createdAt: T, email: null }],
  ['memberships', { accountId: 'a1', userId: 'u1', role: 'admin', createdAt: T, acceptedAt: at(1) }],
  [
    'apiKeys',
    {
      id: 'k1',
      accountId: 'a1',
      hash: 'h',
      prefix: 'dfr_x',
      name: 'ci',
      scopes: ['reviews:write', 'admin'],
      createdAt: T,
      expiresAt: at(86_400_000),
    },
  ],
  ['repositories', { id: 'r1', accountId: 'a1', fullName: 'acme/api', nameKey: 'nk', createdAt: T }],
  ['configs', { id: 'c1', accountId: 'a1', repositoryId: null, yaml: 'x: 1', updatedAt: T }],
  ['reviews', REVIEW],
  [
    'findings',
    {
      rowId: 2 ** 33,
      reviewId: 'v1',
      startLine: null,
      line: 3,
      severity: 'high',
      category: 'bug',
      fingerprint: 'f',
    },
  ],
  ['findingTexts', { reviewId: 'v1', sealed: Buffer.from([0, 1, 2, 255]) }],
  ['dailyAggregates', { accountId: 'a1', repository: 'nk', day: '2026-06-01', reviews: 1, high: 1 }],
  ['auditLog', { id: 'l1', accountId: 'a1', actor: 'cli', action: 'correct', at: T, fields: ['name'] }],
  ['webhookDeliveries', { deliveryId: 'd1', receivedAt: T }],
  ['accountUsage', { accountId: 'a1', day: '2026-06-01', reviewsOnDay: 1, storedBytes: 3 * 2 ** 31 }],
  ['retiredSessionKeys', { kid: 'kid1', retiredAt: T }],
  ['leases', { name: 'purge', holder: null, expiresAt: null, doneAt: T }],
] as const;

describe.skipIf(SKIP_POSTGRES)('SQLite and PostgreSQL, side by side', () => {
  const database = usePostgres({ migrated: true });
  let pool: pg.Pool;
  let sqlite: DiffrayDb;
  let dir: string;
  beforeAll(async () => {
    pool = openPgPool(database.url, {
      max: 4,
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
      statementTimeoutMs: 10_000,
    });
    dir = mkdtempSync(join(tmpdir(), 'diffray-parity-'));
    sqlite = openTestDatabase(join(dir, 'diffray.db'));
  });
  afterAll(async () => {
    await sqlite?.close();
    await pool?.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back the same JavaScript values from the same rows', async () => {
    const orm = pgOrm(pool);
    // One loop over both schemas' tables by exported name: the rows are checked by the databases, not tsc.
    const sqliteTable = (name: string) => (sqliteTables as unknown as Record<string, SQLiteTable>)[name]!;
    const pgTable = (name: string) => (pgTables as unknown as Record<string, PgTable>)[name]!;
    for (const [name, row] of ROWS) {
      sqlite.orm
        .insert(sqliteTable(name))
        .values(row as never)
        .run();
      await orm.insert(pgTable(name)).values(row as never);
    }
    for (const [name] of ROWS) {
      const fromSqlite = sqlite.orm.select().from(sqliteTable(name)).all();
      const fromPg = await orm.select().from(pgTable(name));
      expect(fromPg, name).toEqual(fromSqlite);
    }
    const [row] = await orm.select().from(pgTables.reviews).orderBy(asc(pgTables.reviews.createdAt));
    expect(row!.createdAt).toBeInstanceOf(Date);
    expect(row!.createdAt.getTime()).toBe(T.getTime());
    // Raw aggregates are numbers on both engines (int8 and numeric read as numbers by the pool).
    const counted = await pool.query<{ n: unknown; total: unknown }>(
      'SELECT count(*) AS n, sum(stored_bytes) AS total FROM reviews',
    );
    expect(counted.rows[0]).toEqual({ n: 1, total: 3 * 2 ** 31 });
  });

  it('deletes the findings of deleted reviews and gives their bytes back, however the reviews are deleted', async () => {
    const orm = pgOrm(pool);
    const base = 2 ** 34;
    const rows = {
      account: { id: 'a2', name: 'other', createdAt: T },
      repository: { id: 'r2', accountId: 'a2', fullName: 'o/r', nameKey: 'nk2', createdAt: T },
      reviews: [0, 1].map((i) => ({
        ...REVIEW,
        id: `v2-${i}`,
        accountId: 'a2',
        repositoryId: 'r2',
        findingsFirst: base + 10 * i,
        findingsLast: base + 10 * i + 2,
        storedBytes: 100 + i,
      })),
      findings: [0, 1].flatMap((i) =>
        [0, 1, 2].map((j) => ({
          rowId: base + 10 * i + j,
          reviewId: `v2-${i}`,
          line: j,
          severity: 'low',
          category: 'style',
          fingerprint: `f${j}`,
        })),
      ),
      usage: { accountId: 'a2', day: '2026-06-01', reviewsOnDay: 2, storedBytes: 1_000 },
    };
    const s = sqliteTables;
    sqlite.orm.insert(s.accounts).values(rows.account).run();
    sqlite.orm.insert(s.repositories).values(rows.repository).run();
    sqlite.orm.insert(s.reviews).values(rows.reviews).run();
    sqlite.orm.insert(s.findings).values(rows.findings).run();
    sqlite.orm.insert(s.accountUsage).values(rows.usage).run();
    const p = pgTables;
    await orm.insert(p.accounts).values(rows.account);
    await orm.insert(p.repositories).values(rows.repository);
    await orm.insert(p.reviews).values(rows.reviews);
    await orm.insert(p.findings).values(rows.findings);
    await orm.insert(p.accountUsage).values(rows.usage);

    const state = async () => ({
      sqlite: {
        findings: sqlite.orm
          .select({ id: s.findings.rowId })
          .from(s.findings)
          .where(gte(s.findings.rowId, base))
          .all(),
        usage: sqlite.orm.select().from(s.accountUsage).where(eq(s.accountUsage.accountId, 'a2')).all(),
      },
      postgresql: {
        findings: await orm
          .select({ id: p.findings.rowId })
          .from(p.findings)
          .where(gte(p.findings.rowId, base)),
        usage: await orm.select().from(p.accountUsage).where(eq(p.accountUsage.accountId, 'a2')),
      },
    });
    sqlite.orm.delete(s.reviews).where(eq(s.reviews.id, 'v2-0')).run();
    await orm.delete(p.reviews).where(eq(p.reviews.id, 'v2-0'));
    const afterOne = await state();
    expect(afterOne.postgresql).toEqual(afterOne.sqlite);
    expect(afterOne.sqlite.findings.map((f) => f.id)).toEqual([base + 10, base + 11, base + 12]);
    expect(afterOne.sqlite.usage[0]!.storedBytes).toBe(900);

    // An account's deletion cascades to its repositories and reviews: the triggers run for those too.
    sqlite.orm.delete(s.repositories).where(eq(s.repositories.id, 'r2')).run();
    await orm.delete(p.repositories).where(eq(p.repositories.id, 'r2'));
    const afterCascade = await state();
    expect(afterCascade.postgresql).toEqual(afterCascade.sqlite);
    expect(afterCascade.sqlite.findings).toEqual([]);
    expect(afterCascade.sqlite.usage[0]!.storedBytes).toBe(799);
  });

  it('answers the same sequence of shared-state calls with the same results', async () => {
    const db = sqlite;
    const onPg = { shared: pgSharedState(pool) };
    const engines = {
      sqlite: {
        take: async (bucket: string, rule: BucketRule, want: number, now: Date) =>
          sharedState.takeTokens(db, bucket, rule, want, now),
        consume: async (state: string, expiresAt: Date) =>
          sharedState.consumeOAuthState(db, state, expiresAt),
        acquire: async (holder: string, ttlMs: number, now: Date) =>
          sharedState.acquireLease(db, { name: 'work', holder, ttlMs, dueAfterMs: 60_000 }, now),
        renew: async (holder: string, until: Date) => sharedState.renewLease(db, 'work', holder, until),
        release: async (holder: string, now: Date) => sharedState.releaseLease(db, 'work', holder, now),
        sweep: async (idleBefore: Date, now: Date) => sharedState.sweepSharedState(db, idleBefore, now),
      },
      postgresql: {
        take: (bucket: string, rule: BucketRule, want: number, now: Date) =>
          sharedState.takeTokens(onPg, bucket, rule, want, now),
        consume: (state: string, expiresAt: Date) => sharedState.consumeOAuthState(onPg, state, expiresAt),
        acquire: (holder: string, ttlMs: number, now: Date) =>
          sharedState.acquireLease(onPg, { name: 'work', holder, ttlMs, dueAfterMs: 60_000 }, now),
        renew: (holder: string, until: Date) => sharedState.renewLease(onPg, 'work', holder, until),
        release: (holder: string, now: Date) => sharedState.releaseLease(onPg, 'work', holder, now),
        sweep: (idleBefore: Date, now: Date) => sharedState.sweepSharedState(onPg, idleBefore, now),
      },
    };
    const scenario = async (e: (typeof engines)['sqlite']) => {
      const rule = { capacity: 3, perMinute: 12 };
      const results: unknown[] = [];
      for (const [want, ms] of [
        [2, 0],
        [2, 0],
        [1, 1_000],
        [1, 4_000],
        [5, 9_000],
        [1, 9_000],
        [3, 600_000],
      ] as const)
        results.push(await e.take('key:k', rule, want, at(ms)));
      results.push(await e.take('fail:f', { capacity: 1, perMinute: 0.5 }, 1, T));
      results.push(await e.take('fail:f', { capacity: 1, perMinute: 0.5 }, 1, at(30_000)));
      results.push(await e.consume('s1', at(600_000)), await e.consume('s1', at(600_000)));
      results.push(await e.consume('s2', at(-1)));
      results.push(
        await e.acquire('one', 10_000, T),
        await e.acquire('two', 10_000, at(5_000)),
        await e.renew('two', at(20_000)),
        await e.renew('one', at(20_000)),
        await e.acquire('two', 10_000, at(15_000)),
        await e.acquire('two', 10_000, at(21_000)),
        await e.renew('one', at(30_000)),
        await e.release('one', at(22_000)),
        await e.release('two', at(23_000)),
        await e.acquire('one', 10_000, at(30_000)),
        await e.acquire('one', 10_000, at(84_000)),
        await e.sweep(at(-3_600_000), at(1)),
        await e.sweep(at(3_600_000), at(1)),
      );
      return results;
    };
    const fromSqlite = await scenario(engines.sqlite);
    const fromPg = await scenario(engines.postgresql);
    expect(fromPg).toEqual(fromSqlite);
    // The scenario means something: grants, refusals with a wait, a lease taken over and released.
    expect(fromSqlite.slice(0, 9)).toContainEqual({ granted: 0, retryAfterSeconds: 2 });
    expect(fromSqlite.slice(-2)).toEqual([
      { rateBuckets: 0, oauthStates: 1 },
      { rateBuckets: 2, oauthStates: 0 },
    ]);
  });
});
