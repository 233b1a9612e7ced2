/**
 * Data key rotation (README, "Rotating the data key"): with `DATA_ENCRYPTION_KEY=<new>,<old>` new values
 * are sealed with the new key and the old ones stay readable; re-encryption moves them in pages while
 * reviews keep being ingested, then retires the old key, which may then leave the list. A database is
 * refused a key list that lacks a key its values are still sealed with.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createAccount,
  dailyTotals,
  dataKeyIds,
  findRepository,
  getReview,
  insertReview,
  listMembers,
  MissingDataKeyError,
  needsReencryption,
  openPgDatabase,
  putConfig,
  recordAudit,
  reencrypt,
  type SqliteDb,
} from '../../api/db/index.js';
import { kidOf } from '../../api/db/envelope.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { ENGINES, TEST_POOL, useFreshDatabases } from '../support/engines.js';
import { exportedData, makeFinding, makeReport, openTestDatabase, T0 } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OLD = randomBytes(32);
const NEW = randomBytes(32);

/** The id of the key that sealed every sealed value in the database, by column (`table.column`). */
function sealingKeys(db: SqliteDb): Record<string, string[]> {
  const columns = [
    ['accounts', 'name'],
    ['users', 'login'],
    ['api_keys', 'name'],
    ['repositories', 'full_name'],
    ['configs', 'yaml'],
    ['audit_log', 'target'],
    ['audit_log', 'client_address'],
    ['finding_texts', 'sealed'],
  ] as const;
  return Object.fromEntries(
    columns.map(([table, column]) => {
      const values = db.sqlite
        .prepare(`SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL`)
        .pluck()
        .all();
      return [
        `${table}.${column}`,
        [...new Set(values.map((v) => kidOf(v as string | Uint8Array) ?? 'plaintext'))],
      ];
    }),
  );
}

let n = 0;
async function seeded(keys: Uint8Array[]) {
  const path = join(dir, `r-${(n += 1)}.db`);
  const db = openTestDatabase(path, { dataKeys: keys });
  const accountId = (await createAccount(db, 'Acme', T0)).id;
  await addMember(db, { accountId, login: 'Mona', role: 'admin', now: T0 });
  await putConfig(db, accountId, 'octo/hello', 'fail-on: high\n', T0);
  await recordAudit(db, {
    accountId,
    actor: 'cli',
    action: 'x',
    target: 'octo/hello',
    clientAddress: '::1',
    at: T0,
  });
  const ids: string[] = [];
  for (let i = 0; i < 40; i += 1) {
    const report = makeReport({ findings: [makeFinding({ title: `old #${i}` })] });
    ids.push(await insertReview(db, { accountId, report, now: T0, expiresAt: reviewExpiresAt(T0) }));
  }
  return { path, db, accountId, ids };
}

describe('rotating the data key', () => {
  it('seals new values with the newest key, reads the old ones, re-encrypts them and retires the old key', async () => {
    const before = await seeded([OLD]);
    const [oldKid] = dataKeyIds(before.db);
    await before.db.close();

    const db = openTestDatabase(before.path, { dataKeys: [NEW, OLD] });
    const [newKid] = dataKeyIds(db);
    expect(new Set(Object.values(sealingKeys(db)).flat())).toEqual(new Set([oldKid]));
    expect(await needsReencryption(db)).toBe(true);
    // Old values read; new ones sealed with the new key, found beside the old ones.
    expect(
      (await getReview(db, { accountId: before.accountId, id: before.ids[0]!, now: T0 }))!.findings[0]!.title,
    ).toBe('old #0');
    const fresh = await insertReview(db, {
      accountId: before.accountId,
      report: makeReport({ findings: [makeFinding({ title: 'new' })] }),
      now: T0,
      expiresAt: reviewExpiresAt(T0),
    });
    expect(sealingKeys(db)['finding_texts.sealed']!.sort()).toEqual([newKid, oldKid].sort());
    expect(await findRepository(db, before.accountId, 'OCTO/hello')).toBeDefined();
    expect(
      await dailyTotals(db, {
        accountId: before.accountId,
        sinceDay: '2025-01-01',
        repository: 'octo/hello',
      }),
    ).toEqual([expect.objectContaining({ reviews: 41 })]);

    const result = await reencrypt(db, { now: () => T0, minPauseMs: 0 });
    expect(result.retired).toEqual([oldKid]);
    expect(result.resealed).toBe(1 + 1 + 1 + 1 + 2 + 40); // account, login, repository, config, audit, texts
    expect(new Set(Object.values(sealingKeys(db)).flat())).toEqual(new Set([newKid]));
    expect(await needsReencryption(db)).toBe(false);
    const exported = (await exportedData(db, before.accountId, T0))!;
    expect(exported.reviews.map((r) => (r.findings as { title: string }[])[0]!.title).sort()).toEqual(
      [...before.ids.map((_, i) => `old #${i}`), 'new'].sort(),
    );
    expect(exported.dailyAggregates).toEqual([
      expect.objectContaining({ repository: 'octo/hello', reviews: 41 }),
    ]);
    expect((await listMembers(db, before.accountId)).map((m) => m.login)).toEqual(['Mona']);
    expect(
      (await getReview(db, { accountId: before.accountId, id: fresh, now: T0 }))!.findings[0]!.title,
    ).toBe('new');
    await db.close();

    // The old key may now go.
    const after = openTestDatabase(before.path, { dataKeys: [NEW] });
    expect(await findRepository(after, before.accountId, 'octo/hello')).toBeDefined();
    await after.close();
  });

  it('refuses to open with a key list that lacks a key values are still sealed with, naming it', async () => {
    const before = await seeded([OLD]);
    const [oldKid] = dataKeyIds(before.db);
    await before.db.close();
    expect(() => openTestDatabase(before.path, { dataKeys: [NEW] })).toThrow(MissingDataKeyError);
    expect(() => openTestDatabase(before.path, { dataKeys: [NEW] })).toThrow(oldKid);
    // Nothing was written by the refused opens: the right keys still open it.
    const db = openTestDatabase(before.path, { dataKeys: [OLD] });
    expect(await needsReencryption(db)).toBe(false);
    await db.close();
  });

  it('re-encrypts in the background while reviews keep being ingested, none refused or held for long', async () => {
    const before = await seeded([OLD]);
    await before.db.close();
    const db = openTestDatabase(before.path, { dataKeys: [NEW, OLD] });
    const [newKid] = dataKeyIds(db);
    const ingest = async (title: string) =>
      await insertReview(db, {
        accountId: before.accountId,
        report: makeReport({ findings: [makeFinding({ title })] }),
        now: T0,
        expiresAt: reviewExpiresAt(T0),
      });
    await ingest('warm-up'); // the writer thread is started, so the ingests below overlap the pages
    let finished = false;
    const running = reencrypt(db, { now: () => T0, minPauseMs: 30 }).finally(() => (finished = true));
    let overlapped = 0;
    const waits: number[] = [];
    const ingested: string[] = [];
    for (let i = 0; i < 15; i += 1) {
      const started = performance.now();
      ingested.push(await ingest(`during #${i}`));
      waits.push(performance.now() - started);
      if (!finished) overlapped += 1;
    }
    const result = await running;
    expect(result.retired).toHaveLength(1);
    expect(overlapped).toBeGreaterThan(0);
    expect(Math.max(...waits)).toBeLessThan(2_000);
    expect(new Set(Object.values(sealingKeys(db)).flat())).toEqual(new Set([newKid]));
    for (const [i, id] of ingested.entries())
      expect((await getReview(db, { accountId: before.accountId, id, now: T0 }))!.findings[0]!.title).toBe(
        `during #${i}`,
      );
    await db.close();
  });

  it('stops between pages when asked, retiring nothing; a later run finishes', async () => {
    const before = await seeded([OLD]);
    await before.db.close();
    const db = openTestDatabase(before.path, { dataKeys: [NEW, OLD] });
    const stop = new AbortController();
    stop.abort();
    expect(await reencrypt(db, { now: () => T0, signal: stop.signal })).toEqual({
      resealed: 0,
      retired: [],
    });
    expect(await needsReencryption(db)).toBe(true);
    expect((await reencrypt(db, { now: () => T0, minPauseMs: 0 })).retired).toHaveLength(1);
    await db.close();
  });
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skip)(`whether re-encryption is needed, on ${engine.name}`, () => {
    const fresh = useFreshDatabases(engine.name);

    it('is so while a key older than the newest is not retired, which serve asks at every start', async () => {
      const { db, url } = await fresh([OLD]);
      expect(await needsReencryption(db)).toBe(false);
      // A second instance, started with a new key in front.
      const rotated =
        engine.name === 'sqlite'
          ? openTestDatabase(url, { dataKeys: [NEW, OLD] })
          : await openPgDatabase(url, { dataKeys: [NEW, OLD], pool: TEST_POOL });
      try {
        expect(await needsReencryption(rotated)).toBe(true);
      } finally {
        await rotated.close();
      }
    });
  });
}
