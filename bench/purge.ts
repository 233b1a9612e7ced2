/**
 * The retention purge at several table sizes on both engines, each beside the least that engine's own way
 * of freeing the same rows costs on this disk (its floor), and on PostgreSQL the alternative #13 §5 asks
 * about: reviews, findings and texts partitioned by day, retention dropping whole partitions (a scratch
 * schema of the benchmark's, not the product's). Seeded with raw SQL through the db module, purged with
 * cutoffs from an injected clock. Prints figures through `log`; asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createAccount,
  openDatabase,
  openPgDatabase,
  purge,
  upsertRepository,
  type SqliteDb,
} from '../api/db/index.js';
import { pgOf, type DiffrayDb } from '../api/db/connection.js';
import { associatedData, Keyring } from '../api/db/envelope.js';
import { packTexts } from '../api/db/finding-texts.js';
import { purgeCutoffs } from '../api/retention.js';
import { DAY_MS } from '../shared/index.js';
import { makeFinding } from './lib/report.js';

export interface PurgeFigures {
  engine: 'sqlite' | 'postgres';
  findings: number;
  reviews: number;
  rowsDeleted: number;
  rowsKept: number;
  seedMs: number;
  /** The purge, then (PostgreSQL) VACUUM of its tables, then the checkpoint: what freeing the rows costs. */
  purgeMs: number;
  usPerRow: number;
  /** The same number of rows freed the cheapest way the engine can (`diskFloor`, `pgFloor`), per row. */
  floorUsPerRow: number;
  /** PostgreSQL: `purge()` alone, before VACUUM and the checkpoint. */
  purgeOnlyMs?: number;
  /** PostgreSQL: the same rows in day partitions, dropped whole (`partitionTrial`). */
  partitions?: { dropped: number; ms: number; usPerRow: number };
}

const FINDINGS_PER_REVIEW = 50;

/** The data key of the purge's databases. */
const DATA_KEYS = [randomBytes(32)];
const keyring = new Keyring(DATA_KEYS);

/** A review's sealed finding texts, as the writer seals them, for findings `first` .. `first + n - 1`. */
function sealedTexts(reviewId: string, first: number, n: number): Buffer {
  const flat = Array.from({ length: n }, (_, k) => {
    const f = makeFinding((first + k) % 997);
    return [f.path, f.title, f.body];
  }).flat();
  return keyring.sealBytes(packTexts(flat), associatedData('finding_texts.sealed', reviewId));
}

/**
 * Seeds `rows` expired findings (in reviews of 50) plus 10 % live ones, with raw SQL in one transaction:
 * the purge must delete the first and keep the second. Stored as the ingest stores them (api/db/reviews.ts):
 * each review's findings on consecutive row ids, recorded on the review, and their texts sealed in one row.
 */
function seed(db: SqliteDb, rows: number, now: number): { findings: number; reviews: number; kept: number } {
  const s = db.sqlite;
  const account = 'acc-bench';
  const repo = 'repo-bench';
  const insertReview = s.prepare(
    `INSERT INTO reviews (id, account_id, repository_id, pull_request, head_sha, base_sha, status, conclusion, model,
       tokens_input, tokens_cache_write, tokens_cache_read, tokens_output, cost_usd, duration_ms, files_reviewed,
       files_skipped, lines_reviewed, lines_changed, critical, high, medium, low, created_at, expires_at,
       findings_first, findings_last)
     VALUES (?, ?, ?, 7, ?, ?, 'completed', 'failure', 'claude-sonnet-4-5', 41200, 2900, 8700, 6100, 0.2178, 38400,
       48, 2, 2140, 2190, 1, 8, 17, 24, ?, ?, ?, ?)`,
  );
  const insertFinding = s.prepare(
    `INSERT INTO findings (row_id, review_id, start_line, line, severity, category, fingerprint)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertTexts = s.prepare('INSERT INTO finding_texts (review_id, sealed) VALUES (?, ?)');
  let findings = 0;
  let reviews = 0;
  let kept = 0;
  s.transaction(() => {
    s.prepare('INSERT INTO accounts (id, name, created_at, session_version) VALUES (?, ?, ?, 1)').run(
      account,
      'bench',
      now - 90 * DAY_MS,
    );
    s.prepare(
      'INSERT INTO repositories (id, account_id, full_name, name_key, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run(repo, account, 'acme/widgets', 'acme/widgets', now - 90 * DAY_MS);
    const live = Math.ceil(rows / 10);
    for (let i = 0, r = 0; i < rows + live; r++) {
      const expired = i < rows;
      const createdAt = expired ? now - 40 * DAY_MS + r : now - DAY_MS + r;
      const expiresAt = createdAt + 30 * DAY_MS;
      const id = `rev-${r.toString(16).padStart(12, '0')}`;
      const n = Math.min(FINDINGS_PER_REVIEW, (expired ? rows : rows + live) - i);
      // Row ids from 1, in order: the ingest's `max(row_id) + 1` on this fresh table.
      insertReview.run(id, account, repo, 'a'.repeat(40), 'b'.repeat(40), createdAt, expiresAt, i + 1, i + n);
      if (expired) reviews++;
      if (n > 0) insertTexts.run(id, sealedTexts(id, i, n));
      for (let k = 0; k < n; k++, i++) {
        insertFinding.run(findingRow(i, id));
        if (expired) findings++;
        else kept++;
      }
    }
  })();
  return { findings, reviews, kept };
}

/** The `i`-th seeded finding of review `reviewId`, as the columns of `findings` in table order. */
function findingRow(i: number, reviewId: string): (string | number | null)[] {
  const f = makeFinding(i % 997);
  const fingerprint = i.toString(16).padStart(16, '0');
  return [i + 1, reviewId, f.startLine ?? null, f.line, f.severity, f.category, fingerprint];
}

/**
 * What freeing `rows` finding rows costs at the least on this disk: tables of that many rows shaped like
 * `findings` and of their reviews' rows shaped like `finding_texts` (same columns, same sealed text), in
 * the same database with the same pragmas (secure_delete on), emptied by `DELETE FROM` without a
 * condition, which SQLite runs as a truncation (whole pages released, no per-row b-tree work), then the
 * same TRUNCATE checkpoint as the purge's. Returns milliseconds. The purge also finds its rows and updates
 * the reviews and the index; what is left over this floor is that.
 */
function diskFloor(db: SqliteDb, rows: number): number {
  const s = db.sqlite;
  s.exec(
    `CREATE TABLE floor_findings (row_id INTEGER PRIMARY KEY, review_id TEXT NOT NULL, start_line INTEGER,
       line INTEGER NOT NULL, severity TEXT NOT NULL, category TEXT NOT NULL, fingerprint TEXT NOT NULL);
     CREATE TABLE floor_texts (review_id TEXT PRIMARY KEY NOT NULL, sealed BLOB NOT NULL)`,
  );
  const insert = s.prepare('INSERT INTO floor_findings VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertTexts = s.prepare('INSERT INTO floor_texts VALUES (?, ?)');
  s.transaction(() => {
    for (let i = 0; i < rows; i += FINDINGS_PER_REVIEW) {
      const id = `rev-${i / FINDINGS_PER_REVIEW}`;
      const n = Math.min(FINDINGS_PER_REVIEW, rows - i);
      insertTexts.run(id, sealedTexts(id, i, n));
      for (let k = i; k < i + n; k++) insert.run(findingRow(k, id));
    }
  })();
  s.pragma('wal_checkpoint(TRUNCATE)');
  const t0 = performance.now();
  s.exec('DELETE FROM floor_findings; DELETE FROM floor_texts');
  s.pragma('wal_checkpoint(TRUNCATE)');
  const ms = performance.now() - t0;
  s.exec('DROP TABLE floor_findings; DROP TABLE floor_texts');
  return ms;
}

/** An engine's figures at one size; says so when the purge did not delete exactly the expired rows. */
function figuresOf(
  engine: PurgeFigures['engine'],
  m: {
    rows: number;
    seeded: { findings: number; kept: number };
    result: { findings: number; reviews: number };
    remaining: number;
    seedMs: number;
    purgeMs: number;
    floorMs: number;
  },
  log: (line: string) => void,
): PurgeFigures {
  const rowsDeleted = m.result.findings + m.result.reviews;
  if (m.result.findings !== m.seeded.findings || m.remaining !== m.seeded.kept) {
    log(
      `  ${engine} purge at ${m.rows}: deleted ${m.result.findings} findings of ${m.seeded.findings}, ${m.remaining} left of ${m.seeded.kept} live`,
    );
  }
  return {
    engine,
    findings: m.result.findings,
    reviews: m.result.reviews,
    rowsDeleted,
    rowsKept: m.remaining,
    seedMs: m.seedMs,
    purgeMs: m.purgeMs,
    usPerRow: (m.purgeMs * 1000) / rowsDeleted,
    floorUsPerRow: (m.floorMs * 1000) / rowsDeleted,
  };
}

/** The injected clock: the purge runs "now" as this instant, whatever the wall clock says. */
const NOW = Date.parse('2026-01-31T00:00:00Z');

async function sqlitePurge(rows: number, dir: string, log: (line: string) => void): Promise<PurgeFigures> {
  const path = join(dir, `purge-${rows}.db`);
  const db = openDatabase(path, { dataKeys: DATA_KEYS });
  try {
    const t0 = performance.now();
    const seeded = seed(db, rows, NOW);
    db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const seedMs = performance.now() - t0;
    const t1 = performance.now();
    const result = await purge(db, purgeCutoffs(new Date(NOW)));
    const purgeMs = performance.now() - t1;
    const remaining = (db.sqlite.prepare('SELECT count(*) AS n FROM findings').get() as { n: number }).n;
    const floorMs = diskFloor(db, result.findings + result.reviews);
    return figuresOf('sqlite', { rows, seeded, result, remaining, seedMs, purgeMs, floorMs }, log);
  } finally {
    await db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  }
}

/** Days the expired reviews are spread over (so that they fill several day partitions). */
const EXPIRED_DAYS = 5;

/**
 * PostgreSQL's seed: `rows` expired findings in reviews of 50 (created 44 to 39 days before `NOW`, so
 * spread over `EXPIRED_DAYS` days) plus 10 % live ones (a day old), reviews and findings generated by the
 * server in one statement each, texts sealed here as the ingest seals them. Then VACUUM ANALYZE and a
 * checkpoint, so that the purge starts from a settled database.
 */
async function seedPg(
  db: DiffrayDb,
  rows: number,
): Promise<{ findings: number; reviews: number; kept: number }> {
  const pool = pgOf(db);
  const account = await createAccount(db, 'bench', new Date(NOW - 90 * DAY_MS));
  const repository = await upsertRepository(db, account.id, 'acme/widgets', new Date(NOW - 90 * DAY_MS));
  const expired = Math.ceil(rows / FINDINGS_PER_REVIEW);
  const live = Math.ceil(expired / 10);
  const step = Math.floor((EXPIRED_DAYS * DAY_MS) / expired);
  const created = `CASE WHEN n < ${expired} THEN ${NOW - 44 * DAY_MS} + n::bigint * ${step} ELSE ${NOW - DAY_MS} + n END`;
  await pool.query(
    `INSERT INTO reviews (id, account_id, repository_id, pull_request, head_sha, base_sha, status, conclusion, model,
       tokens_input, tokens_cache_write, tokens_cache_read, tokens_output, cost_usd, duration_ms, files_reviewed,
       files_skipped, lines_reviewed, lines_changed, critical, high, medium, low, created_at, expires_at,
       findings_first, findings_last, stored_bytes)
     SELECT 'rev-' || n, $1, $2, 7, '${'a'.repeat(40)}', '${'b'.repeat(40)}', 'completed', 'failure',
       'claude-sonnet-4-5', 41200, 2900, 8700, 6100, 0.2178, 38400, 48, 2, 2140, 2190, 1, 8, 17, 24,
       ${created}, ${created} + ${30 * DAY_MS}, 1 + n::bigint * ${FINDINGS_PER_REVIEW},
       (n + 1)::bigint * ${FINDINGS_PER_REVIEW}, 0
     FROM generate_series(0, ${expired + live - 1}) AS n`,
    [account.id, repository],
  );
  const severities = ['critical', 'high', 'medium', 'medium', 'low', 'low'];
  await pool.query(
    `INSERT INTO findings (row_id, review_id, start_line, line, severity, category, fingerprint)
     SELECT 1 + n, 'rev-' || (n / ${FINDINGS_PER_REVIEW}), NULL, 10 + (n * 37) % 400,
       (ARRAY['${severities.join("','")}'])[1 + n % ${severities.length}], 'correctness', lpad(to_hex(n), 16, '0')
     FROM generate_series(0, ${(expired + live) * FINDINGS_PER_REVIEW - 1}) AS n`,
  );
  for (let r = 0; r < expired + live; r += 100) {
    const ids = Array.from({ length: Math.min(100, expired + live - r) }, (_, k) => r + k);
    await pool.query(
      `INSERT INTO finding_texts (review_id, sealed) VALUES ${ids.map((_, k) => `($${2 * k + 1}, $${2 * k + 2})`).join(', ')}`,
      ids.flatMap((n) => [`rev-${n}`, sealedTexts(`rev-${n}`, n * FINDINGS_PER_REVIEW, FINDINGS_PER_REVIEW)]),
    );
  }
  await pool.query('VACUUM ANALYZE');
  await pool.query('CHECKPOINT');
  return {
    findings: expired * FINDINGS_PER_REVIEW,
    reviews: expired,
    kept: live * FINDINGS_PER_REVIEW,
  };
}

/**
 * PostgreSQL's floor for freeing the purge's rows: copies of exactly those findings and texts (same
 * bytes) in tables with no index and no trigger, emptied by one DELETE each, then VACUUM of those tables
 * and a checkpoint, as the purge's figure includes. PostgreSQL has no truncating DELETE (TRUNCATE is
 * another command, the partitions' way below): a DELETE marks each row dead, VACUUM frees the space.
 * The copies are made before the purge; returns how to time the floor afterwards (milliseconds).
 */
async function pgFloor(db: DiffrayDb): Promise<() => Promise<number>> {
  const pool = pgOf(db);
  await pool.query(
    `CREATE TABLE floor_findings AS SELECT f.* FROM findings f JOIN reviews r ON r.id = f.review_id WHERE r.expires_at <= ${NOW}`,
  );
  await pool.query(
    `CREATE TABLE floor_texts AS SELECT t.* FROM finding_texts t JOIN reviews r ON r.id = t.review_id WHERE r.expires_at <= ${NOW}`,
  );
  await pool.query(`CREATE TABLE floor_reviews AS SELECT * FROM reviews WHERE expires_at <= ${NOW}`);
  return async () => {
    await pool.query('VACUUM ANALYZE floor_findings, floor_texts, floor_reviews');
    await pool.query('CHECKPOINT');
    const t0 = performance.now();
    await pool.query('DELETE FROM floor_findings');
    await pool.query('DELETE FROM floor_texts');
    await pool.query('DELETE FROM floor_reviews');
    await pool.query('VACUUM floor_findings, floor_texts, floor_reviews');
    await pool.query('CHECKPOINT');
    const ms = performance.now() - t0;
    await pool.query('DROP TABLE floor_findings, floor_texts, floor_reviews');
    return ms;
  };
}

/**
 * The alternative to per-row deletes (#13 §5): reviews, findings and texts partitioned by the review's
 * creation day (findings and texts carry it: a partitioned table's key must hold the partition key), in a
 * scratch schema filled with copies of the seeded rows before the purge. Retention then detaches and drops
 * every partition whose day ended before the cutoff. Returns how to time that afterwards.
 */
async function partitionTrial(db: DiffrayDb): Promise<() => Promise<{ dropped: number; ms: number }>> {
  const pool = pgOf(db);
  // A partition for each day holding rows (production would keep one for every day, made ahead).
  const { rows } = await pool.query<{ day: number }>(
    `SELECT DISTINCT floor(created_at / ${DAY_MS})::int AS day FROM reviews ORDER BY day`,
  );
  const days = rows.map((r) => r.day);
  const tables = {
    reviews: '(LIKE public.reviews, PRIMARY KEY (id, created_at))',
    findings: '(LIKE public.findings, created_at bigint NOT NULL, PRIMARY KEY (row_id, created_at))',
    finding_texts:
      '(LIKE public.finding_texts, created_at bigint NOT NULL, PRIMARY KEY (review_id, created_at))',
  };
  await pool.query('CREATE SCHEMA trial');
  for (const [name, shape] of Object.entries(tables)) {
    await pool.query(`CREATE TABLE trial.${name} ${shape} PARTITION BY RANGE (created_at)`);
    for (const day of days) {
      await pool.query(
        `CREATE TABLE trial.${name}_${day} PARTITION OF trial.${name} FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`,
      );
    }
  }
  await pool.query('INSERT INTO trial.reviews SELECT * FROM reviews');
  await pool.query(
    'INSERT INTO trial.findings SELECT f.*, r.created_at FROM findings f JOIN reviews r ON r.id = f.review_id',
  );
  await pool.query(
    'INSERT INTO trial.finding_texts SELECT t.*, r.created_at FROM finding_texts t JOIN reviews r ON r.id = t.review_id',
  );
  // Every row of a day that ended 30 days before now has expired.
  const expiredDays = days.filter((day) => (day + 1) * DAY_MS + 30 * DAY_MS <= NOW);
  return async () => {
    await pool.query('VACUUM ANALYZE trial.reviews, trial.findings, trial.finding_texts');
    await pool.query('CHECKPOINT');
    const t0 = performance.now();
    for (const day of expiredDays) {
      for (const name of Object.keys(tables)) {
        await pool.query(`ALTER TABLE trial.${name} DETACH PARTITION trial.${name}_${day}`);
        await pool.query(`DROP TABLE trial.${name}_${day}`);
      }
    }
    await pool.query('CHECKPOINT');
    const ms = performance.now() - t0;
    await pool.query('DROP SCHEMA trial CASCADE');
    return { dropped: expiredDays.length, ms };
  };
}

async function pgPurge(rows: number, url: string, log: (line: string) => void): Promise<PurgeFigures> {
  const db = await openPgDatabase(url, {
    dataKeys: DATA_KEYS,
    pool: { max: 4, connectTimeoutMs: 5_000, idleTimeoutMs: 30_000, statementTimeoutMs: 0 },
  });
  try {
    const pool = pgOf(db);
    const t0 = performance.now();
    const seeded = await seedPg(db, rows);
    const seedMs = performance.now() - t0;
    const floor = await pgFloor(db);
    const partitions = await partitionTrial(db);
    await pool.query('CHECKPOINT');
    const t1 = performance.now();
    const result = await purge(db, purgeCutoffs(new Date(NOW)));
    const purgeOnlyMs = performance.now() - t1;
    // What frees the rows' space on PostgreSQL (autovacuum would run it soon after), then the checkpoint.
    await pool.query('VACUUM findings, reviews, finding_texts');
    await pool.query('CHECKPOINT');
    const purgeMs = performance.now() - t1;
    const remaining = Number((await pool.query('SELECT count(*) AS n FROM findings')).rows[0].n);
    const floorMs = await floor();
    const dropped = await partitions();
    const figures = figuresOf('postgres', { rows, seeded, result, remaining, seedMs, purgeMs, floorMs }, log);
    return {
      ...figures,
      purgeOnlyMs,
      partitions: { ...dropped, usPerRow: (dropped.ms * 1000) / figures.rowsDeleted },
    };
  } finally {
    await db.close();
  }
}

/**
 * The purge at each size on both engines: SQLite on a file in `dir`, PostgreSQL in a fresh database per
 * size (`database(name)` makes it and gives its URL).
 */
export async function purgeBench(opts: {
  purgeRows: number[];
  dir: string;
  database: (name: string) => Promise<string>;
  log: (line: string) => void;
}): Promise<PurgeFigures[]> {
  const out: PurgeFigures[] = [];
  for (const rows of opts.purgeRows) {
    for (const figures of [
      await sqlitePurge(rows, opts.dir, opts.log),
      await pgPurge(rows, await opts.database(`bench_purge_${rows}`), opts.log),
    ]) {
      out.push(figures);
      opts.log(
        `  ${figures.engine} purge ${rows.toLocaleString('en-US')} rows: ${(figures.purgeMs / 1000).toFixed(2)} s, ${figures.usPerRow.toFixed(2)} µs/row ` +
          `(floor ${figures.floorUsPerRow.toFixed(2)} µs/row` +
          (figures.partitions
            ? `; dropping ${figures.partitions.dropped} day partitions ${figures.partitions.usPerRow.toFixed(2)} µs/row)`
            : ')'),
      );
    }
  }
  return out;
}
