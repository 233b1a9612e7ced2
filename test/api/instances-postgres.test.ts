/**
 * Scale-out on PostgreSQL with real processes (#13 §4): two compiled `diffray-api serve` processes on one
 * database, the client alternating between them. What they share is in the database, so a review written
 * through one is read through the other, a key revoked through one is refused by the other, a limit counts
 * across both, a webhook redelivered to the second is a no-op, the purge started by both deletes once, an
 * instance killed during a burst of ingests leaves whole reviews only, and SIGTERM drains and closes the
 * pool. Then a database restarted under load (a cluster of the test's own), the start refused for a bad or
 * unreachable `DATABASE_URL` and a migration missing from the database, and encryption at rest: a canary
 * written through the API is nowhere in a `pg_dump`.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { openPgDatabase, SCOPES, type DiffrayDb } from '../../api/db/index.js';
import { readMigrations } from '../../api/db/migrations.js';
import { PG_MIGRATIONS_FOLDER } from '../../api/db/pg/migrations.js';
import {
  createTestDatabase,
  postgresBinDir,
  SKIP_POSTGRES,
  startCluster,
  type Cluster,
  type TestDatabase,
} from '../support/postgres.js';
import { makeFinding, makeReport, seedAccount, seedKey } from './helpers.js';
import { BIN, startServe, type ServeProcess } from './serve-process.js';
import {
  burstReport,
  call,
  halfWrittenReviews,
  seedExpiredReviews,
  seedProofKeys,
  sharedStateProofs,
  type Answer,
  type TwoInstances,
  OLD_REVIEWS,
  PER_MINUTE,
  WEBHOOK_SECRET,
} from './two-instances.js';

const DRAIN_REQUESTS = 4;
const POOL = { max: 4, connectTimeoutMs: 5_000, idleTimeoutMs: 30_000, statementTimeoutMs: 30_000 };

/** What every instance of one deployment shares: the database, the secrets, the limits. */
function deploymentEnv(url: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SESSION_SECRET: randomBytes(48).toString('base64'),
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
}

const dataKeysOf = (env: Record<string, string>) => [Buffer.from(env.DATA_ENCRYPTION_KEY!, 'base64')];

/** One `diffray-api` command as a process: its exit code and output. */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

/** Seeds through the application's own code, in this process: an account with keys, reviews long expired. */
async function openSeeding(env: Record<string, string>): Promise<DiffrayDb> {
  return openPgDatabase(env.DATABASE_URL!, { dataKeys: dataKeysOf(env), pool: POOL });
}

describe.skipIf(SKIP_POSTGRES)('two serve processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let inspect: pg.Pool;
  let env: Record<string, string>;
  let a: ServeProcess;
  let b: ServeProcess;
  const keys: TwoInstances['keys'] & { canary: string; drain: string[] } = {
    admin: '',
    victim: '',
    victimId: '',
    limited: '',
    webhook: '',
    burst: [],
    canary: '',
    drain: [],
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = deploymentEnv(database.url);
    // The account and its admin key as an operator makes them (this also migrates the database).
    const created = await cli(['accounts', 'create', 'Acme'], env);
    expect(created.code, created.err).toBe(0);
    const account = JSON.parse(created.out) as { accountId: string; apiKey: string };
    keys.admin = account.apiKey;
    const db = await openSeeding(env);
    try {
      Object.assign(keys, await seedProofKeys(db, account.accountId));
      keys.canary = (await seedKey(db, account.accountId, [...SCOPES])).key;
      for (let i = 0; i < DRAIN_REQUESTS; i++)
        keys.drain.push((await seedKey(db, account.accountId, [...SCOPES])).key);
      // Another account's reviews, written on 2025-03-01: the purge's work.
      await seedExpiredReviews(db, (await seedAccount(db, { name: 'Old' })).key);
    } finally {
      await db.close();
    }
    inspect = new pg.Pool({ connectionString: database.url, max: 2, application_name: 'diffray-test' });
    const serveEnv = { ...env, RATE_LIMIT_PER_MINUTE: String(PER_MINUTE), DATABASE_POOL_SIZE: '4' };
    // Started together: they race for the migration lock (nothing left to apply) and the purge lease.
    [a, b] = await Promise.all([startServe(serveEnv), startServe(serveEnv)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await inspect?.end();
    await database?.drop();
  });

  const purgeLines = (server: ServeProcess) =>
    server
      .output()
      .split('\n')
      .filter((l) => /"msg":"purge( failed)?"/.test(l))
      .map((l) => JSON.parse(l) as { msg: string; reviews?: number; findings?: number });

  it('purge started by both deletes once, without errors', async () => {
    // Each tries once listening; the one that takes the lease purges, the other finds it held or done.
    const lines = await vi.waitFor(() => {
      const logged = [...purgeLines(a), ...purgeLines(b)];
      if (logged.length === 0) throw new Error('no purge logged yet');
      return logged;
    });
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'purge', reviews: OLD_REVIEWS, findings: OLD_REVIEWS }),
    ]);
    const { rows } = await inspect.query<{ n: number }>('SELECT count(*)::int AS n FROM reviews');
    expect(rows).toEqual([{ n: 0 }]);
    const lease = await inspect.query(
      "SELECT holder, done_at IS NOT NULL AS done FROM leases WHERE name = 'purge'",
    );
    expect(lease.rows).toEqual([{ holder: null, done: true }]);
    // Nothing else went wrong at the start of either (the re-encryption check, the lease).
    const errors = [a, b].flatMap((s) =>
      s
        .output()
        .split('\n')
        .filter((l) => l.includes('"level":"error"')),
    );
    expect(errors).toEqual([]);
    expect(a.errors() + b.errors()).toBe('');
  });

  it('reads through one a review written through the other, with the key `accounts create` printed', async () => {
    const report = makeReport({
      repository: 'octo/shared',
      findings: [
        makeFinding({ path: 'src/a.ts', line: 3, title: 'First' }),
        makeFinding({
          path: 'src/b.ts',
          line: 9,
          severity: 'low',
          title: 'Second',
          fingerprint: 'b'.repeat(16),
        }),
      ],
    });
    const written = await call(a, 'POST', '/v1/reviews', keys.admin, report);
    expect(written.status).toBe(201);
    const id = written.json.id as string;
    const read = await call(b, 'GET', `/v1/reviews/${id}`, keys.admin);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      id,
      repository: 'octo/shared',
      findings: [
        expect.objectContaining({ path: 'src/a.ts', title: 'First' }),
        expect.objectContaining({ path: 'src/b.ts', title: 'Second' }),
      ],
    });
    const listed = await call(b, 'GET', '/v1/reviews?repository=octo/shared', keys.admin);
    expect((listed.json.reviews as { id: string }[]).map((r) => r.id)).toEqual([id]);
  });

  it('keeps a canary written through the API out of a pg_dump of the database', async () => {
    const canary = `c${randomUUID().replaceAll('-', '')}`;
    // A value stored in plaintext by design (a commit id), as the control: the dump does show the rows.
    const headSha = randomBytes(20).toString('hex');
    for (const [server, n] of [
      [a, 1],
      [b, 2],
    ] as const) {
      const posted = await call(
        server,
        'POST',
        '/v1/reviews',
        keys.canary,
        makeReport({
          repository: `octo/${canary}-${n}`,
          headSha,
          findings: [
            makeFinding({ path: `src/${canary}.ts`, title: `Title ${canary}`, body: `Body ${canary}` }),
          ],
        }),
      );
      expect(posted.status).toBe(201);
      const read = await call(
        server === a ? b : a,
        'GET',
        `/v1/reviews/${posted.json.id as string}`,
        keys.canary,
      );
      expect(JSON.stringify(read.json)).toContain(`Title ${canary}`);
    }
    const dump = await promisify(execFile)(join(postgresBinDir()!, 'pg_dump'), ['--dbname', database.url], {
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(dump.stdout).toContain(headSha);
    expect(dump.stdout).not.toContain(canary);
  });

  sharedStateProofs(() => ({
    a,
    b,
    keys,
    storedReviews: async (ids) =>
      (await inspect.query<{ id: string }>('SELECT id FROM reviews WHERE id = ANY($1)', [ids])).rows.map(
        (r) => r.id,
      ),
    halfWritten: () => halfWrittenReviews(async (sql) => (await inspect.query(sql)).rows),
  }));

  it('on SIGTERM stops accepting, finishes the requests in flight, closes its pool and exits 0', async () => {
    // The requests in flight wait on a lock this test holds, so they are surely in flight at the signal:
    // each authenticates with a key of its own, never used before, so each records the key's first use
    // (an UPDATE of api_keys, which the lock holds back; reading the key is not held back).
    const blocker = await inspect.connect();
    onTestFinished(() => blocker.release());
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE api_keys IN EXCLUSIVE MODE');
    const answers = keys.drain.map((key, i) =>
      call(a, 'POST', '/v1/reviews', key, makeReport({ repository: 'octo/drain', pullRequest: i + 1 })),
    );
    await vi.waitFor(async () => {
      const { rows } = await inspect.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'diffray-api' AND wait_event_type = 'Lock'",
      );
      expect(rows[0]!.n).toBe(DRAIN_REQUESTS);
    });
    const exited = a.stop('SIGTERM');
    await vi.waitFor(() => expect(a.output()).toContain('"msg":"shutting down"'));
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(a.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('accepted');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    await blocker.query('COMMIT');
    const drained = await Promise.all(answers);
    expect(drained.map((r) => r.status)).toEqual(Array<number>(DRAIN_REQUESTS).fill(201));
    expect(await exited).toBe(0);
    const sessions = await inspect.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'diffray-api'",
    );
    expect(sessions.rows).toEqual([{ n: 0 }]);
    const stored = await inspect.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM reviews WHERE id = ANY($1)',
      [drained.map((r) => r.json.id)],
    );
    expect(stored.rows).toEqual([{ n: DRAIN_REQUESTS }]);
  });
});

describe.skipIf(postgresBinDir() === undefined)('two serve processes across a database restart', () => {
  let cluster: Cluster;
  let inspect: pg.Pool;
  let apiKey: string;
  let a: ServeProcess;
  let b: ServeProcess;
  const canary = `c${randomUUID().replaceAll('-', '')}`;

  beforeAll(async () => {
    cluster = await startCluster();
    const env = deploymentEnv(cluster.url);
    const created = await cli(['accounts', 'create', `Acme ${canary}`], env);
    expect(created.code, created.err).toBe(0);
    apiKey = (JSON.parse(created.out) as { apiKey: string }).apiKey;
    // Fails fast while the server is down: a connection refused at once, one not answered within a second.
    const serveEnv = { ...env, DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_POOL_SIZE: '4' };
    [a, b] = await Promise.all([startServe(serveEnv), startServe(serveEnv)]);
    inspect = new pg.Pool({ connectionString: cluster.url, max: 1, application_name: 'diffray-test' });
    // Idle connections of the inspecting pool are cut by the restart too; that is expected here.
    inspect.on('error', () => {});
  });

  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await inspect?.end();
    await cluster?.destroy();
  });

  it('answers 503 with a request id while the database is down, then serves again without a restart of the API, and leaves whole reviews only', async () => {
    const written = await call(
      a,
      'POST',
      '/v1/reviews',
      apiKey,
      makeReport({
        repository: `octo/${canary}`,
        findings: [
          makeFinding({ path: `src/${canary}.ts`, title: `Title ${canary}`, body: `Body ${canary}` }),
        ],
      }),
    );
    expect(written.status).toBe(201);
    type Outcome = Answer & { phase: 'up' | 'down' | 'again' };
    const outcomes: Outcome[] = [];
    let phase: Outcome['phase'] = 'up';
    let loading = true;
    const report = burstReport('octo/restart', 20);
    // Four clients, each sending its next review as soon as the last is answered, alternating instances.
    const load = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; loading; i++) {
        const at = phase;
        const answer = await call((w + i) % 2 === 0 ? a : b, 'POST', '/v1/reviews', apiKey, report);
        outcomes.push({ ...answer, phase: at === phase ? at : 'down' });
      }
    });
    const count = (p: Outcome['phase'], status: number) =>
      outcomes.filter((o) => o.phase === p && o.status === status).length;
    await vi.waitFor(() => expect(count('up', 201)).toBeGreaterThanOrEqual(8), { timeout: 20_000 });
    phase = 'down';
    await cluster.stop();
    await vi.waitFor(() => expect(count('down', 503)).toBeGreaterThanOrEqual(8), { timeout: 20_000 });
    for (const server of [a, b]) {
      const ready = await call(server, 'GET', '/readyz');
      expect(ready).toMatchObject({
        status: 503,
        json: { status: 'unavailable', requestId: ready.requestId },
      });
      const read = await call(server, 'GET', `/v1/reviews/${written.json.id as string}`, apiKey);
      expect(read).toMatchObject({
        status: 503,
        json: { error: { code: 'unavailable', requestId: read.requestId } },
      });
    }
    await cluster.start();
    await vi.waitFor(
      async () => {
        for (const server of [a, b]) expect((await call(server, 'GET', '/readyz')).status).toBe(200);
      },
      { timeout: 20_000 },
    );
    phase = 'again';
    await vi.waitFor(() => expect(count('again', 201)).toBeGreaterThanOrEqual(8), { timeout: 20_000 });
    loading = false;
    await Promise.all(load);

    // Only whole answers: stored, or unavailable with a request id to quote; never another error.
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    for (const o of outcomes.filter((o) => o.status === 503))
      expect(o.json).toMatchObject({ error: { code: 'unavailable', requestId: o.requestId } });
    expect(outcomes.filter((o) => o.phase === 'again' && o.status !== 201)).toEqual([]);
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
    const created = outcomes.filter((o) => o.status === 201).map((o) => o.json.id as string);
    const { rows } = await inspect.query<{ id: string }>('SELECT id FROM reviews WHERE id = ANY($1)', [
      created,
    ]);
    expect(rows.length).toBe(created.length);
    expect(await halfWrittenReviews(async (sql) => (await inspect.query(sql)).rows)).toEqual([]);
    const read = await call(b, 'GET', `/v1/reviews/${written.json.id as string}`, apiKey);
    expect(JSON.stringify(read.json)).toContain(`Title ${canary}`);
  });

  it('keeps the canary out of every file of the cluster: tables, WAL, log', async () => {
    await inspect.query('CHECKPOINT');
    const files = (
      await promisify(execFile)('find', [cluster.dir, '-type', 'f'], { maxBuffer: 16 * 1024 * 1024 })
    ).stdout
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const needle = Buffer.from(canary, 'utf8');
    expect(files.filter((f) => readFileSync(f).includes(needle))).toEqual([]);
  });
});

describe('the start refused for the database', () => {
  const password = 's3cret-pa55word';
  const secrets = {
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SESSION_SECRET: randomBytes(48).toString('base64'),
  };

  it('names DATABASE_URL when it is malformed, never printing the password', async () => {
    for (const url of [`postgres//admin:${password}@db`, `postgres://admin:${password}@db.internal:5432/`]) {
      const run = await cli(['serve'], { ...secrets, DATABASE_URL: url });
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/^diffray-api: DATABASE_URL: /);
      expect(run.out + run.err).not.toContain(password);
    }
  });

  it('names DATABASE_URL, redacted, when the database is unreachable, and exits non-zero', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const run = await cli(['serve'], {
      ...secrets,
      DATABASE_URL: `postgres://admin:${password}@127.0.0.1:${port}/diffray`,
    });
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `diffray-api: DATABASE_URL: cannot open postgres://admin:***@127.0.0.1:${port}/diffray`,
    );
    expect(run.out + run.err).not.toContain(password);
  });

  it.skipIf(SKIP_POSTGRES)(
    'names a migration missing from the database, and one missing from the folder',
    async () => {
      const database = await createTestDatabase();
      onTestFinished(() => database.drop());
      const env = { ...secrets, DATABASE_URL: database.url };
      expect((await cli(['migrate'], env)).code).toBe(0);
      const migrations = readMigrations(PG_MIGRATIONS_FOLDER);
      const skipped = migrations[2]!;
      const newer = Math.max(...migrations.map((m) => m.when)) + 60_000;
      const sql = async (text: string, values: unknown[]) => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          await client.query(text, values);
        } finally {
          await client.end();
        }
      };
      await sql('DELETE FROM "__drizzle_migrations" WHERE created_at = $1', [skipped.when]);
      const gap = await cli(['serve'], env);
      expect(gap.code).toBe(1);
      expect(gap.err).toContain(`migration ${skipped.tag} is missing from the database`);
      // Restored; then the database records one this build's folder lacks (a newer version migrated it).
      await sql('INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES ($1, $2), ($3, $4)', [
        skipped.hash,
        skipped.when,
        'newer',
        newer,
      ]);
      const ahead = await cli(['serve'], env);
      expect(ahead.code).toBe(1);
      expect(ahead.err).toContain(
        `the database has a migration this version of diffray-api does not know (created ${new Date(newer).toISOString()})`,
      );
      // A journal entry whose file is missing from the PostgreSQL folder.
      const folder = mkdtempSync(join(tmpdir(), 'diffray-pg-migrations-'));
      onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
      cpSync(PG_MIGRATIONS_FOLDER, folder, { recursive: true });
      rmSync(join(folder, `${skipped.tag}.sql`));
      expect(() => readMigrations(folder)).toThrow(`migration ${skipped.tag} is missing`);
    },
  );
});
