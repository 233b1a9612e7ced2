import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { perDatabase, type DiffrayDb, type Tables } from './client.js';
import { seal, unseal } from './encryption.js';
import { newId } from './ids.js';
import type { Scope } from './schema.js';

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
export function keyInfoColumns({ apiKeys }: Tables) {
  return {
    id: apiKeys.id,
    prefix: apiKeys.prefix,
    name: apiKeys.name,
    scopes: apiKeys.scopes,
    createdAt: apiKeys.createdAt,
    lastUsedAt: apiKeys.lastUsedAt,
    expiresAt: apiKeys.expiresAt,
    revokedAt: apiKeys.revokedAt,
  };
}

export async function insertKey(db: DiffrayDb, key: NewKey): Promise<KeyInfo> {
  const { apiKeys } = db.tables;
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
  await db.orm.insert(apiKeys).values({ ...row, name: seal(db, apiKeys.name, row.id, row.name) });
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
function withName<T extends { id: string; name: string }>(db: DiffrayDb, key: T): T {
  return { ...key, name: unseal(db, db.tables.apiKeys.name, key.id, key.name) };
}

// What authenticating a request needs: not the key's name, which would cost a decryption per request.
const findByHash = perDatabase(({ orm, tables }) => {
  const { accounts, apiKeys } = tables;
  const { name: _name, ...authColumns } = keyInfoColumns(tables);
  return orm
    .select({
      ...authColumns,
      accountId: apiKeys.accountId,
      accountDeletedAt: accounts.deletedAt,
    })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(eq(apiKeys.hash, sql.placeholder('hash')))
    .prepare();
});

/** The key with this hash and its account's lock state, or undefined (a statement compiled once). */
export async function findKeyByHash(db: DiffrayDb, hash: string) {
  const [key] = await findByHash(db).execute({ hash });
  return key;
}

export async function listKeys(db: DiffrayDb, accountId: string): Promise<KeyInfo[]> {
  const { apiKeys } = db.tables;
  const keys = await db.orm
    .select(keyInfoColumns(db.tables))
    .from(apiKeys)
    .where(eq(apiKeys.accountId, accountId))
    .orderBy(desc(apiKeys.createdAt));
  return keys.map((k) => withName(db, k));
}

/**
 * Every account's keys with their account, newest first: the operator's view (`diffray-api keys list` on
 * the server). Nothing reachable over HTTP calls it; requests only ever see their own account's keys.
 */
export async function listAllKeys(db: DiffrayDb): Promise<(KeyInfo & { accountId: string })[]> {
  const { apiKeys } = db.tables;
  const keys = await db.orm
    .select({ ...keyInfoColumns(db.tables), accountId: apiKeys.accountId })
    .from(apiKeys)
    .orderBy(desc(apiKeys.createdAt));
  return keys.map((k) => withName(db, k));
}

/** All keys of the account (any account when `accountId` is undefined, as the CLI does). */
export async function getKey(db: DiffrayDb, id: string, accountId?: string) {
  const { apiKeys } = db.tables;
  const where =
    accountId === undefined ? eq(apiKeys.id, id) : and(eq(apiKeys.id, id), eq(apiKeys.accountId, accountId));
  const [key] = await db.orm
    .select({ ...keyInfoColumns(db.tables), accountId: apiKeys.accountId })
    .from(apiKeys)
    .where(where)
    .limit(1);
  return key && withName(db, key);
}

/**
 * Revokes a key (idempotent) and ends the page sessions it signed in. Returns false when no such key
 * exists in that account.
 */
export async function revokeKey(db: DiffrayDb, id: string, now: Date, accountId?: string): Promise<boolean> {
  const { apiKeys, sessions } = db.tables;
  return db.transaction(async (tx) => {
    const key = await getKey(tx, id, accountId);
    if (!key) return false;
    await tx.orm
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    await tx.orm
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.apiKeyId, id), isNull(sessions.revokedAt)));
    return true;
  });
}

/** Records use, at most once a minute per key (one indexed UPDATE that usually matches nothing). */
export async function touchKey(db: DiffrayDb, id: string, now: Date): Promise<void> {
  const { apiKeys } = db.tables;
  const before = new Date(now.getTime() - 60_000);
  await db.orm
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, before))));
}
