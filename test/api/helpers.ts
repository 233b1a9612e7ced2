import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createApp, type CreateAppOptions } from '../../api/app.js';
import {
  createAccount,
  EXPORT_SECTIONS,
  exportedAccount,
  exportPages,
  insertKey,
  insertReview,
  openDatabase,
  openPgDatabase,
  SCOPES,
  type DiffrayDb,
  type ExportSection,
  type SqliteDb,
  type Scope,
} from '../../api/db/index.js';
import { pgOf, sqliteOf } from '../../api/db/connection.js';
import { numbered } from '../../api/db/pg/ingest.js';
import { displayPrefix, generateKey, hashKey } from '../../api/auth/key-format.js';
import { Keyring, type IndexDomain } from '../../api/db/envelope.js';
import { DEFAULT_QUOTAS, DEFAULT_RATE_LIMITS, type ApiConfig, type LogRecord } from '../../api/types.js';
import { reviewExpiresAt } from '../../api/retention.js';
import type { AnswerReport, ReportedFinding, ReviewReport } from '../../shared/index.js';
import { createTestDatabase } from '../support/postgres.js';

export const T0 = new Date('2025-03-01T12:00:00.000Z');

/** The data key the tests' databases are sealed with (one per test process). */
export const TEST_DATA_KEYS: readonly Uint8Array[] = [randomBytes(32)];

/** The blind index a database sealed with `TEST_DATA_KEYS` stores for `value` (`envelope.ts`). */
export function testIndex(domain: IndexDomain, value: string): string {
  return new Keyring(TEST_DATA_KEYS).blindIndex(domain, value);
}

/**
 * The engine the engine-agnostic suites (API, pages, webhooks) run on: SQLite, or PostgreSQL in the
 * `postgres` project of `vitest.config.ts`, which sets `DIFFRAY_TEST_ENGINE=postgres`.
 */
export const TEST_ENGINE: DiffrayDb['engine'] =
  process.env.DIFFRAY_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** Whether the suite runs on SQLite: `it.skipIf(!ON_SQLITE)` for the cases about SQLite itself. */
export const ON_SQLITE = TEST_ENGINE === 'sqlite';

/** `openDatabase` (SQLite) with the tests' data key unless `opts` names others. */
export function openTestDatabase(
  path: string,
  opts: Partial<Parameters<typeof openDatabase>[1]> = {},
): SqliteDb {
  return openDatabase(path, { dataKeys: TEST_DATA_KEYS, ...opts });
}

/** The database of a suite about SQLite itself (its files, WAL, threads), as SQLite's handle. */
export function asSqlite(db: DiffrayDb): SqliteDb {
  sqliteOf(db);
  return db as SqliteDb;
}

/** The pool of the tests' PostgreSQL databases. */
export const TEST_POOL = {
  max: 8,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
  statementTimeoutMs: 20_000,
};

/**
 * Opens the database at `url` on `engine` with the tests' options: a SQLite file's path (`sqlite` are
 * `openDatabase`'s options) or a PostgreSQL URL (`TEST_POOL`).
 */
export async function openDatabaseAt(
  engine: DiffrayDb['engine'],
  url: string,
  opts: { dataKeys?: readonly Uint8Array[]; sqlite?: Partial<Parameters<typeof openDatabase>[1]> } = {},
): Promise<DiffrayDb> {
  const dataKeys = opts.dataKeys ?? TEST_DATA_KEYS;
  if (engine === 'sqlite') return openTestDatabase(url, { dataKeys, ...opts.sqlite });
  return openPgDatabase(url, { dataKeys, pool: TEST_POOL });
}

/**
 * A fresh database with the committed migrations, on `engine` (the engine under test, `TEST_ENGINE`,
 * unless named): a SQLite file in `dir`, or a PostgreSQL database of its own on the run's server, dropped
 * when it is closed. `url` is the file's path or the database's URL.
 */
export async function openFreshDatabase(
  dir: string,
  opts: Parameters<typeof openDatabaseAt>[2] & { engine?: DiffrayDb['engine'] } = {},
): Promise<{ db: DiffrayDb; url: string }> {
  const engine = opts.engine ?? TEST_ENGINE;
  if (engine === 'sqlite') {
    const url = join(dir, 'diffray.db');
    return { db: await openDatabaseAt(engine, url, opts), url };
  }
  const database = await createTestDatabase({ migrated: true });
  let db: DiffrayDb;
  try {
    db = await openDatabaseAt(engine, database.url, opts);
  } catch (error) {
    await database.drop();
    throw error;
  }
  const close = async () => {
    await db.close();
    await database.drop();
  };
  return { db: { ...db, close }, url: database.url };
}

/**
 * Raw SQL (`?` placeholders) run straight on either engine, beneath the storage interface: the rows it
 * returns (none for a write), integers as numbers.
 */
export async function rowsOf<T = Record<string, unknown>>(
  db: DiffrayDb,
  sql: string,
  ...args: unknown[]
): Promise<T[]> {
  if (db.engine === 'postgres') return (await pgOf(db).query(numbered(sql), args)).rows as T[];
  const statement = sqliteOf(db).prepare(sql);
  if (statement.reader) return statement.all(...args) as T[];
  statement.run(...args);
  return [];
}

/** `SELECT count(*) AS n ...` (`?` placeholders) read straight from either engine. */
export async function countOf(db: DiffrayDb, sql: string, ...args: unknown[]): Promise<number> {
  return (await rowsOf<{ n: number }>(db, sql, ...args))[0]!.n;
}

/** A clock the test moves by hand. */
export function fakeClock(start = T0) {
  let now = start.getTime();
  return {
    clock: () => new Date(now),
    set: (d: Date) => {
      now = d.getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    publicUrl: 'https://diffray.test',
    sessionSecret: 'x'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789',
    webhookSecrets: [],
    githubUrl: 'https://github.com',
    githubOAuth: undefined,
    trustProxy: false,
    rateLimits: { ...DEFAULT_RATE_LIMITS },
    quotas: { ...DEFAULT_QUOTAS },
    ...overrides,
  };
}

export interface TestServer {
  url: string;
  db: DiffrayDb;
  dir: string;
  time: ReturnType<typeof fakeClock>;
  logs: LogRecord[];
  close(): Promise<void>;
  /** JSON request helper: `key` becomes `Authorization: Bearer`. */
  call(
    method: string,
    path: string,
    opts?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; json: unknown; text: string }>;
}

/** The real app over real HTTP on 127.0.0.1, on a fresh database (`openFreshDatabase`). */
export async function startServer(
  opts: {
    config?: Partial<ApiConfig>;
    app?: Partial<CreateAppOptions>;
    /** `openDatabase`'s options on SQLite (`backgroundCheckpoints: true` as `serve` opens it). */
    db?: Partial<Parameters<typeof openDatabase>[1]>;
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-api-'));
  const { db } = await openFreshDatabase(dir, { sqlite: opts.db ?? {} });
  const time = fakeClock();
  const logs: LogRecord[] = [];
  const app = createApp({
    db,
    clock: time.clock,
    config: testConfig(opts.config),
    log: (r) => logs.push(r),
    ...opts.app,
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    db,
    dir,
    time,
    logs,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.key !== undefined) headers.authorization = `Bearer ${o.key}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
  };
}

/** How many rows of `table` match `where` (SQL with `?` for `args`), read straight from the database. */
export async function countRows(
  db: DiffrayDb,
  table: string,
  where = '1=1',
  ...args: unknown[]
): Promise<number> {
  return countOf(db, `SELECT count(*) AS n FROM ${table} WHERE ${where}`, ...args);
}

/**
 * What `GET /v1/account/export` holds, assembled in memory from `exportPages` (undefined for no account):
 * the test's view of the export without HTTP.
 */
export async function exportedData(db: DiffrayDb, accountId: string, now: Date) {
  const account = await exportedAccount(db, accountId);
  if (!account) return undefined;
  const data = Object.fromEntries(EXPORT_SECTIONS.map((section) => [section, [] as unknown[]])) as Record<
    ExportSection,
    Record<string, unknown>[]
  >;
  let open: { findings: unknown[] } | undefined;
  for await (const page of exportPages(db, accountId, now)) {
    if (page.kind === 'rows') data[page.section].push(...(page.rows as Record<string, unknown>[]));
    else if (page.kind === 'review') {
      open = { ...page.review, findings: [] };
      data.reviews.push(open);
    } else open!.findings.push(...page.findings);
  }
  return { account, ...data };
}

/** The account's audit log, its sealed values opened, oldest first. */
export async function auditEntries(db: DiffrayDb, accountId: string) {
  return (await exportedData(db, accountId, T0))!.auditLog as {
    actor: string;
    action: string;
    target: string | null;
    clientAddress: string | null;
    /** The fields a correction changed (names only). */
    fields: string[] | null;
  }[];
}

/** An account with a key holding `scopes` (admin key by default). */
export async function seedAccount(
  db: DiffrayDb,
  opts: { name?: string; scopes?: Scope[]; now?: Date; expiresAt?: Date | null } = {},
) {
  const now = opts.now ?? T0;
  const account = await createAccount(db, opts.name ?? 'Acme', now);
  const key = await seedKey(db, account.id, opts.scopes ?? [...SCOPES], {
    now,
    expiresAt: opts.expiresAt ?? null,
  });
  return { accountId: account.id, key: key.key, keyId: key.id };
}

export async function seedKey(
  db: DiffrayDb,
  accountId: string,
  scopes: Scope[],
  opts: { now?: Date; expiresAt?: Date | null } = {},
) {
  const key = generateKey();
  const info = await insertKey(db, {
    accountId,
    hash: hashKey(key),
    prefix: displayPrefix(key),
    name: 'test',
    scopes,
    expiresAt: opts.expiresAt ?? null,
    now: opts.now ?? T0,
  });
  return { key, id: info.id };
}

export function makeFinding(overrides: Partial<ReportedFinding> = {}): ReportedFinding {
  return {
    path: 'src/app.ts',
    line: 10,
    severity: 'high',
    category: 'correctness',
    title: 'Null dereference',
    body: 'The value may be undefined here.',
    fingerprint: 'a'.repeat(16),
    ...overrides,
  };
}

export function makeReport(overrides: Partial<ReviewReport> = {}): ReviewReport {
  return {
    repository: 'octo/hello',
    pullRequest: 7,
    headSha: 'a'.repeat(40),
    baseSha: 'b'.repeat(40),
    status: 'completed',
    conclusion: 'failure',
    model: 'claude-sonnet-4-5',
    tokens: { input: 1200, cacheWrite: 0, cacheRead: 800, output: 300 },
    costUsd: 0.0123,
    durationMs: 4200,
    coverage: { filesReviewed: 3, filesSkipped: 1, linesReviewed: 120, linesChanged: 130 },
    findings: [makeFinding()],
    ...overrides,
  };
}

/** An answer's report (`POST /v1/answers`). */
export const ANSWER: AnswerReport = {
  repository: 'octo/hello',
  pullRequest: 7,
  model: 'claude-sonnet-4-5',
  tokens: { input: 2_000, cacheWrite: 0, cacheRead: 0, output: 300 },
  costUsd: 0.0105,
};

/** A review of `findings` in `repository` written at `at` (expiring 30 days later) straight to `db`: its id. */
export async function seedReview(
  db: DiffrayDb,
  accountId: string,
  findings: ReportedFinding[],
  at = T0,
  repository = 'octo/hello',
): Promise<string> {
  return insertReview(db, {
    accountId,
    report: makeReport({ repository, findings }),
    now: at,
    expiresAt: reviewExpiresAt(at),
  });
}

/** A raw HTTP request with chosen framing (chunked when `contentLength` is false). */
export function rawRequest(
  url: string,
  opts: {
    method: string;
    path: string;
    headers: Record<string, string>;
    chunks: Buffer[];
    contentLength: boolean;
    /** Defaults to no agent (a fresh connection); pass a keep-alive agent to test connection reuse. */
    agent?: Agent;
  },
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const total = opts.chunks.reduce((n, c) => n + c.length, 0);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method: opts.method,
        path: opts.path,
        agent: opts.agent ?? false,
        headers: { ...opts.headers, ...(opts.contentLength ? { 'content-length': String(total) } : {}) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(parts).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    // The server may answer 413 and close before the whole body is written.
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e);
    });
    if (!opts.contentLength) req.setHeader('transfer-encoding', 'chunked');
    for (const chunk of opts.chunks) req.write(chunk);
    req.end();
  });
}
