/**
 * The database threads' modules run in this process, without a thread: the ingest statements against the
 * schema and the migrated database, a batch with a failing review, the writer's side of the gate, and the
 * checkpointer's tick on scripted WAL sizes. The threads themselves are exercised in ingest-writer.test.ts
 * and ingest-hot-path.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointTick, eraseTick, type Pass } from '../../api/db/checkpointer-thread.js';
import { createAccount, getReview, ingestRow, tables, type SqliteDb } from '../../api/db/index.js';
import { Keyring } from '../../api/db/envelope.js';
import {
  FINDING_INSERT_COLUMNS,
  FINDING_WIDTH,
  INGEST_SEALED,
  INGEST_SQL,
  REVIEW_INSERT_COLUMNS,
} from '../../api/db/ingest.js';
import { newSignals, SIGNAL } from '../../api/db/threads.js';
import { createIngest, enterGate, leaveGate } from '../../api/db/writer-thread.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { countBySeverity } from '../../shared/index.js';
import { makeFinding, makeReport, T0, openTestDatabase, TEST_DATA_KEYS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function withDatabase(test: (db: SqliteDb) => Promise<void>) {
  const db = openTestDatabase(join(dir, `t-${(n += 1)}.db`));
  try {
    await test(db);
  } finally {
    await db.close();
  }
}

/** The writer's ingest on `db`, run here without its thread. */
const ingestOn = (db: SqliteDb) =>
  createIngest(db.sqlite, INGEST_SQL, FINDING_WIDTH, new Keyring(TEST_DATA_KEYS), INGEST_SEALED);

const columnNames = (table: Parameters<typeof getTableConfig>[0]) =>
  getTableConfig(table)
    .columns.map((c) => c.name)
    .sort();

describe('the ingest statements', () => {
  it('name every column of reviews and findings, once each', () => {
    expect(REVIEW_INSERT_COLUMNS.map((c) => c.name).sort()).toEqual(columnNames(tables.reviews));
    expect(FINDING_INSERT_COLUMNS.map((c) => c.name).sort()).toEqual(columnNames(tables.findings));
    expect(FINDING_WIDTH).toBe(FINDING_INSERT_COLUMNS.length - 2);
  });

  it('store a batch as the read side reads it: values in their columns, consecutive finding rows, aggregates', async () => {
    await withDatabase(async (db) => {
      const accountId = (await createAccount(db, 'a', T0)).id;
      // Each severity a different number of times, so a count in the wrong column shows.
      const severities = [['critical', 'high', 'low'], [], ['medium', 'medium']] as const;
      const reports = severities.map((list, i) =>
        makeReport({
          pullRequest: 10 + i,
          // Every reported number distinct, so a value in the wrong column shows.
          tokens: { input: 11 + i, cacheWrite: 12, cacheRead: 13, output: 14 },
          durationMs: 15,
          coverage: { filesReviewed: 16, filesSkipped: 17, linesReviewed: 18, linesChanged: 19 },
          findings: list.map((severity, k) =>
            makeFinding({ line: k + 1, startLine: k === 0 ? undefined : k, severity, title: `r${i} #${k}` }),
          ),
        }),
      );
      const rows = reports.map((report) =>
        ingestRow({ accountId, report, now: T0, expiresAt: reviewExpiresAt(T0) }),
      );
      expect(ingestOn(db)(rows)).toEqual([undefined, undefined, undefined]);

      for (const [i, row] of rows.entries()) {
        const stored = await getReview(db, { accountId, id: row.id, now: T0 });
        const { findings, tokens, coverage, ...reported } = reports[i]!;
        expect(stored?.review).toMatchObject({
          ...reported,
          tokensInput: tokens.input,
          tokensCacheWrite: tokens.cacheWrite,
          tokensCacheRead: tokens.cacheRead,
          tokensOutput: tokens.output,
          ...coverage,
          ...countBySeverity(findings),
          createdAt: T0,
          expiresAt: reviewExpiresAt(T0),
        });
        expect(stored?.findings).toEqual(
          findings
            .map((f) => ({ ...f, startLine: f.startLine ?? null, state: 'new', firstSeen: null }))
            .sort((a, b) => a.line - b.line),
        );
      }
      expect(
        db.sqlite
          .prepare('SELECT findings_first, findings_last FROM reviews ORDER BY pull_request')
          .raw()
          .all(),
      ).toEqual([
        [1, 3],
        [null, null],
        [4, 5],
      ]);
      expect(
        db.sqlite
          .prepare('SELECT reviews, critical, high, medium, low FROM daily_aggregates WHERE account_id = ?')
          .all(accountId),
      ).toEqual([{ reviews: 3, critical: 1, high: 1, medium: 2, low: 1 }]);
    });
  });

  it('roll back a failing review alone and answer its SQLite error', async () => {
    await withDatabase(async (db) => {
      const accountId = (await createAccount(db, 'a', T0)).id;
      const row = (account: string, line: number) =>
        ingestRow({
          accountId: account,
          report: makeReport({ findings: [makeFinding({ line })] }),
          now: T0,
          expiresAt: reviewExpiresAt(T0),
        });
      const batch = [row(accountId, 1), row('no-such-account', 2), row(accountId, 3)];
      const answers = ingestOn(db)(batch);
      expect(answers[0]).toBeUndefined();
      expect(answers[1]).toEqual({ message: expect.any(String), code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
      expect(answers[2]).toBeUndefined();
      expect(db.sqlite.prepare('SELECT id FROM reviews').pluck().all().sort()).toEqual(
        [batch[0]!.id, batch[2]!.id].sort(),
      );
      expect(db.sqlite.prepare('SELECT count(*) FROM findings').pluck().get()).toBe(2);
    });
  });
});

describe("the writer's side of the gate", () => {
  it('enters at once through an open gate, marked writing until it leaves', () => {
    const signals = newSignals();
    enterGate(signals, 1_000);
    expect(Atomics.load(signals, SIGNAL.WRITING)).toBe(1);
    leaveGate(signals);
    expect(Atomics.load(signals, SIGNAL.WRITING)).toBe(0);
  });

  it('waits at a closed gate no longer than its bound, then enters anyway', () => {
    const signals = newSignals();
    Atomics.store(signals, SIGNAL.GATE, 1);
    const started = performance.now();
    enterGate(signals, 40);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(Atomics.load(signals, SIGNAL.WRITING)).toBe(1);
  });
});

describe("the checkpointer's tick", () => {
  /** A checkpoint that reports the WAL sizes given, one per pass, and counts its passes. */
  function scripted(logs: number[]) {
    const passes = { count: 0 };
    const passive = (): Pass => {
      const log = logs[Math.min(passes.count, logs.length - 1)]!;
      passes.count += 1;
      return { busy: 0, log, checkpointed: log };
    };
    return { passive, passes };
  }

  it('makes one pass while the WAL is under the restart size', () => {
    const { passive, passes } = scripted([99]);
    expect(checkpointTick(passive, newSignals(), 100)).toBe('passive');
    expect(passes.count).toBe(1);
  });

  it('holds nobody when the WAL is over the size but nothing is being written', () => {
    const signals = newSignals();
    const { passive, passes } = scripted([500, 500]);
    expect(checkpointTick(passive, signals, 100)).toBe('passive');
    expect(passes.count).toBe(2);
    expect(Atomics.load(signals, SIGNAL.GATE)).toBe(0);
  });

  it('catches up under writes, then holds the gate for one last pass and opens it again', () => {
    const signals = newSignals();
    // Writes land during every pass, fewer each time, until a pass leaves under 1/64 of the size behind.
    const { passive, passes } = scripted([500, 700, 800, 801, 801]);
    expect(checkpointTick(passive, signals, 100)).toBe('restart');
    expect(passes.count).toBe(5);
    expect(Atomics.load(signals, SIGNAL.GATE)).toBe(0);
  });

  it('gives up until the next tick when the writer does not leave in time, and opens the gate', () => {
    const signals = newSignals();
    Atomics.store(signals, SIGNAL.WRITING, 1);
    const { passive, passes } = scripted([500, 700, 800, 801]);
    expect(checkpointTick(passive, signals, 100, 10)).toBe('writer-busy');
    expect(passes.count).toBe(4);
    expect(Atomics.load(signals, SIGNAL.GATE)).toBe(0);
  });
});

describe("the checkpointer's erase", () => {
  const pass = (busy: number): Pass => ({ busy, log: 0, checkpointed: 0 });

  it('copies back without blocking anyone, then truncates behind the gate and opens it again', () => {
    const signals = newSignals();
    const order: string[] = [];
    const erased = eraseTick(
      () => (order.push('passive'), pass(0)),
      () => (order.push(`truncate, gate ${Atomics.load(signals, SIGNAL.GATE)}`), pass(0)),
      signals,
    );
    expect(erased).toBe(true);
    expect(order).toEqual(['passive', 'truncate, gate 1']);
    expect(Atomics.load(signals, SIGNAL.GATE)).toBe(0);
  });

  it('reports failure (retried at the next tick) when a reader or the lock kept the truncation from finishing', () => {
    const signals = newSignals();
    expect(
      eraseTick(
        () => pass(0),
        () => pass(1),
        signals,
      ),
    ).toBe(false);
    expect(Atomics.load(signals, SIGNAL.GATE)).toBe(0);
  });

  it('does not truncate while the writer is in a transaction past the wait, and opens the gate', () => {
    const signals = newSignals();
    Atomics.store(signals, SIGNAL.WRITING, 1);
    let truncated = false;
    expect(
      eraseTick(
        () => pass(0),
        () => ((truncated = true), pass(0)),
        signals,
        10,
      ),
    ).toBe(false);
    expect(truncated).toBe(false);
    expect(Atomics.load(signals, SIGNAL.GATE)).toBe(0);
  });
});
