import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvError, loadEnv, parseDataKeys, resolveDataKeys } from '../../api/env.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = () => randomBytes(32);

describe('DATA_ENCRYPTION_KEY', () => {
  it('reads one key or several, newest first, in standard or URL-safe base64', () => {
    const [a, b] = [key(), key()];
    expect(parseDataKeys(a.toString('base64'))).toEqual([new Uint8Array(a)]);
    expect(parseDataKeys(` ${b.toString('base64url')} , ${a.toString('base64')}`)).toEqual([
      new Uint8Array(b),
      new Uint8Array(a),
    ]);
  });

  it('refuses a key that is not base64 of 32 bytes, or listed twice, naming its place and never its value', () => {
    const a = key().toString('base64');
    const short = randomBytes(16).toString('base64');
    for (const [text, message] of [
      [short, 'DATA_ENCRYPTION_KEY: the key is not base64 of 32 bytes'],
      [`${a},${short}`, 'DATA_ENCRYPTION_KEY: key 2 of 2 is not base64 of 32 bytes'],
      [`${a},not base64!`, 'key 2 of 2'],
      [`${a},`, 'key 2 of 2'],
      [`${a},${a}`, 'the same key is listed twice'],
    ] as const) {
      expect(() => parseDataKeys(text)).toThrow(EnvError);
      expect(() => parseDataKeys(text)).toThrow(message);
      try {
        parseDataKeys(text);
      } catch (error) {
        expect((error as Error).message).not.toContain(short);
        expect((error as Error).message).not.toContain(a);
      }
    }
  });

  it('is required with NODE_ENV=production', () => {
    const env = loadEnv({ NODE_ENV: 'production', PUBLIC_URL: 'https://diffray.example' });
    expect(() => resolveDataKeys(env)).toThrow('DATA_ENCRYPTION_KEY is required when NODE_ENV=production');
    const given = key();
    const withKey = loadEnv({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://diffray.example',
      DATA_ENCRYPTION_KEY: given.toString('base64'),
    });
    expect(resolveDataKeys(withKey)).toEqual({ keys: [new Uint8Array(given)], source: 'env' });
  });

  it('is generated beside the database elsewhere, mode 0600, and read back on the next start', () => {
    const env = loadEnv({ DATABASE_PATH: join(dir, 'data', 'diffray.db') });
    const first = resolveDataKeys(env);
    expect(first.source).toBe('generated');
    const file = join(dir, 'data', 'data-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseDataKeys(readFileSync(file, 'utf8').trim())).toEqual(first.keys);
    chmodSync(file, 0o644);
    expect(resolveDataKeys(env)).toEqual({ keys: first.keys, source: 'file' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The file takes the variable's format, so a rotation can be rehearsed there too.
    const newer = key();
    writeFileSync(file, `${newer.toString('base64')},${Buffer.from(first.keys[0]!).toString('base64')}\n`);
    expect(resolveDataKeys(env).keys).toEqual([new Uint8Array(newer), first.keys[0]]);
  });
});

describe('GITHUB_WEBHOOK_SECRET_PREVIOUS', () => {
  it('is accepted beside the current secret during a rotation, never alone', () => {
    const current = 'current-webhook-secret-0123456789';
    const previous = 'previous-webhook-secret-0123456789';
    expect(
      loadEnv({ GITHUB_WEBHOOK_SECRET: current, GITHUB_WEBHOOK_SECRET_PREVIOUS: previous }).config
        .webhookSecrets,
    ).toEqual([current, previous]);
    expect(() => loadEnv({ GITHUB_WEBHOOK_SECRET_PREVIOUS: previous })).toThrow(EnvError);
  });
});

describe("PostgreSQL's pool settings", () => {
  const base = { DATABASE_PATH: join(dir, 'pool.db') };

  it('has defaults, and reads DATABASE_POOL_SIZE and the DATABASE_*_TIMEOUT_MS variables', () => {
    expect(loadEnv(base).databasePool).toEqual({
      max: 10,
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
      statementTimeoutMs: 30_000,
    });
    expect(
      loadEnv({
        ...base,
        DATABASE_POOL_SIZE: '4',
        DATABASE_CONNECT_TIMEOUT_MS: '1500',
        DATABASE_IDLE_TIMEOUT_MS: '60000',
        DATABASE_STATEMENT_TIMEOUT_MS: '0',
      }).databasePool,
    ).toEqual({ max: 4, connectTimeoutMs: 1_500, idleTimeoutMs: 60_000, statementTimeoutMs: 0 });
  });

  it.each([
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', 'ten'],
    ['DATABASE_POOL_SIZE', '5000'],
    ['DATABASE_CONNECT_TIMEOUT_MS', '0'],
    ['DATABASE_IDLE_TIMEOUT_MS', '-1'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '1.5'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '999999999'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadEnv({ ...base, [name]: value })).toThrow(EnvError);
    expect(() => loadEnv({ ...base, [name]: value })).toThrow(
      new RegExp(`^invalid environment:\\n  ${name}: `),
    );
  });
});
