/**
 * API benchmark, in one run, on both engines side by side: the real app (bench/api-server.ts, its own
 * process) on a SQLite file in a temp dir and on a throwaway PostgreSQL cluster (fsync on), beside a bare
 * node:http handler doing the same JSON parse, all loaded by autocannon over 127.0.0.1; two app processes
 * on one PostgreSQL database against one; the overview and a repository page of an account at hosted
 * scale, with their query plans; then the retention purge on both engines (`purge.ts`). Prints figures;
 * asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { ROOT } from '../test/e2e/harness.js';
import { startCluster, type Cluster } from '../test/support/postgres.js';
import { makeReport } from './lib/report.js';
import type { ScaleSeed } from './lib/scale.js';
import { percentile } from './lib/stats.js';
import { purgeBench, type PurgeFigures } from './purge.js';

export interface ApiBenchOptions {
  purgeRows: number[];
  durationSeconds: number;
  connections: number;
  /** The page benchmark's account: reviews and findings. */
  scale: { reviews: number; findings: number };
  /** Sequential requests per page in the page benchmark. */
  pageRequests: number;
  log: (line: string) => void;
}

export type Engine = 'sqlite' | 'postgres';

export interface HttpFigures {
  engine: Engine | 'bare';
  name: string;
  /** The offered rate (req/s), when the load generator paced its requests; otherwise as fast as answered. */
  offeredRate?: number;
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
  /** PostgreSQL's CPU (the postmaster and every backend) per request, on PostgreSQL. */
  databaseUsPerRequest?: number;
}

/** Ingest on PostgreSQL by one `serve` process and by two on the same database, at once. */
export interface InstancesFigures {
  instances: number;
  requestsPerSecond: number;
  p99: number;
  errors: number;
  /** Each server process's CPU per request it served. */
  serverUsPerRequest: number[];
  /** Each server process's share of one core over the run. */
  serverCores: number[];
  databaseUsPerRequest: number;
  databaseCores: number;
  loadGeneratorUsPerRequest: number;
  loadGeneratorCores: number;
}

export interface PageFigures {
  engine: Engine;
  name: string;
  requests: number;
  p50: number;
  p95: number;
  max: number;
}

export interface PagePlans {
  engine: Engine;
  seed: ScaleSeed;
  pages: PageFigures[];
  /** Each distinct statement the two pages sent (first request of each), with its plan. */
  plans: { sql: string; plan: string }[];
}

export interface ApiResults {
  connections: number;
  durationSeconds: number;
  http: HttpFigures[];
  instances: InstancesFigures[];
  pages: PagePlans[];
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
  info: {
    port: number;
    key?: string;
    reviewId?: string;
    cookie?: string | null;
    signInStatus?: number;
    scale?: ScaleSeed;
  };
  url: string;
  /** Sends a command line (see bench/api-server.ts) and reads its one-line JSON answer. */
  command<T>(line: 'cpu' | 'trace' | 'plans'): Promise<T>;
  /** The server's CPU so far. */
  cpu(): Promise<CpuSample>;
}

/** The data key of the PostgreSQL servers: two servers on one database must share it. */
const PG_DATA_KEY = randomBytes(32).toString('hex');

async function startServer(args: string[], opts: { readyWithinMs?: number } = {}): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/api-server.ts', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_DATA_KEY: PG_DATA_KEY },
  });
  const lines = createInterface({ input: child.stdout! });
  const nextLine = (withinMs: number) =>
    new Promise<string>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the bench server exited with ${code}`));
      const timer = setTimeout(
        () => reject(new Error(`the bench server did not answer within ${withinMs / 1000} s`)),
        withinMs,
      );
      lines.once('line', (line) => {
        clearTimeout(timer);
        child.off('exit', exited);
        resolve(line);
      });
      child.once('exit', exited);
    });
  const info = JSON.parse(await nextLine(opts.readyWithinMs ?? 30_000)) as Server['info'];
  const command = async <T>(line: string) => {
    const answer = nextLine(120_000);
    child.stdin!.write(`${line}\n`);
    return JSON.parse(await answer) as T;
  };
  return { child, info, url: `http://127.0.0.1:${info.port}`, command, cpu: () => command<CpuSample>('cpu') };
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/**
 * CPU µs used so far by a PostgreSQL cluster: its postmaster (with the time of backends that have ended,
 * which Linux adds to their parent) and each live backend, from /proc; NaN elsewhere.
 */
function clusterCpuUs(cluster: Cluster): number {
  const stat = (pid: string) => {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  try {
    const postmaster = readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]!;
    const own = stat(postmaster);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const fields = stat(pid);
        if (fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The process ended while /proc was read: its time is now the postmaster's.
      }
    }
    return ticks * 10_000;
  } catch {
    return NaN;
  }
}

interface LoadOptions {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Offered requests per second across all connections; unset: as fast as answered. */
  rate?: number;
}

async function load(
  engine: HttpFigures['engine'],
  name: string,
  server: Server,
  opts: LoadOptions,
  bench: ApiBenchOptions,
  cluster?: Cluster,
): Promise<HttpFigures> {
  const { path, rate, ...rest } = opts;
  const base = {
    ...rest,
    url: server.url + path,
    connections: bench.connections,
    timeout: 10,
    ...(rate === undefined ? {} : { overallRate: rate }),
  };
  await autocannon({ ...base, duration: 1 }); // warm-up: JIT, page cache, the database's cache
  const before = await server.cpu();
  const dbBefore = cluster ? clusterCpuUs(cluster) : NaN;
  const ownBefore = process.cpuUsage();
  const r = await autocannon({ ...base, duration: bench.durationSeconds });
  const own = process.cpuUsage(ownBefore);
  const dbUs = cluster ? clusterCpuUs(cluster) - dbBefore : NaN;
  const after = await server.cpu();
  const served = Math.max(1, r.requests.total);
  const split = threadSplit(before, after);
  const figures: HttpFigures = {
    engine,
    name,
    ...(rate === undefined ? {} : { offeredRate: rate }),
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
    ...(cluster ? { databaseUsPerRequest: dbUs / served } : {}),
  };
  bench.log(
    `  ${engine} ${name}: ${Math.round(figures.requestsPerSecond)} req/s, p99 ${figures.p99} ms, ` +
      `CPU ${Math.round(figures.cpuUsPerRequest)} µs/req (main thread ${Math.round(figures.mainUsPerRequest)}, ` +
      `busiest other ${Math.round(figures.otherThreadUsPerRequest)}; load generator ${Math.round(figures.loadGeneratorUsPerRequest)}` +
      (cluster ? `; PostgreSQL ${Math.round(figures.databaseUsPerRequest!)}` : '') +
      ')' +
      (figures.non2xx || figures.errors ? ` (non-2xx ${figures.non2xx}, errors ${figures.errors})` : ''),
  );
  return figures;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** The bare handler's rows: the ceiling the app's are divided by. */
async function bareBench(opts: ApiBenchOptions, body: string): Promise<HttpFigures[]> {
  const bare = await startServer(['bare']);
  try {
    return [
      await load(
        'bare',
        'POST (node:http + JSON.parse)',
        bare,
        { path: '/', method: 'POST', headers: JSON_TYPE, body },
        opts,
      ),
      await load('bare', 'GET (node:http + same JSON)', bare, { path: '/' }, opts),
    ];
  } finally {
    await stopServer(bare);
  }
}

export const INGEST = 'POST /v1/reviews (50 findings)';
export const OFFERED_RATE = 200;

/** The app's rows on one engine: ingest as fast as answered and at the offered rate, the review's JSON, its page. */
async function appBench(
  opts: ApiBenchOptions,
  engine: Engine,
  app: Server,
  body: string,
  cluster?: Cluster,
): Promise<HttpFigures[]> {
  const out: HttpFigures[] = [];
  const auth = { authorization: `Bearer ${app.info.key}` };
  const check = await fetch(`${app.url}/v1/reviews`, {
    method: 'POST',
    headers: { ...JSON_TYPE, ...auth },
    body,
  });
  if (check.status !== 201)
    opts.log(`  POST /v1/reviews answered ${check.status}: ${(await check.text()).slice(0, 200)}`);
  const ingest = { path: '/v1/reviews', method: 'POST', headers: { ...JSON_TYPE, ...auth }, body };
  out.push(await load(engine, INGEST, app, ingest, opts, cluster));
  out.push(
    await load(
      engine,
      `${INGEST} at ${OFFERED_RATE} req/s`,
      app,
      { ...ingest, rate: OFFERED_RATE },
      opts,
      cluster,
    ),
  );
  out.push(
    await load(
      engine,
      'GET /v1/reviews/:id (50 findings)',
      app,
      { path: `/v1/reviews/${app.info.reviewId}`, headers: auth },
      opts,
      cluster,
    ),
  );
  if (app.info.cookie) {
    const page = await fetch(`${app.url}/reviews/${app.info.reviewId}`, {
      headers: { cookie: app.info.cookie },
    });
    if (page.status !== 200) opts.log(`  GET /reviews/:id answered ${page.status}`);
    out.push(
      await load(
        engine,
        'GET /reviews/:id (web page)',
        app,
        { path: `/reviews/${app.info.reviewId}`, headers: { cookie: app.info.cookie } },
        opts,
        cluster,
      ),
    );
  } else {
    opts.log(
      `  web page not measured: the sign-in form answered ${app.info.signInStatus} without a session cookie`,
    );
  }
  return out;
}

/**
 * Ingest through two `serve` processes on one PostgreSQL database at once (the load generator's
 * connections split between them), beside one: the req/s, and where the CPU went (each server, PostgreSQL,
 * the load generator), all on this machine's cores.
 */
async function instancesBench(
  opts: ApiBenchOptions,
  servers: Server[],
  body: string,
  cluster: Cluster,
): Promise<InstancesFigures> {
  const run = (duration: number) =>
    Promise.all(
      servers.map((s) =>
        autocannon({
          url: `${s.url}/v1/reviews`,
          method: 'POST',
          headers: { ...JSON_TYPE, authorization: `Bearer ${s.info.key}` },
          body,
          connections: Math.max(1, Math.round(opts.connections / servers.length)),
          duration,
          timeout: 10,
        }),
      ),
    );
  // Warm-up: a second process starts cold (JIT, its pool's connections), so longer than a row's.
  await run(3);
  const before = await Promise.all(servers.map((s) => s.cpu()));
  const dbBefore = clusterCpuUs(cluster);
  const ownBefore = process.cpuUsage();
  const t0 = performance.now();
  const results = await run(opts.durationSeconds);
  const wallUs = (performance.now() - t0) * 1000;
  const own = process.cpuUsage(ownBefore);
  const dbUs = clusterCpuUs(cluster) - dbBefore;
  const after = await Promise.all(servers.map((s) => s.cpu()));
  const served = results.reduce((sum, r) => sum + r.requests.total, 0);
  const serverUs = after.map((a, i) => a.cpuUs - before[i]!.cpuUs);
  const figures: InstancesFigures = {
    instances: servers.length,
    requestsPerSecond: results.reduce((sum, r) => sum + r.requests.average, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0),
    serverUsPerRequest: serverUs.map((us, i) => us / Math.max(1, results[i]!.requests.total)),
    serverCores: serverUs.map((us) => us / wallUs),
    databaseUsPerRequest: dbUs / Math.max(1, served),
    databaseCores: dbUs / wallUs,
    loadGeneratorUsPerRequest: (own.user + own.system) / Math.max(1, served),
    loadGeneratorCores: (own.user + own.system) / wallUs,
  };
  opts.log(
    `  ${servers.length} instance(s) on PostgreSQL: ${Math.round(figures.requestsPerSecond)} req/s, p99 ${figures.p99} ms; ` +
      `cores: servers ${figures.serverCores.map((c) => c.toFixed(2)).join(' + ')}, PostgreSQL ${figures.databaseCores.toFixed(2)}, ` +
      `load generator ${figures.loadGeneratorCores.toFixed(2)}`,
  );
  return figures;
}

/**
 * The overview and a repository page of an account at hosted scale (`lib/scale.ts`), on one engine: the
 * statements of each page's first request with their plans, then `pageRequests` sequential requests of
 * each over HTTP (one at a time: the latency a visitor sees, not the throughput).
 */
async function pageBench(opts: ApiBenchOptions, engine: Engine, target: string): Promise<PagePlans> {
  const app = await startServer(['app', target, String(opts.scale.reviews), String(opts.scale.findings)], {
    readyWithinMs: 600_000,
  });
  try {
    const seed = app.info.scale!;
    opts.log(
      `  ${engine}: seeded ${seed.reviews.toLocaleString('en-US')} reviews and ${seed.findings.toLocaleString('en-US')} findings in ${(seed.seedMs / 1000).toFixed(1)} s`,
    );
    const pages = [
      { name: 'GET / (overview)', path: '/' },
      {
        name: `GET /repositories/${seed.repositories[3]} (repository)`,
        path: `/repositories/${seed.repositories[3]}`,
      },
    ];
    const get = async (path: string) => {
      const response = await fetch(app.url + path, { headers: { cookie: app.info.cookie ?? '' } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    };
    await app.command('trace');
    for (const page of pages) await get(page.path);
    const { plans } = await app.command<{ plans: { sql: string; plan: string }[] }>('plans');
    const figures: PageFigures[] = [];
    for (const page of pages) {
      for (let i = 0; i < 5; i++) await get(page.path);
      const times: number[] = [];
      for (let i = 0; i < opts.pageRequests; i++) {
        const t0 = performance.now();
        await get(page.path);
        times.push(performance.now() - t0);
      }
      const f = {
        engine,
        name: page.name,
        requests: times.length,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        max: Math.max(...times),
      };
      figures.push(f);
      opts.log(`  ${engine} ${page.name}: p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms`);
    }
    return { engine, seed, pages: figures, plans };
  } finally {
    await stopServer(app);
  }
}

/** A fresh database on the cluster, named `name`; its URL. */
async function createDatabase(cluster: Cluster, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.href;
}

async function httpBench(
  opts: ApiBenchOptions,
  dir: string,
  cluster: Cluster,
): Promise<{ http: HttpFigures[]; instances: InstancesFigures[] }> {
  const body = JSON.stringify(makeReport());
  const http = await bareBench(opts, body);
  const sqlite = await startServer(['app', join(dir, 'api.db')]);
  try {
    http.push(...(await appBench(opts, 'sqlite', sqlite, body)));
  } finally {
    await stopServer(sqlite);
  }
  const url = await createDatabase(cluster, 'bench_http');
  const first = await startServer(['app', url]);
  const instances: InstancesFigures[] = [];
  try {
    http.push(...(await appBench(opts, 'postgres', first, body, cluster)));
    instances.push(await instancesBench(opts, [first], body, cluster));
    const second = await startServer(['app', url]);
    try {
      instances.push(await instancesBench(opts, [first, second], body, cluster));
    } finally {
      await stopServer(second);
    }
  } finally {
    await stopServer(first);
  }
  return { http, instances };
}

export async function runApiBench(opts: ApiBenchOptions): Promise<ApiResults> {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-bench-api-'));
  // Durable, as a production server runs: every commit waits for its WAL flush on this disk.
  const cluster = await startCluster({ durable: true });
  try {
    const { http, instances } = await httpBench(opts, dir, cluster);
    opts.log(
      `  pages at scale: ${opts.scale.reviews.toLocaleString('en-US')} reviews, ${opts.scale.findings.toLocaleString('en-US')} findings in one account`,
    );
    const pages = [
      await pageBench(opts, 'sqlite', join(dir, 'scale.db')),
      await pageBench(opts, 'postgres', await createDatabase(cluster, 'bench_scale')),
    ];
    const purged = await purgeBench({
      purgeRows: opts.purgeRows,
      dir,
      database: (name) => createDatabase(cluster, name),
      log: opts.log,
    });
    return {
      connections: opts.connections,
      durationSeconds: opts.durationSeconds,
      http,
      instances,
      pages,
      purge: purged,
    };
  } finally {
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
