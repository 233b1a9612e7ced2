/** Members of an account: GitHub users (known by login before their first sign-in) and their roles. */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Orm } from './client.js';
import { newId } from './ids.js';
import { accounts, memberships, sessions, users, type MemberRole } from './schema.js';

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

/**
 * Finds the user who signed in with GitHub: by the stable numeric id first, then by login for a user a
 * membership was granted to before their first sign-in (binding the id then). Updates a renamed login.
 */
export function userForGitHub(orm: Orm, gh: { id: number; login: string }) {
  return orm.transaction((tx) => {
    const byId = tx.select().from(users).where(eq(users.githubId, gh.id)).get();
    if (byId) {
      if (byId.login !== gh.login) {
        const clash = tx.select().from(users).where(eq(users.loginKey, gh.login.toLowerCase())).get();
        // Someone else was granted this login before (a renamed account): leave their row alone.
        if (!clash || clash.id === byId.id) {
          tx.update(users)
            .set({ login: gh.login, loginKey: gh.login.toLowerCase() })
            .where(eq(users.id, byId.id))
            .run();
        }
      }
      return byId.id;
    }
    const byLogin = tx.select().from(users).where(eq(users.loginKey, gh.login.toLowerCase())).get();
    if (byLogin && byLogin.githubId === null) {
      tx.update(users).set({ githubId: gh.id, login: gh.login }).where(eq(users.id, byLogin.id)).run();
      return byLogin.id;
    }
    return undefined;
  });
}

/** The accounts a user is a member of (not deleted), oldest membership first. */
export function membershipsOf(orm: Orm, userId: string) {
  return orm
    .select({ accountId: memberships.accountId, role: memberships.role, accountName: accounts.name })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(and(eq(memberships.userId, userId), isNull(accounts.deletedAt)))
    .orderBy(asc(memberships.createdAt))
    .all();
}

/** Removes a member and ends their sessions of that account. False when no such member. */
export function removeMember(orm: Orm, accountId: string, userId: string, now: Date): boolean {
  return orm.transaction((tx) => {
    const res = tx
      .delete(memberships)
      .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
      .run();
    if (res.changes === 0) return false;
    tx.update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.accountId, accountId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .run();
    return true;
  });
}
