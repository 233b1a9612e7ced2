/**
 * A server process for the API benchmark, so the load generator and the server do not share a thread:
 *   node --import tsx bench/api-server.ts app <sqlite file>   the real app (createApp + pages) on SQLite
 *   node --import tsx bench/api-server.ts bare                 node:http doing the same JSON parse
 * Listens on 127.0.0.1 (a free port) and prints one JSON line: the port and what the client needs. Then, for
 * each line read on stdin, prints the CPU time used so far by the process (every thread: the event loop, the
 * SQLite writer and checkpointer, the garbage collector) and by each of its threads, so the client can
 * divide by requests served.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { createAccount, insertKey, insertReview, openDatabase, SCOPES } from '../api/db/index.js';
import { displayPrefix, generateKey, hashKey } from '../api/auth/key-format.js';
import { reviewExpiresAt } from '../api/retention.js';
import { DEFAULT_RATE_LIMITS, type LogRecord } from '../api/types.js';
import { pageOptions } from '../api/web/index.js';
import { makeReport } from './lib/report.js';

const PUBLIC_URL = 'http://127.0.0.1';
const [mode, dbPath] = process.argv.slice(2);

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

function ready(info: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  createInterface({ input: process.stdin }).on('line', () => {
    const { user, system } = process.cpuUsage();
    const threads = threadCpuUs();
    process.stdout.write(
      `${JSON.stringify({ cpuUs: user + system, mainTid: String(process.pid), threads })}\n`,
    );
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
} else if (mode === 'app' && dbPath) {
  // As `diffray-api serve` opens it, with a data key of its own.
  const db = openDatabase(dbPath, { dataKeys: [randomBytes(32)], backgroundCheckpoints: true });
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
    ready({ port: info.port, key, reviewId, cookie: cookie ?? null, signInStatus: signIn.status }),
  );
  process.once('SIGTERM', async () => {
    server.close();
    await db.close();
    process.exit(0);
  });
} else {
  console.error('usage: api-server.ts app <sqlite file> | bare');
  process.exit(2);
}
