/**
 * Per-account quotas: reviews per day (429) and stored bytes (413), each refusal naming the quota, its limit
 * and when it resets; another account is never refused for one account's use; the stored bytes are freed
 * by whatever deletes the reviews. The limits come from the environment, with generous defaults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { purge, storedBytesOf } from '../../api/db/index.js';
import { loadEnv } from '../../api/env.js';
import { purgeCutoffs } from '../../api/retention.js';
import { DEFAULT_QUOTAS } from '../../api/types.js';
import { DAY_MS } from '../../shared/index.js';
import {
  countRows,
  makeFinding,
  makeReport,
  ON_SQLITE,
  openTestDatabase,
  seedAccount,
  startServer,
  T0,
  type TestServer,
} from './helpers.js';
import { databaseAtMigration } from './legacy-database.js';

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

interface QuotaError {
  error: { code: string; message: string; quota: { name: string; limit: number; resetsAt: string | null } };
}

describe('reviews per day', () => {
  it('refuses the review past the limit with 429, naming the quota, its limit and the next UTC midnight', async () => {
    s = await startServer({ config: { quotas: { ...DEFAULT_QUOTAS, reviewsPerDay: 3 } } });
    const a = await seedAccount(s.db, { name: 'busy' });
    const b = await seedAccount(s.db, { name: 'quiet' });
    const post = (key: string) => s!.call('POST', '/v1/reviews', { key, body: makeReport() });
    for (let i = 0; i < 3; i += 1) expect((await post(a.key)).status).toBe(201);
    const refused = await post(a.key);
    expect(refused.status).toBe(429);
    const midnight = new Date(Date.UTC(2025, 2, 2));
    expect((refused.json as QuotaError).error).toMatchObject({
      code: 'quota_exceeded',
      quota: { name: 'reviews_per_day', limit: 3, resetsAt: midnight.toISOString() },
    });
    expect(refused.headers.get('retry-after')).toBe(String((midnight.getTime() - T0.getTime()) / 1000));
    // Nothing of the refused review was stored; another account is not affected.
    expect(await countRows(s.db, 'reviews')).toBe(3);
    expect((await post(b.key)).status).toBe(201);
    // The next UTC day, the account reports again.
    s.time.set(midnight);
    expect((await post(a.key)).status).toBe(201);
  });
});

describe('stored bytes', () => {
  const body = 'b'.repeat(3_000);
  const report = (repository: string) =>
    makeReport({
      repository,
      findings: Array.from({ length: 10 }, (_, i) => makeFinding({ line: i + 1, body })),
    });

  it('refuses a review that would pass the limit with 413, naming it and when the oldest review is freed', async () => {
    // Room for three such reviews (about 31 KB each), not four.
    s = await startServer({ config: { quotas: { ...DEFAULT_QUOTAS, storedBytes: 100_000 } } });
    const a = await seedAccount(s.db, { name: 'hoarder' });
    const b = await seedAccount(s.db, { name: 'other' });
    const post = (key: string, repository: string) =>
      s!.call('POST', '/v1/reviews', { key, body: report(repository) });
    expect((await post(a.key, 'octo/one')).status).toBe(201);
    s.time.advance(60_000);
    expect((await post(a.key, 'octo/two')).status).toBe(201);
    expect((await post(a.key, 'octo/two')).status).toBe(201);
    const refused = await post(a.key, 'octo/two');
    expect(refused.status).toBe(413);
    expect((refused.json as QuotaError).error).toMatchObject({
      code: 'quota_exceeded',
      quota: {
        name: 'stored_bytes',
        limit: 100_000,
        resetsAt: new Date(T0.getTime() + 30 * DAY_MS).toISOString(),
      },
    });
    expect((await post(b.key, 'octo/two')).status).toBe(201);

    // A disconnection frees what it deleted.
    expect((await s.call('DELETE', '/v1/repositories/octo/one', { key: a.key })).status).toBe(204);
    expect((await post(a.key, 'octo/two')).status).toBe(201);
    expect((await post(a.key, 'octo/two')).status).toBe(413);

    // So does the purge of expired reviews.
    await purge(s.db, purgeCutoffs(new Date(T0.getTime() + 31 * DAY_MS)));
    s.time.set(new Date(T0.getTime() + 31 * DAY_MS));
    expect((await post(a.key, 'octo/two')).status).toBe(201);
  });

  it('refuses a review larger than the whole quota, with no reset to wait for', async () => {
    s = await startServer({ config: { quotas: { ...DEFAULT_QUOTAS, storedBytes: 10_000 } } });
    const a = await seedAccount(s.db, { name: 'small' });
    const refused = await s.call('POST', '/v1/reviews', { key: a.key, body: report('octo/big') });
    expect(refused.status).toBe(413);
    expect((refused.json as QuotaError).error.quota).toEqual({
      name: 'stored_bytes',
      limit: 10_000,
      resetsAt: null,
    });
  });
});

describe('quota settings', () => {
  it('are read from QUOTA_REVIEWS_PER_DAY and QUOTA_STORED_MB, with generous defaults', () => {
    expect(loadEnv({}).config.quotas).toEqual(DEFAULT_QUOTAS);
    expect(DEFAULT_QUOTAS.reviewsPerDay).toBeGreaterThanOrEqual(1_000);
    expect(DEFAULT_QUOTAS.storedBytes).toBeGreaterThanOrEqual(1024 ** 3);
    expect(loadEnv({ QUOTA_REVIEWS_PER_DAY: '50', QUOTA_STORED_MB: '20' }).config.quotas).toEqual({
      reviewsPerDay: 50,
      storedBytes: 20 * 1024 * 1024,
    });
    expect(() => loadEnv({ QUOTA_REVIEWS_PER_DAY: '0' })).toThrow(/QUOTA_REVIEWS_PER_DAY/);
  });
});

// A SQLite file from before the migration: PostgreSQL's schema began after it.
describe.skipIf(!ON_SQLITE)('migration 0003 (account quotas) on a 0002 database holding data', () => {
  it("counts the reviews already stored, in UTF-8 bytes as the API does, and today's reviews", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffray-quotas-'));
    try {
      const path = join(dir, 'from-0002.db');
      const q = databaseAtMigration(path, '0002_findings_by_row_range');
      q.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'a', 0)").run();
      q.prepare(
        "INSERT INTO repositories (id, account_id, full_name, name_key, created_at) VALUES ('repo', 'acc', 'o/r', 'o/r', 0)",
      ).run();
      const now = Date.now();
      const reports = [
        { id: 'today', at: now, report: makeReport({ findings: [makeFinding({ body: 'déjà vu 🙂' })] }) },
        { id: 'old', at: now - 3 * DAY_MS, report: makeReport({ findings: [makeFinding(), makeFinding()] }) },
        { id: 'none', at: now - DAY_MS, report: makeReport({ findings: [] }) },
      ];
      let row = 0;
      for (const { id, at, report } of reports) {
        const first = report.findings.length > 0 ? row + 1 : null;
        for (const f of report.findings) {
          row += 1;
          q.prepare(
            `INSERT INTO findings (row_id, review_id, path, line, severity, category, title, body, fingerprint)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(row, id, f.path, f.line, f.severity, f.category, f.title, f.body, f.fingerprint);
        }
        q.prepare(
          `INSERT INTO reviews (id, account_id, repository_id, pull_request, head_sha, base_sha, status, conclusion,
             model, tokens_input, tokens_cache_write, tokens_cache_read, tokens_output, cost_usd, duration_ms,
             files_reviewed, files_skipped, lines_reviewed, lines_changed, critical, high, medium, low, created_at,
             expires_at, findings_first, findings_last)
           VALUES (?, 'acc', 'repo', 1, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?, ?, ?, ?)`,
        ).run(
          id,
          report.headSha,
          report.baseSha,
          report.status,
          report.conclusion,
          report.model,
          at,
          at + 30 * DAY_MS,
          first,
          first === null ? null : row,
        );
      }
      q.close();

      const db = openTestDatabase(path);
      try {
        const stored = db.sqlite.prepare('SELECT id, stored_bytes AS bytes FROM reviews ORDER BY id').all();
        expect(stored).toEqual(
          reports
            .map(({ id, report }) => ({ id, bytes: storedBytesOf(report) }))
            .sort((a, b) => a.id.localeCompare(b.id)),
        );
        expect(db.sqlite.prepare('SELECT * FROM account_usage').all()).toEqual([
          {
            account_id: 'acc',
            day: new Date(now).toISOString().slice(0, 10),
            reviews_on_day: 1,
            stored_bytes: reports.reduce((n, r) => n + storedBytesOf(r.report), 0),
          },
        ]);
        // What a deletion frees comes back through the trigger.
        db.sqlite.prepare("DELETE FROM reviews WHERE id = 'old'").run();
        expect(db.sqlite.prepare('SELECT stored_bytes AS bytes FROM account_usage').get()).toEqual({
          bytes: storedBytesOf(reports[0]!.report) + storedBytesOf(reports[2]!.report),
        });
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
