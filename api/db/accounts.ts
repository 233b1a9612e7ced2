import { and, eq, isNull } from 'drizzle-orm';
import type { Orm } from './client.js';
import { newId } from './ids.js';
import { accounts, apiKeys, memberships, sessions, users, type MemberRole } from './schema.js';

export function createAccount(orm: Orm, name: string, now: Date) {
  const row = { id: newId(), name, createdAt: now, deletedAt: null, purgeAfter: null, sessionVersion: 1 };
  orm.insert(accounts).values(row).run();
  return row;
}

export function getAccount(orm: Orm, id: string) {
  return orm.select().from(accounts).where(eq(accounts.id, id)).get();
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

/**
 * Grants a GitHub login membership of an account (the first admin is granted by the CLI). The user row
 * is created by login when the person has not signed in yet; sign-in fills `githubId`.
 */
export function addMember(
  orm: Orm,
  input: { accountId: string; login: string; role: MemberRole; now: Date },
) {
  return orm.transaction((tx) => {
    const loginKey = input.login.toLowerCase();
    let user = tx.select().from(users).where(eq(users.loginKey, loginKey)).get();
    if (!user) {
      user = { id: newId(), githubId: null, login: input.login, loginKey, createdAt: input.now };
      tx.insert(users).values(user).run();
    }
    tx.insert(memberships)
      .values({ accountId: input.accountId, userId: user.id, role: input.role, createdAt: input.now })
      .onConflictDoUpdate({ target: [memberships.accountId, memberships.userId], set: { role: input.role } })
      .run();
    return { userId: user.id, login: user.login, role: input.role };
  });
}

export function listMembers(orm: Orm, accountId: string) {
  return orm
    .select({
      userId: users.id,
      login: users.login,
      githubId: users.githubId,
      role: memberships.role,
      createdAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
    .all();
}
