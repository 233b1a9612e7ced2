/**
 * Findings stored by row range (api/db/schema.ts, `findings`): each review's findings on consecutive row ids
 * recorded on the review, read and deleted through that range (guarded by the review id), and deleted with
 * their review by the trigger `reviews_delete_findings` whatever deletes the review. Plus migration 0002 from
 * a 0001 database holding data.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createAccount,
  deleteRepository,
  exportPages,
  getReview,
  purge,
  type SqliteDb,
} from '../../api/db/index.js';
import { purgeCutoffs, reviewExpiresAt } from '../../api/retention.js';
import { DAY_MS, type ReportedFinding } from '../../shared/index.js';
import { makeFinding, seedReview, T0, openTestDatabase } from './helpers.js';
import { databaseAtMigration } from './legacy-database.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-findings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let open: SqliteDb[] = [];
afterEach(async () => {
  for (const db of open) await db.close();
  open = [];
});
let dbs = 0;
function freshDb(): SqliteDb {
  const db = openTestDatabase(join(dir, `db-${(dbs += 1)}.db`));
  open.push(db);
  return db;
}

const all = <T>(db: SqliteDb, sql: string, ...params: unknown[]) =>
  db.sqlite.prepare(sql).all(...params) as T[];
const one = <T>(db: SqliteDb, sql: string, ...params: unknown[]) =>
  db.sqlite.prepare(sql).get(...params) as T;
const count = (db: SqliteDb, sql: string, ...params: unknown[]) => one<{ n: number }>(db, sql, ...params).n;

/** The schema of migration 0002: the trigger that deletes a review's findings, no per-finding index. */
function expectRangeStorage(db: SqliteDb): void {
  const objects = (where: string) => count(db, `SELECT count(*) AS n FROM sqlite_master WHERE ${where}`);
  expect(objects("type = 'trigger' AND name = 'reviews_delete_findings'")).toBe(1);
  expect(objects("name = 'findings_review_idx'")).toBe(0);
}

/** `n` findings whose titles say their report order; some share a path and line (the tie-break is report order). */
const findingsOf = (tag: string, n: number): ReportedFinding[] =>
  Array.from({ length: n }, (_, k) =>
    makeFinding({
      path: `src/${tag}.ts`,
      line: 10 + (k % 3),
      title: `${tag} #${k}`,
      body: `<${tag}> ${k} ${'x'.repeat(200)}`,
    }),
  );

/** What a read must return for findings reported in this order: by path, then line, then report order. */
const expectedTitles = (findings: ReportedFinding[]) =>
  findings
    .map((f, k) => ({ f, k }))
    .sort((a, b) => a.f.path.localeCompare(b.f.path) || a.f.line - b.f.line || a.k - b.k)
    .map(({ f }) => f.title);

const rangeOf = (db: SqliteDb, id: string) =>
  one<{ first: number | null; last: number | null }>(
    db,
    'SELECT findings_first AS first, findings_last AS last FROM reviews WHERE id = ?',
    id,
  );

describe('findings stored by row range', () => {
  it('gives each review consecutive row ids above every existing one, and reads keep the report order on ties', async () => {
    const db = freshDb();
    const accountId = (await createAccount(db, 'a', T0)).id;
    const a = findingsOf('a', 7);
    const b = findingsOf('b', 5);
    const idA = await seedReview(db, accountId, a);
    const idB = await seedReview(db, accountId, b);
    const idNone = await seedReview(db, accountId, []);
    expect(rangeOf(db, idA)).toEqual({ first: 1, last: 7 });
    expect(rangeOf(db, idB)).toEqual({ first: 8, last: 12 });
    expect(rangeOf(db, idNone)).toEqual({ first: null, last: null });
    expect(all(db, 'SELECT review_id FROM findings WHERE row_id BETWEEN 1 AND 7')).toEqual(
      Array.from({ length: 7 }, () => ({ review_id: idA })),
    );
    expect((await getReview(db, { accountId, id: idA, now: T0 }))!.findings.map((f) => f.title)).toEqual(
      expectedTitles(a),
    );
    expect((await getReview(db, { accountId, id: idB, now: T0 }))!.findings.map((f) => f.title)).toEqual(
      expectedTitles(b),
    );
    expect((await getReview(db, { accountId, id: idNone, now: T0 }))!.findings).toEqual([]);
    // The range is internal: not in the review read, nor in the export.
    expect((await getReview(db, { accountId, id: idA, now: T0 }))!.review).not.toHaveProperty(
      'findingsFirst',
    );
    const pages = [];
    for await (const page of exportPages(db, accountId, T0)) pages.push(page);
    const exported = JSON.stringify(pages);
    expect(exported).not.toMatch(/findingsFirst|findingsLast|findings_first|row_?id/i);
    expect(exported).toContain('a #6');
  });

  it('purges exactly the expired reviews and their findings at any batch size, interleaved with live ones', async () => {
    const sizes = [0, 1, 3, 50, 12, 0, 7, 49, 2];
    for (const batchRows of [1, 4, 50, 51, 100, 5_000]) {
      const db = freshDb();
      const accountId = (await createAccount(db, 'a', T0)).id;
      const expired: string[] = [];
      const live: { id: string; findings: ReportedFinding[] }[] = [];
      let expiredFindings = 0;
      for (let r = 0; r < 30; r += 1) {
        const n = sizes[r % sizes.length]!;
        const findings = findingsOf(`r${r}`, n);
        // Every third review is a day younger: alive at the purge below.
        if (r % 3 === 2) {
          live.push({
            id: await seedReview(db, accountId, findings, new Date(T0.getTime() + DAY_MS)),
            findings,
          });
        } else {
          expired.push(await seedReview(db, accountId, findings));
          expiredFindings += n;
        }
      }
      // Each review's sealed texts, whose bytes must leave the file with the review.
      const sealedTexts = new Map(
        all<{ review_id: string; sealed: Buffer }>(db, 'SELECT review_id, sealed FROM finding_texts').map(
          (r) => [r.review_id, r.sealed],
        ),
      );
      const result = await purge(db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS)), { batchRows });
      expect(result, `batchRows ${batchRows}`).toMatchObject({
        reviews: expired.length,
        findings: expiredFindings,
      });
      for (const id of expired) {
        expect(count(db, 'SELECT count(*) AS n FROM reviews WHERE id = ?', id)).toBe(0);
        expect(count(db, 'SELECT count(*) AS n FROM findings WHERE review_id = ?', id)).toBe(0);
      }
      const now = new Date(T0.getTime() + 30 * DAY_MS);
      for (const { id, findings } of live) {
        expect((await getReview(db, { accountId, id, now }))!.findings.map((f) => f.title)).toEqual(
          expectedTitles(findings),
        );
      }
      expect(count(db, 'SELECT count(*) AS n FROM findings')).toBe(
        live.reduce((n, r) => n + r.findings.length, 0),
      );
      // Nothing of the purged text is left in the file, not even sealed (secure_delete zeroed it, free
      // pages included), and the WAL was checkpointed and truncated. No text is there in plaintext at all.
      expect(statSync(`${db.path}-wal`).size).toBe(0);
      const file = readFileSync(db.path);
      const liveIds = new Set(live.map((r) => r.id));
      expect(sealedTexts.size).toBe(
        Array.from({ length: 30 }, (_, r) => sizes[r % sizes.length]!).filter(Boolean).length,
      );
      for (const [id, sealed] of sealedTexts) expect(file.includes(sealed), id).toBe(liveIds.has(id));
      for (let r = 0; r < 30; r += 1) expect(file.includes(`<r${r}>`), `r${r}`).toBe(false);
    }
  });

  it('never shows nor deletes another review’s findings, even through a wrong range', async () => {
    const db = freshDb();
    const accountId = (await createAccount(db, 'a', T0)).id;
    const a = await seedReview(db, accountId, findingsOf('a', 3));
    const b = await seedReview(db, accountId, findingsOf('b', 3), new Date(T0.getTime() + DAY_MS));
    // Corrupt a's range so that it covers b's findings too.
    db.sqlite.prepare('UPDATE reviews SET findings_last = 6 WHERE id = ?').run(a);
    expect((await getReview(db, { accountId, id: a, now: T0 }))!.findings.map((f) => f.title)).toEqual(
      expectedTitles(findingsOf('a', 3)),
    );
    const result = await purge(db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS)));
    expect(result).toMatchObject({ reviews: 1, findings: 3 });
    expect((await getReview(db, { accountId, id: b, now: T0 }))!.findings).toHaveLength(3);
  });

  it('deletes a review’s findings whatever deletes the review: the trigger, through cascades too', async () => {
    const db = freshDb();
    expectRangeStorage(db);
    const accountId = (await createAccount(db, 'a', T0)).id;
    const plain = await seedReview(db, accountId, findingsOf('plain', 4));
    const gone = await seedReview(db, accountId, findingsOf('gone', 5), T0, 'octo/gone');
    const kept = await seedReview(db, accountId, findingsOf('kept', 6), T0, 'octo/kept');
    db.sqlite.prepare('DELETE FROM reviews WHERE id = ?').run(plain);
    expect(count(db, 'SELECT count(*) AS n FROM findings WHERE review_id = ?', plain)).toBe(0);
    // Repository disconnect: repositories → reviews (FK cascade) → findings (trigger).
    expect(await deleteRepository(db, accountId, 'octo/gone')).toBe('octo/gone');
    expect(count(db, 'SELECT count(*) AS n FROM findings WHERE review_id = ?', gone)).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM findings WHERE review_id = ?', kept)).toBe(6);
    // Account deletion: accounts → reviews → findings.
    db.sqlite.prepare('DELETE FROM accounts WHERE id = ?').run(accountId);
    expect(count(db, 'SELECT count(*) AS n FROM findings')).toBe(0);
  });

  it('purges a deleted account’s live reviews with their findings, in batches, and no other account’s', async () => {
    const db = freshDb();
    const leaver = (await createAccount(db, 'leaver', T0)).id;
    const stays = (await createAccount(db, 'stays', T0)).id;
    const later = new Date(T0.getTime() + 20 * DAY_MS);
    for (let r = 0; r < 9; r += 1) await seedReview(db, leaver, findingsOf(`l${r}`, 40), later);
    const survivor = await seedReview(db, stays, findingsOf('s', 10), later);
    db.sqlite
      .prepare('UPDATE accounts SET deleted_at = ?, purge_after = ? WHERE id = ?')
      .run(T0.getTime(), T0.getTime() + 30 * DAY_MS, leaver);
    const result = await purge(db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS)), { batchRows: 100 });
    expect(result).toMatchObject({ accounts: 1, reviews: 9, findings: 360 });
    expect(count(db, 'SELECT count(*) AS n FROM reviews WHERE account_id = ?', leaver)).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM findings')).toBe(10);
    expect((await getReview(db, { accountId: stays, id: survivor, now: later }))!.findings).toHaveLength(10);
  });
});

describe('migration 0002 (findings by row range) on a 0001 database holding data', () => {
  it('renumbers each review’s findings into one range, keeps their content and order, drops orphans', async () => {
    const path = join(dir, 'from-0001.db');
    const s = databaseAtMigration(path, '0001_findings_expiry_by_review');
    s.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('acc', 'a', ?)").run(T0.getTime());
    s.prepare(
      "INSERT INTO repositories (id, account_id, full_name, name_key, created_at) VALUES ('repo', 'acc', 'octo/x', 'octo/x', ?)",
    ).run(T0.getTime());
    const review = s.prepare(
      `INSERT INTO reviews (id, account_id, repository_id, pull_request, head_sha, base_sha, status, conclusion, model,
         tokens_input, tokens_cache_write, tokens_cache_read, tokens_output, cost_usd, duration_ms, files_reviewed,
         files_skipped, lines_reviewed, lines_changed, critical, high, medium, low, created_at, expires_at)
       VALUES (?, 'acc', 'repo', 1, 'h', 'b', 'completed', 'success', 'm', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?, ?)`,
    );
    const ids = ['r-one', 'r-two', 'r-empty', 'r-three'];
    ids.forEach((id, i) =>
      review.run(id, T0.getTime() + i, reviewExpiresAt(new Date(T0.getTime() + i)).getTime()),
    );
    const finding = s.prepare(
      `INSERT INTO findings (row_id, review_id, path, start_line, line, severity, category, title, body, fingerprint)
       VALUES (?, ?, ?, ?, ?, 'low', 'style', ?, ?, 'fp')`,
    );
    // Interleaved (as two writers' rows never were, but nothing in 0001 forbade it), with gaps and ties.
    const rows: [number, string, string, number][] = [
      [3, 'r-one', 'src/b.ts', 5],
      [4, 'r-two', 'src/a.ts', 1],
      [9, 'r-one', 'src/a.ts', 7],
      [10, 'r-one', 'src/b.ts', 5],
      [11, 'r-three', 'src/c.ts', 2],
      [12, 'r-two', 'src/a.ts', 1],
      [20, 'r-one', 'src/a.ts', 7],
    ];
    for (const [rowId, reviewId, file, line] of rows)
      finding.run(
        rowId,
        reviewId,
        file,
        line % 2 ? line - 1 : null,
        line,
        `${reviewId}@${rowId}`,
        `body of ${rowId}`,
      );
    s.pragma('foreign_keys = OFF');
    finding.run(15, 'r-deleted-long-ago', 'src/z.ts', null, 1, 'orphan', 'orphan body');
    s.pragma('foreign_keys = ON');
    const readOld = (id: string) =>
      s
        .prepare(
          'SELECT path, start_line, line, severity, category, title, body, fingerprint FROM findings WHERE review_id = ? ORDER BY path, line, row_id',
        )
        .all(id);
    const expected = Object.fromEntries(ids.map((id) => [id, readOld(id)]));
    s.close();

    const db = openTestDatabase(path);
    open.push(db);
    const ranges = all<{ id: string; first: number | null; last: number | null }>(
      db,
      'SELECT id, findings_first AS first, findings_last AS last FROM reviews ORDER BY id',
    );
    // In the order of each review's first finding: r-one (3), r-two (4), r-three (11).
    expect(ranges).toEqual([
      { id: 'r-empty', first: null, last: null },
      { id: 'r-one', first: 1, last: 4 },
      { id: 'r-three', first: 7, last: 7 },
      { id: 'r-two', first: 5, last: 6 },
    ]);
    for (const id of ids) {
      const review = await getReview(db, { accountId: 'acc', id, now: T0 });
      expect(
        review!.findings.map((f) => ({
          path: f.path,
          start_line: f.startLine,
          line: f.line,
          severity: f.severity,
          category: f.category,
          title: f.title,
          body: f.body,
          fingerprint: f.fingerprint,
        })),
        id,
      ).toEqual(expected[id]);
    }
    expect(count(db, "SELECT count(*) AS n FROM findings WHERE review_id = 'r-deleted-long-ago'")).toBe(0);
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    // The old table's pages were zeroed when it was dropped: the orphan's text is nowhere in the file, and
    // the others' text is there only sealed (migration 0003).
    expect(readFileSync(path, 'latin1')).not.toContain('orphan body');
    expect(readFileSync(path, 'latin1')).not.toContain('body of 20');
    expect(count(db, 'SELECT count(*) AS n FROM findings')).toBe(rows.length);
    expectRangeStorage(db);
    expect(db.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');

    // New reviews go above the renumbered rows, and the purge works on migrated data.
    const fresh = await seedReview(
      db,
      'acc',
      findingsOf('new', 2),
      new Date(T0.getTime() + DAY_MS),
      'octo/x',
    );
    expect(rangeOf(db, fresh)).toEqual({ first: 8, last: 9 });
    const result = await purge(db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS + 10)));
    expect(result).toMatchObject({ reviews: 4, findings: rows.length });
    expect(count(db, 'SELECT count(*) AS n FROM findings')).toBe(2);
  });
});
