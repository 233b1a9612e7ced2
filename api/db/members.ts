/**
 * Members of an account: GitHub users (known by login before their first sign-in), their roles, and
 * whether they accepted. An admin's grant is an invitation the person accepts or declines (`schema.ts`).
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DiffrayDb, Orm } from './client.js';
import { indexesOf, indexOf, seal, unseal, unsealOptional } from './encryption.js';
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
 * Invites a GitHub login into an account (the first admin is invited by the CLI). The user row is created
 * by login when the person has not signed in yet; sign-in fills `githubId`. Inviting a member again changes
 * their role and leaves whether they accepted as it was.
 */
export function addMember(
  orm: Orm,
  input: { accountId: string; login: string; role: MemberRole; now: Date; invitedBy?: string },
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
      .values({
        accountId: input.accountId,
        userId: user.id,
        role: input.role,
        createdAt: input.now,
        invitedBy: input.invitedBy ?? null,
        acceptedAt: null,
      })
      .onConflictDoUpdate({ target: [memberships.accountId, memberships.userId], set: { role: input.role } })
      .run();
    return { userId: user.id, login: user.login, role: input.role };
  });
}

/**
 * An account's members and invitations, logins opened; the name and e-mail a person gave only for members
 * who accepted.
 */
export function listMembers(orm: Orm, accountId: string) {
  const rows = orm
    .select({
      userId: users.id,
      login: users.login,
      githubId: users.githubId,
      displayName: users.displayName,
      email: users.email,
      role: memberships.role,
      createdAt: memberships.createdAt,
      acceptedAt: memberships.acceptedAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
    .all();
  // A person's name and e-mail are for the accounts they joined: an invitation, which anyone can make for
  // any login, shows the login alone.
  return rows.map((m) => {
    const joined = m.acceptedAt !== null;
    return {
      ...m,
      login: unseal(orm, users.login, m.userId, m.login),
      displayName: joined ? unsealOptional(orm, users.displayName, m.userId, m.displayName) : null,
      email: joined ? unsealOptional(orm, users.email, m.userId, m.email) : null,
    };
  });
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

const inviter = alias(users, 'inviter');

/**
 * A person's accounts (not deleted) by name: those they joined (`acceptedAt` set) and the invitations
 * waiting for their answer, with who invited them (`inviterLogin` when a person did).
 */
export function accountsOf(orm: Orm, userId: string) {
  return orm
    .select({
      accountId: memberships.accountId,
      accountName: accounts.name,
      role: memberships.role,
      invitedAt: memberships.createdAt,
      invitedBy: memberships.invitedBy,
      inviterLogin: inviter.login,
      acceptedAt: memberships.acceptedAt,
    })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .leftJoin(inviter, eq(sql`'user:' || ${inviter.id}`, memberships.invitedBy))
    .where(and(eq(memberships.userId, userId), isNull(accounts.deletedAt)))
    .all()
    .map((m) => ({
      ...m,
      accountName: unseal(orm, accounts.name, m.accountId, m.accountName),
      inviterLogin:
        m.inviterLogin === null || m.invitedBy === null
          ? null
          : unseal(orm, users.login, m.invitedBy.slice('user:'.length), m.inviterLogin),
    }))
    .sort((x, y) => byName(x.accountName, y.accountName) || byName(x.accountId, y.accountId));
}

/** Names in a stable order (names are sealed, so they sort here rather than in SQL). */
function byName(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

const pendingInvitation = (accountId: string, userId: string) =>
  and(eq(memberships.accountId, accountId), eq(memberships.userId, userId), isNull(memberships.acceptedAt));

/** The person accepts their invitation into an account. False when there is none waiting. */
export function acceptInvitation(orm: Orm, input: { accountId: string; userId: string; now: Date }): boolean {
  return (
    orm
      .update(memberships)
      .set({ acceptedAt: input.now })
      .where(pendingInvitation(input.accountId, input.userId))
      .run().changes > 0
  );
}

/**
 * The person declines their invitation: it is deleted, and so is the person's row when no account holds
 * them any more (as the purge does; their sealed login and details then erased from the WAL). False when
 * there is no invitation waiting.
 */
export function declineInvitation(db: DiffrayDb, input: { accountId: string; userId: string }): boolean {
  let forgotten = false;
  const declined = db.orm.transaction((tx) => {
    if (tx.delete(memberships).where(pendingInvitation(input.accountId, input.userId)).run().changes === 0)
      return false;
    const held = tx.select().from(memberships).where(eq(memberships.userId, input.userId)).limit(1).get();
    if (!held) forgotten = tx.delete(users).where(eq(users.id, input.userId)).run().changes > 0;
    return true;
  });
  if (forgotten) db.eraseDeleted();
  return declined;
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
