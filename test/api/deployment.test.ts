/**
 * What an operator's deployment relies on: `diffray-api migrate` and the migration lock, missing
 * migrations named, `/readyz`, database faults answered 503 with a request id, and the database variables
 * checked at start (named, never echoing a password).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, openDatabase } from '../../api/db/index.js';
import { applyMigrations, readMigrations } from '../../api/db/migrations.js';
import { loadEnv, resolveDataKeys, resolveSessionSecret } from '../../api/env.js';
import { makeReport, seedAccount, startServer } from './helpers.js';
import { BIN, startServe } from './serve-process.js';

const TAGS = (
  JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  }
).entries.map((e) => e.tag);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffray-deploy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `diffray-api migrate` as a process: exit code and parsed stdout. */
function migrateProcess(dbPath: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'migrate'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_PATH: dbPath },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

describe('diffray-api migrate', () => {
  it('applies the migrations once when two processes start together, then has nothing to do', async () => {
    const dbPath = join(dir, 'together', 'diffray.db');
    const both = await Promise.all([migrateProcess(dbPath), migrateProcess(dbPath)]);
    for (const r of both) expect(r.code, r.err).toBe(0);
    const applied = both.map((r) => (JSON.parse(r.out) as { applied: string[] }).applied);
    // One of them applied everything; the other waited on the lock and found nothing left.
    expect(applied.flat().sort()).toEqual([...TAGS].sort());
    expect(applied.some((a) => a.length === 0)).toBe(true);
    const sqlite = new Database(dbPath, { readonly: true });
    expect(sqlite.prepare('SELECT count(*) AS n FROM "__drizzle_migrations"').get()).toEqual({
      n: TAGS.length,
    });
    sqlite.close();
    const again = await migrateProcess(dbPath);
    expect(JSON.parse(again.out)).toEqual({ applied: [] });
  });
});

describe('missing migrations are errors that name them', () => {
  const folderWithout = (tag: string) => {
    const folder = mkdtempSync(join(dir, 'migrations-'));
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    rmSync(join(folder, `${tag}.sql`));
    return folder;
  };

  it('a journal entry without its file', () => {
    const tag = TAGS[1]!;
    expect(() => readMigrations(folderWithout(tag))).toThrow(`migration ${tag} is missing`);
  });

  it('a migration older than the newest applied one that is not applied', () => {
    const sqlite = new Database(join(dir, 'gap.db'));
    const all = readMigrations(MIGRATIONS_FOLDER);
    applyMigrations(sqlite, all);
    sqlite.prepare('DELETE FROM "__drizzle_migrations" WHERE created_at = ?').run(all[2]!.when);
    expect(() => applyMigrations(sqlite, all)).toThrow(
      `migration ${all[2]!.tag} is missing from the database`,
    );
    sqlite.close();
  });

  it('a database migrated by a newer version', () => {
    const sqlite = new Database(join(dir, 'newer.db'));
    const all = readMigrations(MIGRATIONS_FOLDER);
    applyMigrations(sqlite, all);
    expect(() => applyMigrations(sqlite, all.slice(0, -1))).toThrow(/migrated by a newer version/);
    sqlite.close();
  });
});

describe('readiness and database faults', () => {
  it('/readyz answers 200 while the database answers, then 503 with a request id, as every route does, fast', async () => {
    const s = await startServer();
    try {
      const { key } = await seedAccount(s.db);
      expect((await s.call('GET', '/readyz')).json).toEqual({ status: 'ready' });
      // The database goes away under the running app (a lost file system, a closed connection).
      await s.db.close();
      const started = performance.now();
      const ready = await s.call('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({
        status: 'unavailable',
        requestId: ready.headers.get('x-request-id'),
      });
      const read = await s.call('GET', '/v1/reviews?repository=octo/hello', { key });
      expect(read.status).toBe(503);
      expect(read.headers.get('retry-after')).toBe('1');
      expect(read.json).toMatchObject({
        error: { code: 'unavailable', requestId: read.headers.get('x-request-id') },
      });
      const write = await s.call('POST', '/v1/reviews', { key, body: makeReport() });
      expect(write.status).toBe(503);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await s.close().catch(() => undefined);
    }
  });
});

describe('SIGTERM', () => {
  it('stops accepting, lets the reviews in flight commit, closes the database and exits 0', async () => {
    const dbPath = join(dir, 'sigterm', 'diffray.db');
    const dataKey = randomBytes(32);
    const db = openDatabase(dbPath, { dataKeys: [dataKey] });
    const { key } = await seedAccount(db);
    await db.close();
    const server = await startServe({
      DATABASE_PATH: dbPath,
      DATA_ENCRYPTION_KEY: dataKey.toString('base64'),
    });
    const answered: number[] = [];
    const posts = Array.from({ length: 12 }, (_, i) =>
      fetch(`${server.url}/v1/reviews`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(makeReport({ pullRequest: i + 1 })),
      }).then(
        (r) => answered.push(r.status),
        () => answered.push(0), // refused: sent after the server stopped accepting
      ),
    );
    while (answered.length < 1) await new Promise((r) => setTimeout(r, 2));
    const exited = server.stop('SIGTERM');
    await Promise.all(posts);
    expect(await exited).toBe(0);
    // Every request the server took was answered 201, and each of those reviews is stored.
    expect(answered.filter((s) => s !== 201 && s !== 0)).toEqual([]);
    const sqlite = new Database(dbPath, { readonly: true });
    expect(sqlite.prepare('SELECT count(*) AS n FROM reviews').get()).toEqual({
      n: answered.filter((s) => s === 201).length,
    });
    sqlite.close();
    expect(server.output()).toContain('"msg":"shutting down"');
  });
});

describe('the database variables, checked at start', () => {
  const password = 's3cret-pa55word';

  it('names DATABASE_URL when it does not parse, without echoing it', () => {
    expect(() => loadEnv({ DATABASE_URL: `postgres//admin:${password}@db` })).toThrow(
      /^DATABASE_URL: not a valid URL/,
    );
    try {
      loadEnv({ DATABASE_URL: `postgres//admin:${password}@db` });
    } catch (error) {
      expect((error as Error).message).not.toContain(password);
    }
  });

  it('selects PostgreSQL by DATABASE_URL, and names the variable for one without a database, hiding the password', () => {
    const url = `postgres://admin:${password}@db.internal:5432/diffray`;
    expect(loadEnv({ DATABASE_URL: url }).database).toEqual({ engine: 'postgres', url });
    const socket = 'postgres:///diffray?host=/var/run/postgresql';
    expect(loadEnv({ DATABASE_URL: socket }).database).toEqual({ engine: 'postgres', url: socket });
    let message = '';
    try {
      loadEnv({ DATABASE_URL: `postgres://admin:${password}@db.internal:5432/` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^DATABASE_URL: a PostgreSQL URL needs a host and a database name/);
    expect(message).not.toContain(password);
  });

  it('requires SESSION_SECRET and DATA_ENCRYPTION_KEY with PostgreSQL, which every instance must share', () => {
    const env = loadEnv({ DATABASE_URL: 'postgres://diffray@db.internal/diffray' });
    expect(() => resolveSessionSecret(env)).toThrow(/^SESSION_SECRET is required with PostgreSQL/);
    expect(() => resolveDataKeys(env)).toThrow(/^DATA_ENCRYPTION_KEY is required with PostgreSQL/);
  });

  it('accepts a file: DATABASE_URL, refuses both variables at once, a folder and :memory:', () => {
    const file = join(dir, 'url', 'diffray.db');
    expect(loadEnv({ DATABASE_URL: `file://${file}` }).database).toEqual({ engine: 'sqlite', path: file });
    expect(() => loadEnv({ DATABASE_URL: `file://${file}`, DATABASE_PATH: file })).toThrow(/both set/);
    mkdirSync(join(dir, 'a-folder'), { recursive: true });
    expect(() => loadEnv({ DATABASE_PATH: join(dir, 'a-folder') })).toThrow(/^DATABASE_PATH: .* is a folder/);
    expect(() => loadEnv({ DATABASE_PATH: ':memory:' })).toThrow(/^DATABASE_PATH: must be a file/);
  });
});
