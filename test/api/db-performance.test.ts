import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccount, getReview, insertReview } from '../../api/db/index.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { makeFinding, makeReport, T0, openTestDatabase } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-db-perf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = (n: number) =>
  makeReport({ findings: Array.from({ length: n }, (_, i) => makeFinding({ line: i + 1 })) });

describe('database hot paths', () => {
  it('keeps statements per database: two open databases never see each other’s rows', async () => {
    const a = openTestDatabase(join(dir, 'a.db'));
    const b = openTestDatabase(join(dir, 'b.db'));
    try {
      const accountA = (await createAccount(a, 'a', T0)).id;
      const accountB = (await createAccount(b, 'b', T0)).id;
      const input = (accountId: string) => ({
        accountId,
        report: report(3),
        now: T0,
        expiresAt: reviewExpiresAt(T0),
      });
      const idA = await insertReview(a, input(accountA));
      const idB = await insertReview(b, input(accountB));
      expect((await getReview(a, { accountId: accountA, id: idA, now: T0 }))?.findings).toHaveLength(3);
      expect((await getReview(b, { accountId: accountB, id: idB, now: T0 }))?.findings).toHaveLength(3);
      expect(await getReview(a, { accountId: accountA, id: idB, now: T0 })).toBeUndefined();
      expect(await getReview(b, { accountId: accountA, id: idA, now: T0 })).toBeUndefined();
      // Expiry still applies through the prepared statement.
      expect(await getReview(a, { accountId: accountA, id: idA, now: reviewExpiresAt(T0) })).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('checkpoints in the background when asked to, and close() leaves no WAL behind', async () => {
    const path = join(dir, 'bg.db');
    const db = openTestDatabase(path, { backgroundCheckpoints: true });
    const before = statSync(path).size;
    const accountId = (await createAccount(db, 'bg', T0)).id;
    for (let i = 0; i < 20; i += 1)
      await insertReview(db, { accountId, report: report(50), now: T0, expiresAt: reviewExpiresAt(T0) });
    // The serving connection's auto-checkpoint is set far above SQLite's 1,000 pages: the worker copies the
    // WAL back.
    const deadline = Date.now() + 5_000;
    while (statSync(path).size <= before + 100_000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(statSync(path).size).toBeGreaterThan(before + 100_000);
    await db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
