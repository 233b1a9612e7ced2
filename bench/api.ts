/**
 * API benchmark, in one run: the real app (bench/api-server.ts, its own process, a SQLite file in a temp
 * dir) beside a bare node:http handler doing the same JSON parse, both loaded by autocannon over
 * 127.0.0.1; then the retention purge timed at several table sizes, seeded with raw SQL through the db
 * module and purged with cutoffs from an injected clock. Prints figures; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { openDatabase, purge, type SqliteDb } from '../api/db/index.js';
import { associatedData, Keyring } from '../api/db/envelope.js';
import { packTexts } from '../api/db/finding-texts.js';
import { purgeCutoffs } from '../api/retention.js';
import { DAY_MS } from '../shared/index.js';
import { ROOT } from '../test/e2e/harness.js';
import { makeFinding, makeReport } from './lib/report.js';

export interface ApiBenchOptions {
  purgeRows: number[];
  durationSeconds: number;
  connections: number;
  log: (line: string) => void;
}

export interface HttpFigures {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
  /** CPU time of the server process (all its threads) per request served in the measured run. */
  cpuUsPerRequest: number;
  /** Of which its main thread's (the event loop's). */
  mainUsPerRequest: number;
  /** Of which the busiest other thread's: the SQLite writer under ingest. */
  otherThreadUsPerRequest: number;
  /** The load generator's own CPU (autocannon, in this process), on the same cores. */
  loadGeneratorUsPerRequest: number;
}

export interface PurgeFigures {
  findings: number;
  reviews: number;
  rowsDeleted: number;
  rowsKept: number;
  seedMs: number;
  purgeMs: number;
  usPerRow: number;
  /** The same number of finding rows freed the cheapest way SQLite can (see `diskFloor`), per row. */
  floorUsPerRow: number;
}

export interface ApiResults {
  connections: number;
  durationSeconds: number;
  http: HttpFigures[];
  purge: PurgeFigures[];
}

interface CpuSample {
  cpuUs: number;
  mainTid: string;
  /** CPU µs so far by thread id (Linux only). */
  threads: Record<string, number>;
}

/** Per-thread CPU between two samples: the main thread's, and the busiest other thread's. */
function threadSplit(before: CpuSample, after: CpuSample): { mainUs: number; otherUs: number } {
  const used = (tid: string) => (after.threads[tid] ?? NaN) - (before.threads[tid] ?? 0);
  const others = Object.keys(after.threads)
    .filter((tid) => tid !== after.mainTid)
    .map(used);
  return { mainUs: used(after.mainTid), otherUs: others.length > 0 ? Math.max(...others) : NaN };
}

interface Server {
  child: ChildProcess;
  info: { port: number; key?: string; reviewId?: string; cookie?: string | null; signInStatus?: number };
  url: string;
  /** The server's CPU and event-loop busy time so far (see bench/api-server.ts). */
  cpu(): Promise<CpuSample>;
}

async function startServer(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/api-server.ts', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the bench server exited with ${code}`));
      const timer = setTimeout(
        () => reject(new Error('the bench server did not answer within 30 s')),
        30_000,
      );
      lines.once('line', (line) => {
        clearTimeout(timer);
        child.off('exit', exited);
        resolve(line);
      });
      child.once('exit', exited);
    });
  const info = JSON.parse(await nextLine()) as Server['info'];
  const cpu = async () => {
    const answer = nextLine();
    child.stdin!.write('cpu\n');
    return JSON.parse(await answer) as CpuSample;
  };
  return { child, info, url: `http://127.0.0.1:${info.port}`, cpu };
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

async function load(
  name: string,
  server: Server,
  opts: { path: string; method?: string; headers?: Record<string, string>; body?: string },
  bench: ApiBenchOptions,
): Promise<HttpFigures> {
  const { path, ...rest } = opts;
  const base = { ...rest, url: server.url + path, connections: bench.connections, timeout: 10 };
  await autocannon({ ...base, duration: 1 }); // warm-up: JIT, page cache, SQLite cache
  const before = await server.cpu();
  const ownBefore = process.cpuUsage();
  const r = await autocannon({ ...base, duration: bench.durationSeconds });
  const own = process.cpuUsage(ownBefore);
  const after = await server.cpu();
  const served = Math.max(1, r.requests.total);
  const split = threadSplit(before, after);
  const figures = {
    name,
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    total: r.requests.total,
    cpuUsPerRequest: (after.cpuUs - before.cpuUs) / served,
    mainUsPerRequest: split.mainUs / served,
    otherThreadUsPerRequest: split.otherUs / served,
    loadGeneratorUsPerRequest: (own.user + own.system) / served,
  };
  bench.log(
    `  ${name}: ${Math.round(figures.requestsPerSecond)} req/s, p99 ${figures.p99} ms, ` +
      `CPU ${Math.round(figures.cpuUsPerRequest)} µs/req (main thread ${Math.round(figures.mainUsPerRequest)}, ` +
      `busiest other ${Math.round(figures.otherThreadUsPerRequest)}; load generator ${Math.round(figures.loadGeneratorUsPerRequest)})` +
      (figures.non2xx || figures.errors ? ` (non-2xx ${figures.non2xx}, errors ${figures.errors})` : ''),
  );
  return figures;
}

async function httpBench(opts: ApiBenchOptions, dir: string): Promise<HttpFigures[]> {
  const body = JSON.stringify(makeReport());
  const json = { 'content-type': 'application/json' };
  const out: HttpFigures[] = [];

  const bare = await startServer(['bare']);
  try {
    out.push(
      await load(
        'bare POST (node:http + JSON.parse)',
        bare,
        { path: '/', method: 'POST', headers: json, body },
        opts,
      ),
    );
    out.push(await load('bare GET (node:http + same JSON)', bare, { path: '/' }, opts));
  } finally {
    await stopServer(bare);
  }

  const app = await startServer(['app', join(dir, 'api.db')]);
  try {
    const auth = { authorization: `Bearer ${app.info.key}` };
    const check = await fetch(`${app.url}/v1/reviews`, {
      method: 'POST',
      headers: { ...json, ...auth },
      body,
    });
    if (check.status !== 201)
      opts.log(`  POST /v1/reviews answered ${check.status}: ${(await check.text()).slice(0, 200)}`);
    out.push(
      await load(
        'POST /v1/reviews (50 findings)',
        app,
        { path: '/v1/reviews', method: 'POST', headers: { ...json, ...auth }, body },
        opts,
      ),
    );
    out.push(
      await load(
        'GET /v1/reviews/:id (50 findings)',
        app,
        { path: `/v1/reviews/${app.info.reviewId}`, headers: auth },
        opts,
      ),
    );
    if (app.info.cookie) {
      const page = await fetch(`${app.url}/reviews/${app.info.reviewId}`, {
        headers: { cookie: app.info.cookie },
      });
      if (page.status !== 200) opts.log(`  GET /reviews/:id answered ${page.status}`);
      out.push(
        await load(
          'GET /reviews/:id (web page)',
          app,
          { path: `/reviews/${app.info.reviewId}`, headers: { cookie: app.info.cookie } },
          opts,
        ),
      );
    } else {
      opts.log(
        `  web page not measured: the sign-in form answered ${app.info.signInStatus} without a session cookie`,
      );
    }
  } finally {
    await stopServer(app);
  }
  return out;
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

async function purgeBench(opts: ApiBenchOptions, dir: string): Promise<PurgeFigures[]> {
  const out: PurgeFigures[] = [];
  // The injected clock: the purge runs "now" as this instant, whatever the wall clock says.
  const now = Date.parse('2026-01-31T00:00:00Z');
  for (const rows of opts.purgeRows) {
    const path = join(dir, `purge-${rows}.db`);
    const db = openDatabase(path, { dataKeys: DATA_KEYS });
    try {
      const t0 = performance.now();
      const seeded = seed(db, rows, now);
      db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      const seedMs = performance.now() - t0;
      const t1 = performance.now();
      const result = await purge(db, purgeCutoffs(new Date(now)));
      const purgeMs = performance.now() - t1;
      const rowsDeleted = result.findings + result.reviews;
      const remaining = (db.sqlite.prepare('SELECT count(*) AS n FROM findings').get() as { n: number }).n;
      if (result.findings !== seeded.findings || remaining !== seeded.kept) {
        opts.log(
          `  purge at ${rows}: deleted ${result.findings} findings of ${seeded.findings}, ${remaining} left of ${seeded.kept} live`,
        );
      }
      const floorMs = diskFloor(db, rowsDeleted);
      const figures = {
        floorUsPerRow: (floorMs * 1000) / rowsDeleted,
        findings: result.findings,
        reviews: result.reviews,
        rowsDeleted,
        rowsKept: remaining,
        seedMs,
        purgeMs,
        usPerRow: (purgeMs * 1000) / rowsDeleted,
      };
      out.push(figures);
      opts.log(
        `  purge ${rows.toLocaleString('en-US')} rows: ${(purgeMs / 1000).toFixed(2)} s, ${figures.usPerRow.toFixed(2)} µs/row ` +
          `(disk floor ${figures.floorUsPerRow.toFixed(2)} µs/row)`,
      );
    } finally {
      await db.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    }
  }
  return out;
}

export async function runApiBench(opts: ApiBenchOptions): Promise<ApiResults> {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-bench-api-'));
  try {
    const http = await httpBench(opts, dir);
    const purged = await purgeBench(opts, dir);
    return { connections: opts.connections, durationSeconds: opts.durationSeconds, http, purge: purged };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
