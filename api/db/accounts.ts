import { and, eq, isNull } from 'drizzle-orm';
import type { Orm } from './client.js';
import { seal, unseal, unsealOptional } from './encryption.js';
import { newId } from './ids.js';
import { accounts, apiKeys, sessions } from './schema.js';

export function createAccount(orm: Orm, name: string, now: Date) {
  const row = {
    id: newId(),
    name,
    createdAt: now,
    deletedAt: null,
    purgeAfter: null,
    sessionVersion: 1,
    company: null,
    contactEmail: null,
  };
  orm
    .insert(accounts)
    .values({ ...row, name: seal(orm, accounts.name, row.id, name) })
    .run();
  return row;
}

export function getAccount(orm: Orm, id: string) {
  const row = orm.select().from(accounts).where(eq(accounts.id, id)).get();
  return (
    row && {
      ...row,
      name: unseal(orm, accounts.name, row.id, row.name),
      company: unsealOptional(orm, accounts.company, row.id, row.company),
      contactEmail: unsealOptional(orm, accounts.contactEmail, row.id, row.contactEmail),
    }
  );
}

/**
 * Locks an account at once: every key revoked, every session ended (revoked and the session version
 * bumped), and the purge scheduled. Returns false when the account is missing or already locked.
 */
export function lockAccount(orm: Orm, id: string, now: Date, purgeAfter: Date): boolean {
  return orm.transaction((tx) => {
    const account = tx.select().from(accounts).where(eq(accounts.id, id)).get();
    if (!account || account.deletedAt) return false;
    tx.update(accounts)
      .set({ deletedAt: now, purgeAfter, sessionVersion: account.sessionVersion + 1 })
      .where(eq(accounts.id, id))
      .run();
    tx.update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.accountId, id), isNull(apiKeys.revokedAt)))
      .run();
    tx.update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.accountId, id), isNull(sessions.revokedAt)))
      .run();
    return true;
  });
}
