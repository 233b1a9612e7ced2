import { and, eq, isNull } from 'drizzle-orm';
import type { DiffrayDb } from './client.js';
import { seal, unseal, unsealOptional } from './encryption.js';
import { newId } from './ids.js';

export async function createAccount(db: DiffrayDb, name: string, now: Date) {
  const { accounts } = db.tables;
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
  await db.orm.insert(accounts).values({ ...row, name: seal(db, accounts.name, row.id, name) });
  return row;
}

export async function getAccount(db: DiffrayDb, id: string) {
  const { accounts } = db.tables;
  const [row] = await db.orm.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  return (
    row && {
      ...row,
      name: unseal(db, accounts.name, row.id, row.name),
      company: unsealOptional(db, accounts.company, row.id, row.company),
      contactEmail: unsealOptional(db, accounts.contactEmail, row.id, row.contactEmail),
    }
  );
}

/**
 * Locks an account at once: every key revoked, every session ended (revoked and the session version
 * bumped), and the purge scheduled. Returns false when the account is missing or already locked.
 */
export async function lockAccount(db: DiffrayDb, id: string, now: Date, purgeAfter: Date): Promise<boolean> {
  const { accounts, apiKeys, sessions } = db.tables;
  return db.transaction(async (tx) => {
    const [account] = await tx.orm.select().from(accounts).where(eq(accounts.id, id)).limit(1);
    if (!account || account.deletedAt) return false;
    await tx.orm
      .update(accounts)
      .set({ deletedAt: now, purgeAfter, sessionVersion: account.sessionVersion + 1 })
      .where(eq(accounts.id, id));
    await tx.orm
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.accountId, id), isNull(apiKeys.revokedAt)));
    await tx.orm
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.accountId, id), isNull(sessions.revokedAt)));
    return true;
  });
}
