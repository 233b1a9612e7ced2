/**
 * A real PostgreSQL server for the tests: `usePostgres()` in a `describe.skipIf(SKIP_POSTGRES)` gives
 * each suite its own fresh database, migrated on request (CREATE DATABASE with a random name, dropped with FORCE after), on
 * - the server named by `DIFFRAY_TEST_POSTGRES_URL` (an admin URL to a throwaway cluster: `.ci/run` starts
 *   one), or else
 * - a throwaway cluster started on first use and shared by every test file of the run: the first worker to
 *   need it takes a lock file in the run's folder (`test/setup/postgres.ts` makes it and stops the cluster
 *   at the end of the run), starts it and writes its URL there; the others wait for that URL.
 * Without server binaries the PostgreSQL suites are skipped (the global setup says so once), unless
 * `DIFFRAY_REQUIRE_POSTGRES` is set, as in CI: then that is a failure.
 *
 * `startCluster()` gives a test a cluster of its own, to stop and start (a database restart under a pool).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { readMigrations } from '../../api/db/migrations.js';
import { applyPgMigrations, PG_MIGRATIONS_FOLDER } from '../../api/db/pg/migrations.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder for the shared cluster's lock and URL (`test/setup/postgres.ts`). */
    postgresRunDir: string;
  }
}

const run = promisify(execFile);

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];

/** The folder holding initdb, pg_ctl and postgres: `pg_config --bindir`, Debian's, or /usr/local/bin. */
export function postgresBinDir(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  } catch {
    // No pg_config on PATH (it is in the client package, not always installed).
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // No Debian server package.
  }
  candidates.push('/usr/local/bin');
  return candidates.find((dir) => SERVER_BINARIES.every((b) => existsSync(join(dir, b))));
}

/** Why the PostgreSQL suites cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (process.env.DIFFRAY_TEST_POSTGRES_URL) return undefined;
  if (postgresBinDir() === undefined)
    return 'no PostgreSQL server binaries (initdb, pg_ctl, postgres) and no DIFFRAY_TEST_POSTGRES_URL';
  return undefined;
}

/** Whether a missing server fails the run (CI) rather than skipping the PostgreSQL suites. */
export const POSTGRES_REQUIRED = Boolean(process.env.DIFFRAY_REQUIRE_POSTGRES);

/**
 * initdb refuses to run as root: as root, the cluster's commands run as the `postgres` OS user (Debian's
 * package creates it) in a folder it owns.
 */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Cluster {
  /** The superuser's URL to the `postgres` database. */
  url: string;
  dir: string;
  /** Stops the server (fast shutdown: sessions are ended), keeping its data and port. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it at once and deletes its folder. */
  destroy(): Promise<void>;
}

/**
 * A throwaway cluster in a temp folder on a free loopback port, tuned for tests (no fsync: a crash loses
 * it, which is the point of throwaway). With `durable` it keeps PostgreSQL's defaults (fsync, synchronous
 * commit, full-page writes), so that the benchmark's figures include what a commit costs on this disk.
 * Trust authentication is safe only because it listens on 127.0.0.1 and in its own private socket folder.
 */
export async function startCluster(opts: { durable?: boolean } = {}): Promise<Cluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(`cannot start PostgreSQL: ${postgresUnavailable()}`);
  const dir = mkdtempSync(join(tmpdir(), 'diffray-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const exec = (command: string, args: string[]) => run(...asServerUser(join(bin, command), args));
  await exec('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  let port = await freePort();
  const options = () =>
    [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${dir}`,
      ...(opts.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      '-c max_connections=200',
    ].join(' ');
  const pgCtl = (...args: string[]) =>
    exec('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...args]);
  const start = async () => {
    await pgCtl('-o', options(), 'start');
  };
  // Another process may take the free port before the server binds it: then a new port, twice more.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      if (attempt === 3) throw new Error(`PostgreSQL did not start: ${readLog(dir)}`, { cause: error });
      port = await freePort();
    }
  }
  return {
    get url() {
      return `postgres://postgres@127.0.0.1:${port}/postgres`;
    },
    dir,
    stop: async () => {
      await pgCtl('-m', 'fast', 'stop');
    },
    start,
    destroy: async () => {
      await pgCtl('-m', 'immediate', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'log'), 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

const SHARED_WAIT_MS = 90_000;

/** The admin URL of the run's server: `DIFFRAY_TEST_POSTGRES_URL`, or the shared cluster, started once. */
async function adminUrl(): Promise<string> {
  if (process.env.DIFFRAY_TEST_POSTGRES_URL) return process.env.DIFFRAY_TEST_POSTGRES_URL;
  const runDir = inject('postgresRunDir');
  const urlFile = join(runDir, 'url');
  try {
    mkdirSync(join(runDir, 'lock'));
  } catch {
    const until = Date.now() + SHARED_WAIT_MS;
    while (!existsSync(urlFile)) {
      if (existsSync(join(runDir, 'failed')))
        throw new Error(
          `the shared PostgreSQL cluster did not start: ${readFileSync(join(runDir, 'failed'), 'utf8')}`,
        );
      if (Date.now() > until) throw new Error('timed out waiting for the shared PostgreSQL cluster');
      await new Promise((r) => setTimeout(r, 100));
    }
    return readFileSync(urlFile, 'utf8');
  }
  try {
    const cluster = await startCluster();
    writeFileSync(join(runDir, 'cluster'), cluster.dir);
    // Written whole, then renamed: a waiting worker never reads half a URL.
    writeFileSync(`${urlFile}.tmp`, cluster.url);
    renameSync(`${urlFile}.tmp`, urlFile);
    return cluster.url;
  } catch (error) {
    writeFileSync(join(runDir, 'failed'), (error as Error).message);
    throw error;
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Runs one statement on the run's server as the administrator. */
async function adminExec(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: await adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * This process's migrated template: a database with the committed migrations applied once, which fresh
 * migrated databases are copied from (CREATE DATABASE ... TEMPLATE copies its files: cheaper than applying
 * every migration again for each test's database). Nothing stays connected to it, as a template requires.
 */
let migratedTemplate: Promise<string> | undefined;
function templateDatabase(): Promise<string> {
  migratedTemplate ??= (async () => {
    const name = `diffray_template_${randomBytes(6).toString('hex')}`;
    await adminExec(`CREATE DATABASE ${name}`);
    const url = new URL(await adminUrl());
    url.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: url.href, max: 1 });
    try {
      await applyPgMigrations(pool, readMigrations(PG_MIGRATIONS_FOLDER));
    } finally {
      await pool.end();
    }
    return name;
  })();
  return migratedTemplate;
}

/**
 * A fresh database on the run's server, dropped (its sessions ended) by `drop`: empty, or with `migrated`,
 * with the committed migrations applied (a copy of this process's migrated template).
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `diffray_test_${randomBytes(6).toString('hex')}`;
  const template = options.migrated ? ` TEMPLATE ${await templateDatabase()}` : '';
  await adminExec(`CREATE DATABASE ${name}${template}`);
  const url = new URL(await adminUrl());
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => adminExec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Whether the PostgreSQL suites are skipped here (no server and `DIFFRAY_REQUIRE_POSTGRES` unset):
 * `describe.skipIf(SKIP_POSTGRES)`. When the server is required and missing, they run and fail.
 */
export const SKIP_POSTGRES = postgresUnavailable() !== undefined && !POSTGRES_REQUIRED;

/**
 * A fresh database for the enclosing `describe`, created before its tests (with `migrated`, with the
 * committed migrations applied) and dropped after. `url` is read in a test or a hook, once it exists.
 */
export function usePostgres(options: { migrated?: boolean } = {}): { readonly url: string } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: options.migrated });
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get url() {
      if (database === undefined) throw new Error('usePostgres: the database exists only in tests and hooks');
      return database.url;
    },
  };
}

/**
 * Drops the run's migrated templates on the server `DIFFRAY_TEST_POSTGRES_URL` names (a cluster the tests
 * started themselves is thrown away whole).
 */
export async function dropTemplateDatabases(): Promise<void> {
  const url = process.env.DIFFRAY_TEST_POSTGRES_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT datname AS name FROM pg_database WHERE datname LIKE 'diffray\\_template\\_%'",
    );
    for (const { name } of rows) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Stops the shared cluster recorded in `runDir`, if a worker started one, and deletes both folders. */
export async function stopSharedCluster(runDir: string): Promise<void> {
  const record = join(runDir, 'cluster');
  if (existsSync(record)) {
    const dir = readFileSync(record, 'utf8');
    const bin = postgresBinDir();
    if (bin !== undefined) {
      await run(
        ...asServerUser(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']),
      ).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  }
  rmSync(runDir, { recursive: true, force: true });
}
