/**
 * `diffray-api`: serve | migrate | accounts create | keys create/list/revoke | members add | purge | reencrypt.
 * The only module that calls `serve()`. Output is JSON on stdout; problems go to stderr with exit 1
 * (2 for usage errors).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp, stdoutLog } from './app.js';
import { pageOptions } from './web/index.js';
import {
  addMember,
  createAccount,
  dataKeyIds,
  getAccount,
  getKey,
  insertKey,
  listAllKeys,
  listKeys,
  needsReencryption,
  MigrationError,
  MissingDataKeyError,
  openDatabase,
  openPgDatabase,
  purge,
  recordAudit,
  reencrypt,
  retiredSessionKey,
  revokeKey,
  SCOPES,
  type DiffrayDb,
  type Scope,
} from './db/index.js';
import { EnvError, loadEnv, redactUrl, resolveDataKeys, resolveSessionSecret, type Env } from './env.js';
import { displayPrefix, generateKey, hashKey } from './auth/key-format.js';
import { SESSION_TTL_SECONDS } from './auth/session-token.js';
import { sessionKeyId } from './auth/signed-token.js';
import { purgeCutoffs } from './retention.js';
import { PURGE_CHECK_MS, purgeRunner } from './purge-lease.js';
import { toKeyJson } from './routes/mappers.js';
import { DAY_MS } from '../shared/index.js';

const USAGE = `usage: diffray-api <command>
  serve                                   run the API (env PORT, DATABASE_PATH, PUBLIC_URL, SESSION_SECRET,
                                          SESSION_SECRET_PREVIOUS, DATA_ENCRYPTION_KEY, ...); applies the
                                          migrations first (once, under a lock, if several start together)
  migrate                                 apply the migrations and exit; prints {"applied": [tags]}
  accounts create <name>                  create an account; prints {"accountId","apiKey"} (admin key, shown once)
  keys create --account <id> [--scopes a,b] [--name <name>] [--expires-in-days <n>]
                                          default scopes: reviews:write,config:read (what the action needs)
  keys list [--account <id>]              every account's keys (with their account), or one account's
  keys revoke <key-id>
  members add --account <id> --github-login <login> [--role admin|member]
  purge [--as-of <ISO date>]              run retention now
  reencrypt                               reseal what older data keys sealed with the newest (serve does it
                                          in the background); prints the keys now unused`;

class UsageError extends Error {}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

function parseScopes(text: string | undefined): Scope[] {
  if (text === undefined) return ['reviews:write', 'config:read'];
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length > 0 || scopes.length === 0) {
    throw new UsageError(
      `--scopes: unknown scope ${bad.join(', ') || '(none)'}; known: ${SCOPES.join(', ')}`,
    );
  }
  return [...new Set(scopes)] as Scope[];
}

async function requireLiveAccount(db: DiffrayDb, id: string | undefined) {
  if (!id) throw new UsageError('--account <id> is required');
  const account = await getAccount(db, id);
  if (!account || account.deletedAt) throw new Error(`no such account: ${id}`);
  return account;
}

async function createKeyFor(
  db: DiffrayDb,
  accountId: string,
  opts: { name: string; scopes: Scope[]; expiresInDays?: number },
) {
  const now = new Date();
  const apiKey = generateKey();
  const info = await insertKey(db, {
    accountId,
    hash: hashKey(apiKey),
    prefix: displayPrefix(apiKey),
    name: opts.name,
    scopes: opts.scopes,
    expiresAt:
      opts.expiresInDays === undefined ? null : new Date(now.getTime() + opts.expiresInDays * DAY_MS),
    now,
  });
  await recordAudit(db, { accountId, actor: 'cli', action: 'key.create', target: info.id, at: now });
  return { info, apiKey };
}

/**
 * Opens the database `env` names (migrating it), naming the variable when it cannot be opened (never the
 * password of a PostgreSQL URL). `DATABASE_URL` or `DATABASE_PATH`: whichever the operator set
 * (`resolveDatabase` validated it).
 */
async function openFromEnv(
  env: Env,
  opts: { dataKeys: readonly Uint8Array[]; backgroundCheckpoints?: boolean },
  log: typeof stdoutLog = stdoutLog,
): Promise<DiffrayDb> {
  const { database } = env;
  if (database.engine === 'postgres') {
    const shown = redactUrl(new URL(database.url));
    try {
      return await openPgDatabase(database.url, {
        dataKeys: opts.dataKeys,
        pool: env.databasePool,
        onIdleError: (error) =>
          log({
            level: 'warn',
            msg: 'database connection lost (the pool reconnects)',
            detail: error.message,
          }),
      });
    } catch (error) {
      if (error instanceof MigrationError || error instanceof MissingDataKeyError) throw error;
      throw new Error(`DATABASE_URL: cannot open ${shown}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    return openDatabase(database.path, opts);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^(SQLITE_CANTOPEN|SQLITE_NOTADB|E[A-Z]+$)/.test(code))
      throw new Error(`DATABASE_PATH: cannot open ${database.path}: ${(error as Error).message}`, {
        cause: error,
      });
    throw error;
  }
}

/** Moves what older data keys sealed to the newest, in the background, logging when it is done. */
async function startReencryption(db: DiffrayDb, log: typeof stdoutLog, signal: AbortSignal): Promise<void> {
  if (!(await needsReencryption(db))) return;
  log({ level: 'info', msg: 're-encryption started', dataKey: dataKeyIds(db)[0] });
  reencrypt(db, { now: () => new Date(), signal }).then(
    (result) => {
      if (!signal.aborted) log({ level: 'info', msg: 're-encryption done', ...result });
    },
    (error: unknown) =>
      log({ level: 'error', msg: 're-encryption failed', detail: (error as Error).message }),
  );
}

/**
 * The session secrets of `serve` for the app's config, and what to log of them (ids, never secrets): the
 * previous secret verifies tokens it signed until its retirement, recorded at the first start that listed
 * it (`retiredSessionKey`), and nothing once a session's lifetime has passed since.
 */
async function sessionSecrets(resolved: ReturnType<typeof resolveSessionSecret>, db: DiffrayDb) {
  const { secret, previous, source } = resolved;
  const retiredAt = await retiredSessionKey(db, {
    current: sessionKeyId(secret),
    previous: previous === undefined ? undefined : sessionKeyId(previous),
    now: new Date(),
  });
  const previousSessionSecret =
    previous !== undefined && retiredAt !== undefined ? { secret: previous, retiredAt } : undefined;
  return {
    config: { sessionSecret: secret, previousSessionSecret },
    log: {
      source,
      id: sessionKeyId(secret),
      ...(previousSessionSecret && {
        previous: sessionKeyId(previousSessionSecret.secret),
        // Past this SESSION_SECRET_PREVIOUS verifies nothing and may go.
        previousVerifiesUntil: new Date(
          previousSessionSecret.retiredAt.getTime() + SESSION_TTL_SECONDS * 1000,
        ).toISOString(),
      }),
    },
  };
}

async function serveCommand(env: Env): Promise<number> {
  const sessionSecret = resolveSessionSecret(env);
  const dataKeys = resolveDataKeys(env);
  const db = await openFromEnv(env, { dataKeys: dataKeys.keys, backgroundCheckpoints: true });
  const sessions = await sessionSecrets(sessionSecret, db);
  const log = stdoutLog;
  if (db.migrationsApplied.length > 0) log({ level: 'info', msg: 'migrated', applied: db.migrationsApplied });
  let draining = false;
  const app = createApp({
    draining: () => draining,
    db,
    clock: () => new Date(),
    config: { ...env.config, ...sessions.config },
    log,
    ...pageOptions(),
  });
  // Once across instances: the one that takes the purge lease runs it (`purge-lease.ts`).
  const runPurge = purgeRunner(db, () => new Date(), log);
  const stopping = new AbortController();
  const server = serve(
    { fetch: app.fetch, port: env.port, ...(env.host ? { hostname: env.host } : {}) },
    (info) => {
      log({
        level: 'info',
        msg: 'listening',
        port: info.port,
        publicUrl: env.config.publicUrl,
        open: `Open ${env.config.publicUrl} in a browser${!env.production && new URL(env.config.publicUrl).hostname === 'localhost' ? ' (or the same port on 127.0.0.1)' : ''}; sign in with an admin key from: diffray-api accounts create <name>`,
        sessionSecret: sessions.log,
        dataKeys: { source: dataKeys.source, ids: dataKeyIds(db) },
      });
      void runPurge();
      // A failure to look (the database unavailable a moment) is logged; unhandled, it would end the process.
      startReencryption(db, log, stopping.signal).catch((error: unknown) =>
        log({ level: 'error', msg: 're-encryption failed', detail: (error as Error).message }),
      );
    },
  );
  const timer = setInterval(runPurge, PURGE_CHECK_MS);
  return new Promise((resolve) => {
    const shutdown = (signal: string) => {
      log({ level: 'info', msg: 'shutting down', signal });
      draining = true;
      clearInterval(timer);
      stopping.abort();
      // In-flight requests get 10 s to finish; idle keep-alive sockets are closed now.
      const http = server as Server;
      const force = setTimeout(() => http.closeAllConnections(), 10_000);
      force.unref();
      http.close(() => {
        void db.close().then(() => resolve(0));
      });
      http.closeIdleConnections();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

async function run(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const env = loadEnv();
  if (command === 'serve') return serveCommand(env);

  const withDb = async <T>(fn: (db: DiffrayDb) => T | Promise<T>): Promise<T> => {
    const db = await openFromEnv(env, { dataKeys: resolveDataKeys(env).keys });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  if (command === 'migrate' && sub === undefined) {
    return withDb(async (db) => {
      print({ applied: db.migrationsApplied });
      return 0;
    });
  }
  if (command === 'accounts' && sub === 'create') {
    const name = rest.join(' ').trim();
    if (!name || name.length > 200)
      throw new UsageError('accounts create <name>: a name of 1 to 200 characters');
    return withDb(async (db) => {
      const account = await createAccount(db, name, new Date());
      const { apiKey } = await createKeyFor(db, account.id, {
        name: 'admin (created by CLI)',
        scopes: [...SCOPES],
      });
      print({ accountId: account.id, apiKey });
      return 0;
    });
  }
  if (command === 'keys' && sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: {
        account: { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        'expires-in-days': { type: 'string' },
      },
    });
    const scopes = parseScopes(values.scopes);
    const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
    if (days !== undefined && (!Number.isInteger(days) || days < 1))
      throw new UsageError('--expires-in-days: a positive integer');
    return withDb(async (db) => {
      const account = await requireLiveAccount(db, values.account);
      const { info, apiKey } = await createKeyFor(db, account.id, {
        name: values.name ?? 'created by CLI',
        scopes,
        ...(days === undefined ? {} : { expiresInDays: days }),
      });
      print({ ...toKeyJson(info), apiKey });
      return 0;
    });
  }
  if (command === 'keys' && sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { account: { type: 'string' } } });
    return withDb(async (db) => {
      if (values.account === undefined) {
        const keys = (await listAllKeys(db)).map((k) => ({ accountId: k.accountId, ...toKeyJson(k) }));
        print({ keys });
        return 0;
      }
      const account = await requireLiveAccount(db, values.account);
      print({ keys: (await listKeys(db, account.id)).map(toKeyJson) });
      return 0;
    });
  }
  if (command === 'keys' && sub === 'revoke') {
    const id = rest[0];
    if (!id) throw new UsageError('keys revoke <key-id>');
    return withDb(async (db) => {
      const now = new Date();
      const key = await listKeyOwner(db, id);
      if (!key || !(await revokeKey(db, id, now))) throw new Error(`no such key: ${id}`);
      await recordAudit(db, { accountId: key, actor: 'cli', action: 'key.revoke', target: id, at: now });
      print({ id, revoked: true });
      return 0;
    });
  }
  if (command === 'members' && sub === 'add') {
    const { values } = parseArgs({
      args: rest,
      options: { account: { type: 'string' }, 'github-login': { type: 'string' }, role: { type: 'string' } },
    });
    const login = values['github-login'];
    if (!login || !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login))
      throw new UsageError('--github-login <login> is required');
    const role = values.role ?? 'admin';
    if (role !== 'admin' && role !== 'member') throw new UsageError('--role: admin or member');
    return withDb(async (db) => {
      const account = await requireLiveAccount(db, values.account);
      const now = new Date();
      const member = await addMember(db, { accountId: account.id, login, role, now, invitedBy: 'cli' });
      await recordAudit(db, {
        accountId: account.id,
        actor: 'cli',
        action: 'member.add',
        target: member.userId,
        at: now,
      });
      print({ accountId: account.id, ...member });
      return 0;
    });
  }
  if (command === 'purge') {
    const { values } = parseArgs({
      args: sub === undefined ? [] : [sub, ...rest],
      options: { 'as-of': { type: 'string' } },
    });
    const asOf = values['as-of'] === undefined ? new Date() : new Date(values['as-of']);
    if (Number.isNaN(asOf.getTime())) throw new UsageError('--as-of: an ISO date, e.g. 2025-01-31T00:00:00Z');
    return withDb(async (db) => {
      print({ asOf: asOf.toISOString(), ...(await purge(db, purgeCutoffs(asOf))) });
      return 0;
    });
  }
  if (command === 'reencrypt' && sub === undefined) {
    return withDb(async (db) => {
      const result = await reencrypt(db, { now: () => new Date() });
      print({ dataKey: dataKeyIds(db)[0], ...result });
      return 0;
    });
  }
  throw new UsageError(`unknown command: ${argv.slice(0, 2).join(' ')}`);
}

async function listKeyOwner(db: DiffrayDb, keyId: string): Promise<string | undefined> {
  return (await getKey(db, keyId))?.accountId;
}

/** Runs one command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`diffray-api: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof EnvError || error instanceof Error) {
      console.error(`diffray-api: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** Run directly (`tsx api/cli.ts serve`, as `npm run api` does); importing it runs nothing. */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
