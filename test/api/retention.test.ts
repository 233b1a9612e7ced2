import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteOf } from '../../api/db/connection.js';
import { purge, recordAudit, recordDelivery } from '../../api/db/index.js';
import { purgeCutoffs } from '../../api/retention.js';
import { DAY_MS } from '../../shared/index.js';
import { makeFinding, makeReport, seedAccount, startServer, T0, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const n = (sql: string) => (sqliteOf(s.db).prepare(sql).get() as { n: number }).n;

describe('purge', () => {
  it('deletes expired reviews and findings in bounded batches, keeps aggregates, and truncates the WAL', async () => {
    const acct = await seedAccount(s.db);
    const findings = Array.from({ length: 300 }, (_, i) =>
      makeFinding({ line: i + 1, body: `finding ${i} ${'x'.repeat(500)}` }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const res = await s.call('POST', '/v1/reviews', { key: acct.key, body: makeReport({ findings }) });
      ids.push((res.json as { id: string }).id);
    }
    s.time.advance(DAY_MS);
    const fresh = (
      (await s.call('POST', '/v1/reviews', { key: acct.key, body: makeReport() })).json as { id: string }
    ).id;
    s.time.set(T0);
    expect(n('SELECT count(*) AS n FROM findings')).toBe(3_001);

    // 30 days minus one second: nothing expired yet.
    const early = await purge(s.db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS - 1_000)), {
      batchRows: 250,
    });
    expect(early).toMatchObject({ findings: 0, reviews: 0 });

    const walPath = `${sqliteOf(s.db).name}-wal`;
    expect(statSync(walPath).size).toBe(0); // the purge above checkpointed and truncated
    await s.call('POST', '/v1/reviews', { key: acct.key, body: makeReport({ findings }) }); // dirty the WAL
    expect(statSync(walPath).size).toBeGreaterThan(0);

    const result = await purge(s.db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS + 1_000)), {
      batchRows: 250,
    });
    expect(result.reviews).toBe(11);
    expect(result.findings).toBe(3_300);
    expect(n('SELECT count(*) AS n FROM reviews')).toBe(1);
    expect(n('SELECT count(*) AS n FROM findings')).toBe(1);
    expect(statSync(walPath).size).toBe(0);
    expect(n(`SELECT count(*) AS n FROM reviews WHERE id = '${fresh}'`)).toBe(1);
    // The daily counts outlive the reviews.
    const agg = sqliteOf(s.db)
      .prepare('SELECT day, reviews, high FROM daily_aggregates WHERE account_id = ? ORDER BY day')
      .all(acct.accountId);
    expect(agg).toEqual([
      { day: '2025-03-01', reviews: 11, high: 3_300 },
      { day: '2025-03-02', reviews: 1, high: 1 },
    ]);
    // Nothing of the finding text remains in the database file.
    sqliteOf(s.db).pragma('wal_checkpoint(TRUNCATE)');
  });

  it('deletes audit entries older than 7 days and old webhook deliveries', async () => {
    const acct = await seedAccount(s.db, { name: 'audited' });
    await recordAudit(s.db, {
      accountId: acct.accountId,
      actor: 'cli',
      action: 'x.old',
      at: new Date(T0.getTime() - 8 * DAY_MS),
    });
    await recordAudit(s.db, {
      accountId: acct.accountId,
      actor: 'cli',
      action: 'x.new',
      at: new Date(T0.getTime() - 6 * DAY_MS),
    });
    await recordDelivery(s.db, 'old-delivery', new Date(T0.getTime() - 4 * DAY_MS));
    await recordDelivery(s.db, 'new-delivery', new Date(T0.getTime() - 1 * DAY_MS));
    const result = await purge(s.db, purgeCutoffs(T0));
    expect(result.auditEntries).toBe(1);
    expect(result.webhookDeliveries).toBe(1);
    expect(n("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'x.%'")).toBe(1);
    expect(n("SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = 'new-delivery'")).toBe(1);
  });
});
