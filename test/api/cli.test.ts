import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../api/db/index.js';
import { sessionKeyId } from '../../api/auth/signed-token.js';
import { dataKeyId } from '../../api/db/envelope.js';
import { parseDataKeys } from '../../api/env.js';
import { BIN, startServe } from './serve-process.js';

let dir: string;
let dbPath: string;

function cli(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_PATH: dbPath, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    code: res.status,
    stdout: res.stdout,
    stderr: res.stderr,
    json: () => JSON.parse(res.stdout) as Record<string, unknown>,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffray-cli-'));
  dbPath = join(dir, 'data', 'diffray.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each test spawns the CLI several times (a process start each): minutes on a loaded 2-core runner.
describe('diffray-api CLI', { timeout: 120_000 }, () => {
  let accountId: string;

  it('accounts create prints {accountId, apiKey} with an admin key', async () => {
    const res = cli(['accounts', 'create', 'Acme', 'Inc']);
    expect(res.code).toBe(0);
    const out = res.json();
    expect(Object.keys(out).sort()).toEqual(['accountId', 'apiKey']);
    expect(out.apiKey).toMatch(/^dfr_[0-9A-Za-z]{28}$/);
    accountId = out.accountId as string;
    // Without DATA_ENCRYPTION_KEY (not production) the CLI generated the data key beside the database.
    const dataKeys = parseDataKeys(readFileSync(join(dir, 'data', 'data-key'), 'utf8').trim());
    const db = openDatabase(dbPath, { dataKeys });
    try {
      const row = db.sqlite
        .prepare('SELECT scopes, hash FROM api_keys WHERE account_id = ?')
        .get(accountId) as { scopes: string; hash: string };
      expect(JSON.parse(row.scopes)).toContain('admin');
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(out.apiKey as string);
    } finally {
      await db.close();
    }
  });

  it('keys create / list / revoke', () => {
    const created = cli(['keys', 'create', '--account', accountId, '--name', 'ci']);
    expect(created.code).toBe(0);
    const key = created.json();
    expect(key.scopes).toEqual(['reviews:write', 'config:read']);
    expect(key.apiKey).toMatch(/^dfr_/);

    const custom = cli(['keys', 'create', '--account', accountId, '--scopes', 'reviews:read,admin']);
    expect(custom.json().scopes).toEqual(['reviews:read', 'admin']);

    const list = cli(['keys', 'list', '--account', accountId]);
    expect(list.code).toBe(0);
    expect((list.json().keys as unknown[]).length).toBe(3);
    expect(list.stdout).not.toContain(key.apiKey as string);
    expect(list.stdout).not.toMatch(/"hash"/);

    const revoked = cli(['keys', 'revoke', key.id as string]);
    expect(revoked.code).toBe(0);
    const after = cli(['keys', 'list', '--account', accountId]).json().keys as {
      id: string;
      revokedAt: string | null;
    }[];
    expect(after.find((k) => k.id === key.id)).toMatchObject({ revokedAt: expect.any(String) });
    expect(cli(['keys', 'revoke', 'no-such-key']).code).toBe(1);
  });

  it("keys list without --account lists every account's keys with their account, never a secret", () => {
    const other = cli(['accounts', 'create', 'Other']).json();
    const all = cli(['keys', 'list']);
    expect(all.code).toBe(0);
    const keys = all.json().keys as { accountId: string; id: string; prefix: string }[];
    expect(new Set(keys.map((k) => k.accountId))).toEqual(new Set([accountId, other.accountId]));
    expect(
      keys
        .filter((k) => k.accountId === accountId)
        .map((k) => k.id)
        .sort(),
    ).toEqual(
      (cli(['keys', 'list', '--account', accountId]).json().keys as { id: string }[]).map((k) => k.id).sort(),
    );
    expect(all.stdout).not.toContain(other.apiKey as string);
    expect(all.stdout).not.toMatch(/"hash"/);
  });

  it('members add grants a GitHub login', () => {
    const res = cli(['members', 'add', '--account', accountId, '--github-login', 'octocat']);
    expect(res.code).toBe(0);
    expect(res.json()).toMatchObject({ accountId, login: 'octocat', role: 'admin' });
  });

  it('purge --as-of runs retention and reports counts', () => {
    const res = cli(['purge', '--as-of', '2099-01-01T00:00:00Z']);
    expect(res.code).toBe(0);
    expect(res.json()).toMatchObject({
      asOf: '2099-01-01T00:00:00.000Z',
      reviews: 0,
      auditEntries: expect.any(Number),
    });
    expect(cli(['purge', '--as-of', 'yesterday']).code).toBe(2);
  });

  it('refuses bad usage with exit 2 and says why', () => {
    const res = cli(['keys', 'create', '--account', accountId, '--scopes', 'root']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown scope root');
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['keys', 'list', '--account', 'nope']).code).toBe(1);
  });
});

describe('diffray-api serve', () => {
  it('refuses a weak SESSION_SECRET and names it', () => {
    const res = cli(['serve'], { SESSION_SECRET: 'short', PORT: '0' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('SESSION_SECRET');
  });

  it('refuses to start in production without DATA_ENCRYPTION_KEY, and a malformed one without showing it', () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://diffray.example',
      SESSION_SECRET: randomBytes(48).toString('base64'),
      PORT: '0',
    };
    const missing = cli(['serve'], production);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('DATA_ENCRYPTION_KEY is required');
    const bad = cli(['serve'], { ...production, DATA_ENCRYPTION_KEY: 'not-a-key-4f2a9' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('DATA_ENCRYPTION_KEY: the key is not base64 of 32 bytes');
    expect(bad.stderr).not.toContain('not-a-key-4f2a9');
  });

  it('refuses to start in production without SESSION_SECRET', () => {
    const res = cli(['serve'], { NODE_ENV: 'production', PUBLIC_URL: 'https://diffray.example', PORT: '0' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('SESSION_SECRET is required');
  });

  it('starts in dev with a generated 0600 session secret, answers /healthz, and shuts down on SIGTERM', async () => {
    const server = await startServe({ DATABASE_PATH: dbPath });
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(statSync(join(dir, 'data', 'session-secret')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data', 'data-key')).mode & 0o777).toBe(0o600);
    const dataKey = readFileSync(join(dir, 'data', 'data-key'), 'utf8').trim();
    const out = server.output();
    expect(out).toContain(
      `"dataKeys":{"source":"file","ids":["${dataKeyId(Buffer.from(dataKey, 'base64'))}"]}`,
    );
    expect(out).not.toContain(dataKey);
    const sessionSecret = readFileSync(join(dir, 'data', 'session-secret'), 'utf8').trim();
    expect(out).toContain(`"sessionSecret":{"source":"generated","id":"${sessionKeyId(sessionSecret)}"}`);
    expect(out).not.toContain(sessionSecret);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain('"msg":"shutting down"');
  });
});

describe('diffray-api serve, from another folder', () => {
  it('runs the compiled API (no TypeScript loader) and renders pages outside the repository', async () => {
    // The page's JSX runtime comes from the build, not from a tsconfig beside the working directory.
    const elsewhere = mkdtempSync(join(tmpdir(), 'diffray-elsewhere-'));
    const server = await startServe({}, { cwd: elsewhere });
    try {
      const page = await fetch(`${server.url}/sign-in`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      // The default database went under the working directory's ./data/, as documented.
      expect(statSync(join(elsewhere, 'data', 'diffray.db')).isFile()).toBe(true);
    } finally {
      await server.stop();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('diffray-api reencrypt', () => {
  // Four commands, each a process that loads the API from source.
  it(
    'moves what an older data key sealed to the newest, after which the older key may go',
    { timeout: 120_000 },
    () => {
      const db = { DATABASE_PATH: join(dir, 'rotate', 'diffray.db') };
      const [oldKey, newKey] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
      const [oldKid, newKid] = [oldKey, newKey].map((k) => dataKeyId(Buffer.from(k, 'base64')));
      const created = cli(['accounts', 'create', 'Acme'], { ...db, DATA_ENCRYPTION_KEY: oldKey });
      expect(created.code).toBe(0);
      const without = cli(['keys', 'list'], { ...db, DATA_ENCRYPTION_KEY: newKey });
      expect(without.code).toBe(1);
      expect(without.stderr).toContain(`sealed with data key ${oldKid}`);
      const moved = cli(['reencrypt'], { ...db, DATA_ENCRYPTION_KEY: `${newKey}, ${oldKey}` });
      expect(moved.code).toBe(0);
      expect(moved.json()).toEqual({ dataKey: newKid, resealed: 3, retired: [oldKid] });
      const after = cli(['keys', 'list'], { ...db, DATA_ENCRYPTION_KEY: newKey });
      expect(after.code).toBe(0);
      expect(after.json().keys).toEqual([expect.objectContaining({ name: 'admin (created by CLI)' })]);
    },
  );
});
