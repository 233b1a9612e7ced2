/**
 * A server process for the API benchmark, so the load generator and the server do not share a thread:
 *   node --import tsx bench/api-server.ts app <sqlite file | postgres URL> [<reviews> <findings>]
 *       the real app (createApp + pages) on SQLite or PostgreSQL, opened as `serve` opens it; with the two
 *       counts, its account is first seeded at that scale (`lib/scale.ts`)
 *   node --import tsx bench/api-server.ts bare    node:http doing the same JSON parse
 * The data key is `BENCH_DATA_KEY` (hex) when set, so that two servers can share one PostgreSQL database.
 * Listens on 127.0.0.1 (a free port) and prints one JSON line: the port and what the client needs. Then
 * answers one JSON line per command line read on stdin:
 *   cpu     the CPU time used so far by the process (every thread: the event loop, the SQLite writer and
 *           checkpointer, the garbage collector) and by each of its threads, so the client can divide by
 *           requests served
 *   trace   from now on, records each statement the app sends to the database
 *   plans   stops recording and answers each distinct statement recorded with its plan: EXPLAIN QUERY PLAN
 *           on SQLite, EXPLAIN (ANALYZE, BUFFERS) with the recorded parameters on PostgreSQL
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.js';
import type pg from 'pg';
import { pgOf, sqliteOf, type DiffrayDb } from '../api/db/connection.js';
import {
  createAccount,
  insertKey,
  insertReview,
  openDatabase,
  openPgDatabase,
  SCOPES,
} from '../api/db/index.js';
import { displayPrefix, generateKey, hashKey } from '../api/auth/key-format.js';
import { reviewExpiresAt } from '../api/retention.js';
import { DEFAULT_RATE_LIMITS, type LogRecord } from '../api/types.js';
import { pageOptions } from '../api/web/index.js';
import { makeReport } from './lib/report.js';
import { seedScale } from './lib/scale.js';

const PUBLIC_URL = 'http://127.0.0.1';
const [mode, target, scaleReviews, scaleFindings] = process.argv.slice(2);

/**
 * CPU time of each thread of this process (the event loop, the SQLite writer and checkpointer, V8's
 * helpers), by thread id, from Linux's per-thread counters (in USER_HZ = 100 ticks a second); empty
 * elsewhere. CPU time rather than the event loop's busy time: on a shared machine the latter also counts
 * the time the thread waited for a core.
 */
function threadCpuUs(): Record<string, number> {
  const threads: Record<string, number> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads[tid] = (Number(fields[11]) + Number(fields[12])) * 10_000;
    }
  } catch {
    // Not Linux, or a thread ended while being read: what was read stands.
  }
  return threads;
}

interface Statement {
  sql: string;
  params: unknown[];
}

/** The statements sent while tracing, first of each text only. */
let traced: Map<string, Statement> | undefined;

function record(sql: string, params: unknown[] = []): void {
  if (traced && !traced.has(sql)) traced.set(sql, { sql, params });
}

/** Records what the app sends to `db` while tracing; returns how to explain a recorded statement. */
function traceStatements(db: DiffrayDb): (s: Statement) => Promise<string> {
  if (db.engine === 'sqlite') {
    const sqlite = sqliteOf(db);
    const prepare = sqlite.prepare.bind(sqlite);
    // drizzle prepares each statement it runs (the hot ones once): the text is known at preparation.
    sqlite.prepare = ((source: string) => {
      record(source);
      return prepare(source);
    }) as typeof sqlite.prepare;
    // Parameters bound as null: SQLite's plan does not depend on their values (no statistics are kept).
    return async ({ sql }) =>
      (
        prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array<null>(sql.split('?').length - 1).fill(null)) as {
          id: number;
          parent: number;
          detail: string;
        }[]
      )
        .map((row, _, rows) => {
          let depth = 0;
          for (let p = row.parent; p !== 0; depth++) p = rows.find((r) => r.id === p)?.parent ?? 0;
          return `${'  '.repeat(depth)}${row.detail}`;
        })
        .join('\n');
  }
  const pool = pgOf(db);
  const query = pool.query.bind(pool) as (config: unknown, values?: unknown[]) => Promise<pg.QueryResult>;
  // drizzle sends every statement through the pool's query (a transaction's through a client of it).
  pool.query = ((config: string | pg.QueryConfig, values?: unknown[]) => {
    record(
      typeof config === 'string' ? config : config.text,
      values ?? (typeof config === 'string' ? [] : config.values),
    );
    return query(config, values);
  }) as typeof pool.query;
  return async ({ sql, params }) =>
    (await query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows
      .map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN'])
      .join('\n');
}

function ready(info: Record<string, unknown>, explain?: (s: Statement) => Promise<string>): void {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'trace') {
      traced = new Map();
      answer({ tracing: true });
    } else if (line === 'plans') {
      const statements = [...(traced?.values() ?? [])];
      traced = undefined;
      void (async () => {
        const plans = [];
        for (const s of statements) {
          plans.push({
            sql: s.sql,
            plan: explain ? await explain(s).catch((e: Error) => `(${e.message})`) : '',
          });
        }
        answer({ plans });
      })();
    } else {
      const { user, system } = process.cpuUsage();
      answer({ cpuUs: user + system, mainTid: String(process.pid), threads: threadCpuUs() });
    }
  });
}

if (mode === 'bare') {
  const review = { id: randomUUID(), ...makeReport() };
  const reviewJson = JSON.stringify(review);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { findings: unknown[] };
        const id = randomUUID();
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, url: `${PUBLIC_URL}/reviews/${id}`, findings: body.findings.length }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(reviewJson);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => ready({ port: (server.address() as AddressInfo).port }));
} else if (mode === 'app' && target) {
  const dataKeys = [
    process.env.BENCH_DATA_KEY ? Buffer.from(process.env.BENCH_DATA_KEY, 'hex') : randomBytes(32),
  ];
  // As `diffray-api serve` opens either engine (the pool with `serve`'s default settings).
  const db: DiffrayDb = target.startsWith('postgres://')
    ? await openPgDatabase(target, {
        dataKeys,
        pool: { max: 10, connectTimeoutMs: 5_000, idleTimeoutMs: 30_000, statementTimeoutMs: 30_000 },
      })
    : openDatabase(target, { dataKeys, backgroundCheckpoints: true });
  const explain = traceStatements(db);
  // One JSON line per request, as in production, written to /dev/null instead of the terminal.
  const sink = createWriteStream('/dev/null');
  const log = (record: LogRecord) =>
    sink.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  const clock = () => new Date();
  const config = {
    publicUrl: PUBLIC_URL,
    sessionSecret: 'bench-session-secret-0123456789-abcdefghijklmnop',
    webhookSecrets: [],
    githubUrl: 'https://github.com',
    githubOAuth: undefined,
    trustProxy: false,
    // The limiter still runs on every request; it must not answer 429 to the load generator.
    rateLimits: { ...DEFAULT_RATE_LIMITS, perKeyPerMinute: 1e9 },
    // Nor the quotas: the benchmark stores far more than a day's reviews of one account.
    quotas: { reviewsPerDay: 1e12, storedBytes: 1e15 },
  };
  const app = createApp({ db, clock, config, log, ...pageOptions() });
  const now = clock();
  const account = await createAccount(db, 'bench', now);
  const key = generateKey();
  await insertKey(db, {
    accountId: account.id,
    hash: hashKey(key),
    prefix: displayPrefix(key),
    name: 'bench',
    scopes: [...SCOPES],
    expiresAt: null,
    now,
  });
  const reviewId = await insertReview(db, {
    accountId: account.id,
    report: makeReport(),
    now,
    expiresAt: reviewExpiresAt(now),
  });
  const scale =
    scaleReviews && scaleFindings
      ? await seedScale(db, account.id, {
          reviews: Number(scaleReviews),
          findings: Number(scaleFindings),
          now,
        })
      : undefined;
  // A page session, signed in through the sign-in form as a browser would.
  const signIn = await app.request(`${PUBLIC_URL}/sign-in/key`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: PUBLIC_URL,
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ key }).toString(),
    redirect: 'manual',
  });
  const cookie = signIn.headers
    .getSetCookie()
    .map((l) => l.split(';')[0]!)
    .find((p) => p.startsWith('__Host-diffray_session='));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    ready(
      { port: info.port, key, reviewId, cookie: cookie ?? null, signInStatus: signIn.status, scale },
      explain,
    ),
  );
  process.once('SIGTERM', async () => {
    server.close();
    await db.close();
    process.exit(0);
  });
} else {
  console.error('usage: api-server.ts app <sqlite file | postgres URL> [<reviews> <findings>] | bare');
  process.exit(2);
}
