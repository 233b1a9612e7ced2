/**
 * The only reader of `process.env`. Everything is validated with zod at start; errors name the variable.
 *
 * Session secret: `SESSION_SECRET` (≥ 32 bytes) signs page sessions. With `NODE_ENV=production` it is
 * required and the server refuses to start without it. Elsewhere, so that `npm run api` works in one
 * command, `serve` generates one on first start and keeps it in `session-secret` (mode 0600) beside the
 * database file. A weak value given explicitly is always refused. `SESSION_SECRET_PREVIOUS`, during a
 * rotation, still verifies the sessions it signed (`api/auth/signed-token.ts`).
 *
 * Data keys: `DATA_ENCRYPTION_KEY` (base64 of 32 random bytes; several, newest first and comma-separated,
 * while a rotation re-encrypts) seals finding texts and personal data at rest (`api/db/envelope.ts`).
 * Required with `NODE_ENV=production`; elsewhere generated on first use into `data-key` (mode 0600) beside
 * the database, in the same format.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createPrivateFile, makePrivateDir } from './db/files.js';
import { DATA_KEY_BYTES } from './db/envelope.js';
import type { PgPoolSettings } from './db/pg/connection.js';
import { DEFAULT_QUOTAS, DEFAULT_RATE_LIMITS, type ApiConfig } from './types.js';

export const MIN_SECRET_BYTES = 32;
export const MIN_WEBHOOK_SECRET_BYTES = 16;

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
const url = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().positive();
/** Milliseconds, up to a day: a larger value is a unit mistake (seconds meant), not a wish. */
const millis = z.coerce.number().int().min(0).max(86_400_000);

const EnvSchema = z.object({
  NODE_ENV: optionalText,
  PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  HOST: optionalText,
  DATABASE_PATH: optionalText,
  DATABASE_URL: optionalText,
  DATABASE_POOL_SIZE: positiveInt.max(1000).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: millis.positive().default(5_000),
  DATABASE_IDLE_TIMEOUT_MS: millis.positive().default(30_000),
  DATABASE_STATEMENT_TIMEOUT_MS: millis.default(30_000),
  PUBLIC_URL: optionalText.pipe(url.optional()),
  SESSION_SECRET: optionalText,
  SESSION_SECRET_PREVIOUS: optionalText,
  DATA_ENCRYPTION_KEY: optionalText,
  GITHUB_WEBHOOK_SECRET: optionalText,
  GITHUB_WEBHOOK_SECRET_PREVIOUS: optionalText,
  GITHUB_URL: optionalText.pipe(url.optional()).transform((v) => v ?? 'https://github.com'),
  GITHUB_CLIENT_ID: optionalText,
  GITHUB_CLIENT_SECRET: optionalText,
  TRUST_PROXY: bool,
  RATE_LIMIT_PER_MINUTE: positiveInt.optional(),
  FAILED_AUTH_PER_MINUTE: positiveInt.optional(),
  QUOTA_REVIEWS_PER_DAY: positiveInt.optional(),
  QUOTA_STORED_MB: positiveInt.optional(),
});

export class EnvError extends Error {
  override name = 'EnvError';
}

/** A connection URL as it may be logged or shown: the password replaced by `***`. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

/** Where the results live: an embedded SQLite file, or a PostgreSQL database several instances share. */
export type DatabaseChoice = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

/**
 * The database `DATABASE_URL` / `DATABASE_PATH` select (default the SQLite file `./data/diffray.db`), or an
 * `EnvError` naming the variable. `DATABASE_URL` may be `postgres://` (PostgreSQL) or `file:` (SQLite).
 * Never echoes a URL that does not parse, nor a password (`redactUrl`).
 */
export function resolveDatabase(url: string | undefined, path: string | undefined): DatabaseChoice {
  if (url !== undefined && path !== undefined)
    throw new EnvError('DATABASE_URL and DATABASE_PATH are both set: set one');
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new EnvError(
        'DATABASE_URL: not a valid URL (expected postgres://user:password@host:5432/database, or file:/path/to/diffray.db)',
      );
    }
    if (parsed.protocol === 'postgres:' || parsed.protocol === 'postgresql:') {
      // The host may be a Unix socket's folder, given as `?host=/var/run/postgresql` (libpq's form).
      if (!(parsed.hostname || parsed.searchParams.get('host')) || parsed.pathname.length <= 1)
        throw new EnvError(
          `DATABASE_URL: a PostgreSQL URL needs a host and a database name (${redactUrl(parsed)})`,
        );
      return { engine: 'postgres', url };
    }
    if (parsed.protocol !== 'file:')
      throw new EnvError(`DATABASE_URL: unsupported scheme ${parsed.protocol} (postgres: or file:)`);
    return { engine: 'sqlite', path: checkDatabasePath('DATABASE_URL', fileURLToPath(parsed)) };
  }
  return { engine: 'sqlite', path: checkDatabasePath('DATABASE_PATH', path ?? './data/diffray.db') };
}

function checkDatabasePath(name: string, path: string): string {
  if (path === ':memory:')
    throw new EnvError(`${name}: must be a file (reviews are written from a second connection)`);
  if (path.includes('\0')) throw new EnvError(`${name}: a path cannot hold a NUL character`);
  if (path.endsWith('/'))
    throw new EnvError(`${name}: names a folder (${path}); name the database file in it`);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // Missing: created on first open.
  }
  if (isDirectory) throw new EnvError(`${name}: ${path} is a folder; name the database file in it`);
  return path;
}

export interface Env {
  production: boolean;
  port: number;
  host: string | undefined;
  database: DatabaseChoice;
  /** PostgreSQL's pool (`DATABASE_POOL_SIZE`, `DATABASE_*_TIMEOUT_MS`), read whichever engine is chosen. */
  databasePool: PgPoolSettings;
  /** Everything but the session secret (resolved by `resolveSessionSecret`). */
  config: Omit<ApiConfig, 'sessionSecret' | 'previousSessionSecret'>;
  sessionSecret: string | undefined;
  sessionSecretPrevious: string | undefined;
  /** `DATA_ENCRYPTION_KEY` as given (resolved by `resolveDataKeys`). */
  dataKeys: string | undefined;
}

/** Why a secret is weak, or undefined when it is acceptable. */
export function secretWeakness(secret: string, minBytes: number): string | undefined {
  if (Buffer.byteLength(secret, 'utf8') < minBytes) return `shorter than ${minBytes} bytes`;
  if (new Set(secret).size < 8) return 'too few distinct characters';
  return undefined;
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new EnvError(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  for (const name of ['GITHUB_WEBHOOK_SECRET', 'GITHUB_WEBHOOK_SECRET_PREVIOUS'] as const) {
    const value = e[name];
    const weak = value === undefined ? undefined : secretWeakness(value, MIN_WEBHOOK_SECRET_BYTES);
    if (weak) throw new EnvError(`${name} is too weak (${weak})`);
  }
  for (const [previous, current] of [
    ['GITHUB_WEBHOOK_SECRET_PREVIOUS', 'GITHUB_WEBHOOK_SECRET'],
    ['SESSION_SECRET_PREVIOUS', 'SESSION_SECRET'],
  ] as const) {
    if (e[previous] && !e[current]) throw new EnvError(`${previous} is set without ${current}`);
  }
  if ((e.GITHUB_CLIENT_ID === undefined) !== (e.GITHUB_CLIENT_SECRET === undefined)) {
    throw new EnvError('GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together');
  }
  if (production && e.PUBLIC_URL === undefined)
    throw new EnvError('PUBLIC_URL is required when NODE_ENV=production');
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    database: resolveDatabase(e.DATABASE_URL, e.DATABASE_PATH),
    databasePool: {
      max: e.DATABASE_POOL_SIZE,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: e.DATABASE_IDLE_TIMEOUT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    sessionSecret: e.SESSION_SECRET,
    sessionSecretPrevious: e.SESSION_SECRET_PREVIOUS,
    dataKeys: e.DATA_ENCRYPTION_KEY,
    config: {
      production,
      publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
      webhookSecrets: [e.GITHUB_WEBHOOK_SECRET, e.GITHUB_WEBHOOK_SECRET_PREVIOUS].filter(
        (s): s is string => s !== undefined,
      ),
      githubUrl: e.GITHUB_URL,
      githubOAuth:
        e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET
          ? { clientId: e.GITHUB_CLIENT_ID, clientSecret: e.GITHUB_CLIENT_SECRET }
          : undefined,
      trustProxy: e.TRUST_PROXY,
      rateLimits: {
        perKeyPerMinute: e.RATE_LIMIT_PER_MINUTE ?? DEFAULT_RATE_LIMITS.perKeyPerMinute,
        failedAuthPerMinute: e.FAILED_AUTH_PER_MINUTE ?? DEFAULT_RATE_LIMITS.failedAuthPerMinute,
      },
      quotas: {
        reviewsPerDay: e.QUOTA_REVIEWS_PER_DAY ?? DEFAULT_QUOTAS.reviewsPerDay,
        storedBytes:
          e.QUOTA_STORED_MB === undefined ? DEFAULT_QUOTAS.storedBytes : e.QUOTA_STORED_MB * 1024 * 1024,
      },
    },
  };
}

/**
 * A secret kept beside the database outside production: read (its mode narrowed to 0600 if wider), or
 * made by `generate` and written with mode 0600 when the file does not exist yet.
 */
function secretFile(file: string, generate: () => string): { text: string; source: 'file' | 'generated' } {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { text, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // The database's folder, whichever creates it first (`db/files.ts`).
  makePrivateDir(dirname(file));
  const text = generate();
  createPrivateFile(file, `${text}\n`);
  return { text, source: 'generated' };
}

/**
 * The session secrets `serve` uses: `SESSION_SECRET` when set (refused when weak), with
 * `SESSION_SECRET_PREVIOUS` during a rotation; in production nothing else; otherwise the dev secret kept
 * beside the database, generated on first start.
 */
export function resolveSessionSecret(env: Env): {
  secret: string;
  previous?: string;
  source: 'env' | 'file' | 'generated';
} {
  if (env.sessionSecret !== undefined) {
    const secrets = { SESSION_SECRET: env.sessionSecret, SESSION_SECRET_PREVIOUS: env.sessionSecretPrevious };
    for (const [name, value] of Object.entries(secrets)) {
      const weak = value === undefined ? undefined : secretWeakness(value, MIN_SECRET_BYTES);
      if (weak)
        throw new EnvError(`${name} is too weak (${weak}); generate one with: openssl rand -base64 48`);
    }
    if (env.sessionSecretPrevious === env.sessionSecret)
      throw new EnvError('SESSION_SECRET_PREVIOUS is SESSION_SECRET: give the new secret in SESSION_SECRET');
    return {
      secret: env.sessionSecret,
      ...(env.sessionSecretPrevious === undefined ? {} : { previous: env.sessionSecretPrevious }),
      source: 'env',
    };
  }
  if (env.production) {
    throw new EnvError('SESSION_SECRET is required when NODE_ENV=production (at least 32 random bytes)');
  }
  if (env.database.engine === 'postgres')
    throw new EnvError(
      'SESSION_SECRET is required with PostgreSQL: every instance must sign sessions with the same secret',
    );
  const file = join(dirname(env.database.path), 'session-secret');
  const { text, source } = secretFile(file, () => randomBytes(48).toString('base64url'));
  const weak = secretWeakness(text, MIN_SECRET_BYTES);
  if (weak) throw new EnvError(`${file} holds a weak secret (${weak}); delete it to generate a new one`);
  return { secret: text, source };
}

/**
 * The data keys in `text` (`DATA_ENCRYPTION_KEY`'s format): base64 (standard or URL-safe) of 32 bytes each,
 * newest first, separated by commas. Errors name the position of a bad key, never its value.
 */
export function parseDataKeys(text: string, from = 'DATA_ENCRYPTION_KEY'): Uint8Array[] {
  const entries = text.split(',').map((k) => k.trim());
  const keys = entries.map((entry, i) => {
    const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(entry) ? Buffer.from(entry, 'base64') : undefined;
    if (key?.length !== DATA_KEY_BYTES) {
      const which = entries.length === 1 ? 'the key' : `key ${i + 1} of ${entries.length}`;
      throw new EnvError(
        `${from}: ${which} is not base64 of ${DATA_KEY_BYTES} bytes; generate one with: openssl rand -base64 32`,
      );
    }
    return new Uint8Array(key);
  });
  if (new Set(keys.map((k) => Buffer.from(k).toString('hex'))).size !== keys.length)
    throw new EnvError(`${from}: the same key is listed twice`);
  return keys;
}

/**
 * The data keys every command opens the database with: `DATA_ENCRYPTION_KEY` when set; in production
 * nothing else; otherwise the dev key kept beside the database, generated on first use.
 */
export function resolveDataKeys(env: Env): { keys: Uint8Array[]; source: 'env' | 'file' | 'generated' } {
  if (env.dataKeys !== undefined) return { keys: parseDataKeys(env.dataKeys), source: 'env' };
  if (env.production) {
    throw new EnvError(
      'DATA_ENCRYPTION_KEY is required when NODE_ENV=production; generate one with: openssl rand -base64 32',
    );
  }
  if (env.database.engine === 'postgres')
    throw new EnvError(
      'DATA_ENCRYPTION_KEY is required with PostgreSQL: every instance must open what the others sealed ' +
        '(generate one with: openssl rand -base64 32)',
    );
  const file = join(dirname(env.database.path), 'data-key');
  const { text, source } = secretFile(file, () => randomBytes(DATA_KEY_BYTES).toString('base64'));
  return { keys: parseDataKeys(text, file), source };
}
