/**
 * Data key rotation (README, "Rotating the data key"): with `DATA_ENCRYPTION_KEY=<new>,<old>` new values
 * are sealed with the new key and the old ones stay readable; re-encryption moves them in pages while
 * reviews keep being ingested, then retires the old key, which may then leave the list. A database is
 * refused a key list that lacks a key its values are still sealed with. On both engines.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
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
  putConfig,
  recordAudit,
  reencrypt,
  type DiffrayDb,
} from '../../api/db/index.js';
import { pgOf } from '../../api/db/connection.js';
import { Keyring, kidOf } from '../../api/db/envelope.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { ENGINES, useFreshDatabases, type FreshDatabase } from '../support/engines.js';
import { SKIP_POSTGRES } from '../support/postgres.js';
import { exportedData, makeFinding, makeReport, rowsOf, T0 } from './helpers.js';
import { BIN } from './serve-process.js';

const OLD = randomBytes(32);
const NEW = randomBytes(32);

/** The id of the key that sealed every sealed value in the database, by column (`table.column`). */
async function sealingKeys(db: DiffrayDb): Promise<Record<string, string[]>> {
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
  const keys: Record<string, string[]> = {};
  for (const [table, column] of columns) {
    const rows = await rowsOf<{ v: string | Uint8Array }>(
      db,
      `SELECT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`,
    );
    keys[`${table}.${column}`] = [...new Set(rows.map((r) => kidOf(r.v) ?? 'plaintext'))];
  }
  return keys;
}

async function seeded(newDatabase: (keys: Uint8Array[]) => Promise<FreshDatabase>, keys: Uint8Array[]) {
  const { db, url, reopen } = await newDatabase(keys);
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
  return { url, reopen, db, accountId, ids };
}

for (const engine of ENGINES)
  describe.skipIf(engine.skip)(`rotating the data key on ${engine.name}`, () => {
    const newDatabase = useFreshDatabases(engine.name);

    it('seals new values with the newest key, reads the old ones, re-encrypts them and retires the old key', async () => {
      const before = await seeded(newDatabase, [OLD]);
      const [oldKid] = dataKeyIds(before.db);

      const db = await before.reopen([NEW, OLD]);
      const [newKid] = dataKeyIds(db);
      expect(new Set(Object.values(await sealingKeys(db)).flat())).toEqual(new Set([oldKid]));
      expect(await needsReencryption(db)).toBe(true);
      // Old values read; new ones sealed with the new key, found beside the old ones.
      expect(
        (await getReview(db, { accountId: before.accountId, id: before.ids[0]!, now: T0 }))!.findings[0]!
          .title,
      ).toBe('old #0');
      const fresh = await insertReview(db, {
        accountId: before.accountId,
        report: makeReport({ findings: [makeFinding({ title: 'new' })] }),
        now: T0,
        expiresAt: reviewExpiresAt(T0),
      });
      expect((await sealingKeys(db))['finding_texts.sealed']!.sort()).toEqual([newKid, oldKid].sort());
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
      expect(new Set(Object.values(await sealingKeys(db)).flat())).toEqual(new Set([newKid]));
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

      // The old key may now go: everything reads with the new one alone.
      const after = await before.reopen([NEW]);
      expect(await findRepository(after, before.accountId, 'octo/hello')).toBeDefined();
      expect(await exportedData(after, before.accountId, T0)).toEqual(exported);
    });

    it('refuses to open with a key list that lacks a key values are still sealed with, naming it', async () => {
      const before = await seeded(newDatabase, [OLD]);
      const [oldKid] = dataKeyIds(before.db);
      await expect(before.reopen([NEW])).rejects.toThrow(MissingDataKeyError);
      await expect(before.reopen([NEW])).rejects.toThrow(oldKid);
      // Nothing was written by the refused opens: the right keys still open it.
      const db = await before.reopen([OLD]);
      expect(await needsReencryption(db)).toBe(false);
    });

    it('re-encrypts in the background while reviews keep being ingested, none refused or held for long', async () => {
      const before = await seeded(newDatabase, [OLD]);
      const db = await before.reopen([NEW, OLD]);
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
      expect(new Set(Object.values(await sealingKeys(db)).flat())).toEqual(new Set([newKid]));
      // The day's counts, the ingests' during the pass included, are all under the new name key.
      expect(
        await rowsOf(
          db,
          'SELECT repository, reviews FROM daily_aggregates WHERE account_id = ?',
          before.accountId,
        ),
      ).toEqual([{ repository: new Keyring([NEW]).blindIndex('repository', 'octo/hello'), reviews: 56 }]);
      for (const [i, id] of ingested.entries())
        expect((await getReview(db, { accountId: before.accountId, id, now: T0 }))!.findings[0]!.title).toBe(
          `during #${i}`,
        );
    });

    it('stops between pages when asked, retiring nothing; a later run finishes', async () => {
      const before = await seeded(newDatabase, [OLD]);
      const db = await before.reopen([NEW, OLD]);
      const stop = new AbortController();
      stop.abort();
      expect(await reencrypt(db, { now: () => T0, signal: stop.signal })).toEqual({
        resealed: 0,
        retired: [],
      });
      expect(await needsReencryption(db)).toBe(true);
      expect((await reencrypt(db, { now: () => T0, minPauseMs: 0 })).retired).toHaveLength(1);
    });
  });

describe.skipIf(SKIP_POSTGRES)('rotating the data key on postgres: an ingest beside a page', () => {
  const newDatabase = useFreshDatabases('postgres');

  it('diffray-api reencrypt moves a PostgreSQL database to the new key and retires the old', async () => {
    const before = await seeded(newDatabase, [OLD]);
    const [oldKid] = dataKeyIds(before.db);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'reencrypt'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: before.url,
        SESSION_SECRET: randomBytes(48).toString('base64'),
        DATA_ENCRYPTION_KEY: [NEW, OLD].map((k) => k.toString('base64')).join(','),
      },
      timeout: 60_000,
    });
    const newKid = new Keyring([NEW]).currentKid;
    expect(JSON.parse(stdout)).toEqual({ dataKey: newKid, resealed: 46, retired: [oldKid] });
    const after = await before.reopen([NEW]);
    expect(new Set(Object.values(await sealingKeys(after)).flat())).toEqual(new Set([newKid]));
  });

  it('waits for the page that moves its repository to the new name key, then adds to the moved aggregates', async () => {
    const before = await seeded(newDatabase, [OLD]);
    const db = await before.reopen([NEW, OLD]);
    const [oldKey, newKey] = [OLD, NEW].map((k) => new Keyring([k]).blindIndex('repository', 'octo/hello'));
    const pool = pgOf(db);
    // A page's locks and writes on the repositories, held open on a client of its own.
    const page = await pool.connect();
    try {
      await page.query('BEGIN');
      await page.query('SELECT id FROM repositories FOR UPDATE');
      const ingest = insertReview(db, {
        accountId: before.accountId,
        report: makeReport({ findings: [makeFinding({ title: 'beside' })] }),
        now: T0,
        expiresAt: reviewExpiresAt(T0),
      });
      const waiting = async () =>
        (await pool.query<{ n: number }>('SELECT count(*) AS n FROM pg_locks WHERE NOT granted')).rows[0]!.n;
      while ((await waiting()) === 0) await new Promise((resolve) => setImmediate(resolve));
      await page.query('UPDATE daily_aggregates SET repository = $1 WHERE repository = $2', [newKey, oldKey]);
      await page.query('UPDATE repositories SET name_key = $1 WHERE name_key = $2', [newKey, oldKey]);
      await page.query('COMMIT');
      await ingest;
    } finally {
      page.release();
    }
    expect(
      await rowsOf(
        db,
        'SELECT repository, reviews FROM daily_aggregates WHERE account_id = ?',
        before.accountId,
      ),
    ).toEqual([{ repository: newKey, reviews: 41 }]);
  });
});
