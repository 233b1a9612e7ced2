/** Members of an account: GitHub users (known by login before their first sign-in) and their roles. */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Orm } from './client.js';
import { indexesOf, indexOf, seal, unseal } from './encryption.js';
import { newId } from './ids.js';
import { accounts, memberships, sessions, users, type MemberRole } from './schema.js';

/** The user whose login is `login` (any case), by its blind index under each data key; login sealed. */
function userByLogin(orm: Orm, login: string) {
  return orm
    .select()
    .from(users)
    .where(inArray(users.loginKey, indexesOf(orm, 'login', login)))
    .get();
}

/** A user's login, sealed for its row, and its blind index. */
function sealedLogin(orm: Orm, userId: string, login: string) {
  return { login: seal(orm, users.login, userId, login), loginKey: indexOf(orm, 'login', login) };
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
    const found = userByLogin(tx, input.login);
    const user = found
      ? { id: found.id, login: unseal(tx, users.login, found.id, found.login) }
      : { id: newId(), login: input.login };
    if (!found) {
      tx.insert(users)
        .values({
          id: user.id,
          githubId: null,
          ...sealedLogin(tx, user.id, user.login),
          createdAt: input.now,
        })
        .run();
    }
    tx.insert(memberships)
      .values({ accountId: input.accountId, userId: user.id, role: input.role, createdAt: input.now })
      .onConflictDoUpdate({ target: [memberships.accountId, memberships.userId], set: { role: input.role } })
      .run();
    return { userId: user.id, login: user.login, role: input.role };
  });
}

export function listMembers(orm: Orm, accountId: string) {
  const rows = orm
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
  return rows.map((m) => ({ ...m, login: unseal(orm, users.login, m.userId, m.login) }));
}

/**
 * Finds the user who signed in with GitHub: by the stable numeric id first, then by login for a user a
 * membership was granted to before their first sign-in (binding the id then). Updates a renamed login.
 */
export function userForGitHub(orm: Orm, gh: { id: number; login: string }) {
  return orm.transaction((tx) => {
    const byId = tx.select().from(users).where(eq(users.githubId, gh.id)).get();
    if (byId) {
      if (unseal(tx, users.login, byId.id, byId.login) !== gh.login) {
        const clash = userByLogin(tx, gh.login);
        // Someone else was granted this login before (a renamed account): leave their row alone.
        if (!clash || clash.id === byId.id) {
          tx.update(users)
            .set(sealedLogin(tx, byId.id, gh.login))
            .where(eq(users.id, byId.id))
            .run();
        }
      }
      return byId.id;
    }
    const byLogin = userByLogin(tx, gh.login);
    if (byLogin && byLogin.githubId === null) {
      tx.update(users)
        .set({ githubId: gh.id, ...sealedLogin(tx, byLogin.id, gh.login) })
        .where(eq(users.id, byLogin.id))
        .run();
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
    .all()
    .map((m) => ({ ...m, accountName: unseal(orm, accounts.name, m.accountId, m.accountName) }));
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
