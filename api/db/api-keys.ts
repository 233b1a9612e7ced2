import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { perDatabase, type Orm } from './client.js';
import { seal, unseal } from './encryption.js';
import { newId } from './ids.js';
import { accounts, apiKeys, sessions, type Scope } from './schema.js';

export interface NewKey {
  accountId: string;
  hash: string;
  prefix: string;
  name: string;
  scopes: Scope[];
  expiresAt: Date | null;
  now: Date;
}

/** A key as listed: never the hash. */
export interface KeyInfo {
  id: string;
  prefix: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** The columns of `KeyInfo`. */
export const keyInfoColumns = {
  id: apiKeys.id,
  prefix: apiKeys.prefix,
  name: apiKeys.name,
  scopes: apiKeys.scopes,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
};

export function insertKey(orm: Orm, key: NewKey): KeyInfo {
  const row = {
    id: newId(),
    accountId: key.accountId,
    hash: key.hash,
    prefix: key.prefix,
    name: key.name,
    scopes: key.scopes,
    createdAt: key.now,
    lastUsedAt: null,
    expiresAt: key.expiresAt,
    revokedAt: null,
  };
  orm
    .insert(apiKeys)
    .values({ ...row, name: seal(orm, apiKeys.name, row.id, row.name) })
    .run();
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.createdAt,
    lastUsedAt: null,
    expiresAt: row.expiresAt,
    revokedAt: null,
  };
}

/** A key's name opened. */
function withName<T extends { id: string; name: string }>(orm: Orm, key: T): T {
  return { ...key, name: unseal(orm, apiKeys.name, key.id, key.name) };
}

// What authenticating a request needs: not the key's name, which would cost a decryption per request.
const { name: _name, ...authColumns } = keyInfoColumns;

const findByHash = perDatabase((orm) =>
  orm
    .select({
      ...authColumns,
      accountId: apiKeys.accountId,
      accountDeletedAt: accounts.deletedAt,
    })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(eq(apiKeys.hash, sql.placeholder('hash')))
    .prepare(),
);

/** The key with this hash and its account's lock state, or undefined (a statement compiled once). */
export function findKeyByHash(orm: Orm, hash: string) {
  return findByHash(orm).get({ hash });
}

export function listKeys(orm: Orm, accountId: string): KeyInfo[] {
  return orm
    .select(keyInfoColumns)
    .from(apiKeys)
    .where(eq(apiKeys.accountId, accountId))
    .orderBy(desc(apiKeys.createdAt))
    .all()
    .map((k) => withName(orm, k));
}

/**
 * Every account's keys with their account, newest first: the operator's view (`diffray-api keys list` on
 * the server). Nothing reachable over HTTP calls it; requests only ever see their own account's keys.
 */
export function listAllKeys(orm: Orm): (KeyInfo & { accountId: string })[] {
  return orm
    .select({ ...keyInfoColumns, accountId: apiKeys.accountId })
    .from(apiKeys)
    .orderBy(desc(apiKeys.createdAt))
    .all()
    .map((k) => withName(orm, k));
}

/** All keys of the account (any account when `accountId` is undefined, as the CLI does). */
export function getKey(orm: Orm, id: string, accountId?: string) {
  const where =
    accountId === undefined ? eq(apiKeys.id, id) : and(eq(apiKeys.id, id), eq(apiKeys.accountId, accountId));
  const key = orm
    .select({ ...keyInfoColumns, accountId: apiKeys.accountId })
    .from(apiKeys)
    .where(where)
    .get();
  return key && withName(orm, key);
}

/**
 * Revokes a key (idempotent) and ends the page sessions it signed in. Returns false when no such key
 * exists in that account.
 */
export function revokeKey(orm: Orm, id: string, now: Date, accountId?: string): boolean {
  return orm.transaction((tx) => {
    const key = getKey(tx, id, accountId);
    if (!key) return false;
    tx.update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .run();
    tx.update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.apiKeyId, id), isNull(sessions.revokedAt)))
      .run();
    return true;
  });
}

/** Records use, at most once a minute per key (one indexed UPDATE that usually matches nothing). */
export function touchKey(orm: Orm, id: string, now: Date): void {
  const before = new Date(now.getTime() - 60_000);
  orm
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, before))))
    .run();
}
