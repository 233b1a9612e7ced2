/**
 * Members of an account: GitHub users (known by login before their first sign-in), their roles, and
 * whether they accepted. An admin's grant is an invitation the person accepts or declines (`schema.ts`).
 */
import { aliasedTable, and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DiffrayDb, Tables } from './client.js';
import { indexesOf, indexOf, seal, unseal, unsealOptional } from './encryption.js';
import { newId } from './ids.js';
import type { MemberRole } from './schema.js';

/** The user whose login is `login` (any case), by its blind index under each data key; login sealed. */
async function userByLogin(db: DiffrayDb, login: string) {
  const { users } = db.tables;
  const [user] = await db.orm
    .select()
    .from(users)
    .where(inArray(users.loginKey, indexesOf(db, 'login', login)))
    .limit(1);
  return user;
}

/** A user's login, sealed for its row, and its blind index. */
function sealedLogin(db: DiffrayDb, userId: string, login: string) {
  return { login: seal(db, db.tables.users.login, userId, login), loginKey: indexOf(db, 'login', login) };
}

/**
 * Invites a GitHub login into an account (the first admin is invited by the CLI). The user row is created
 * by login when the person has not signed in yet; sign-in fills `githubId`. Inviting a member again changes
 * their role and leaves whether they accepted as it was.
 */
export async function addMember(
  db: DiffrayDb,
  input: { accountId: string; login: string; role: MemberRole; now: Date; invitedBy?: string },
) {
  const { memberships, users } = db.tables;
  return db.transaction(async (tx) => {
    const found = await userByLogin(tx, input.login);
    const user = found
      ? { id: found.id, login: unseal(tx, users.login, found.id, found.login) }
      : { id: newId(), login: input.login };
    if (!found) {
      await tx.orm.insert(users).values({
        id: user.id,
        githubId: null,
        ...sealedLogin(tx, user.id, user.login),
        createdAt: input.now,
      });
    }
    await tx.orm
      .insert(memberships)
      .values({
        accountId: input.accountId,
        userId: user.id,
        role: input.role,
        createdAt: input.now,
        invitedBy: input.invitedBy ?? null,
        acceptedAt: null,
      })
      .onConflictDoUpdate({ target: [memberships.accountId, memberships.userId], set: { role: input.role } });
    return { userId: user.id, login: user.login, role: input.role };
  });
}

/**
 * An account's members and invitations, logins opened; the name and e-mail a person gave only for members
 * who accepted.
 */
export async function listMembers(db: DiffrayDb, accountId: string) {
  const { memberships, users } = db.tables;
  const rows = await db.orm
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
    .where(eq(memberships.accountId, accountId));
  // A person's name and e-mail are for the accounts they joined: an invitation, which anyone can make for
  // any login, shows the login alone.
  return rows.map((m) => {
    const joined = m.acceptedAt !== null;
    return {
      ...m,
      login: unseal(db, users.login, m.userId, m.login),
      displayName: joined ? unsealOptional(db, users.displayName, m.userId, m.displayName) : null,
      email: joined ? unsealOptional(db, users.email, m.userId, m.email) : null,
    };
  });
}

/**
 * Finds the user who signed in with GitHub: by the stable numeric id first, then by login for a user a
 * membership was granted to before their first sign-in (binding the id then). Updates a renamed login.
 */
export async function userForGitHub(db: DiffrayDb, gh: { id: number; login: string }) {
  const { users } = db.tables;
  return db.transaction(async (tx) => {
    const [byId] = await tx.orm.select().from(users).where(eq(users.githubId, gh.id)).limit(1);
    if (byId) {
      if (unseal(tx, users.login, byId.id, byId.login) !== gh.login) {
        const clash = await userByLogin(tx, gh.login);
        // Someone else was granted this login before (a renamed account): leave their row alone.
        if (!clash || clash.id === byId.id) {
          await tx.orm
            .update(users)
            .set(sealedLogin(tx, byId.id, gh.login))
            .where(eq(users.id, byId.id));
        }
      }
      return byId.id;
    }
    const byLogin = await userByLogin(tx, gh.login);
    if (byLogin && byLogin.githubId === null) {
      await tx.orm
        .update(users)
        .set({ githubId: gh.id, ...sealedLogin(tx, byLogin.id, gh.login) })
        .where(eq(users.id, byLogin.id));
      return byLogin.id;
    }
    return undefined;
  });
}

/**
 * A person's accounts (not deleted) by name: those they joined (`acceptedAt` set) and the invitations
 * waiting for their answer, with who invited them (`inviterLogin` when a person did).
 */
export async function accountsOf(db: DiffrayDb, userId: string) {
  const { accounts, memberships, users } = db.tables;
  const inviter = aliasedTable(users, 'inviter');
  const rows = await db.orm
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
    .where(and(eq(memberships.userId, userId), isNull(accounts.deletedAt)));
  return rows
    .map((m) => ({
      ...m,
      accountName: unseal(db, accounts.name, m.accountId, m.accountName),
      inviterLogin:
        m.inviterLogin === null || m.invitedBy === null
          ? null
          : unseal(db, users.login, m.invitedBy.slice('user:'.length), m.inviterLogin),
    }))
    .sort((x, y) => byName(x.accountName, y.accountName) || byName(x.accountId, y.accountId));
}

/** Names in a stable order (names are sealed, so they sort here rather than in SQL). */
function byName(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

const pendingInvitation = ({ memberships }: Tables, accountId: string, userId: string) =>
  and(eq(memberships.accountId, accountId), eq(memberships.userId, userId), isNull(memberships.acceptedAt));

/** The person accepts their invitation into an account. False when there is none waiting. */
export async function acceptInvitation(
  db: DiffrayDb,
  input: { accountId: string; userId: string; now: Date },
): Promise<boolean> {
  const { memberships } = db.tables;
  const accepted = await db.orm
    .update(memberships)
    .set({ acceptedAt: input.now })
    .where(pendingInvitation(db.tables, input.accountId, input.userId))
    .returning({ userId: memberships.userId });
  return accepted.length > 0;
}

/**
 * The person declines their invitation: it is deleted, and so is the person's row when no account holds
 * them any more (as the purge does; their sealed login and details then erased from the WAL). False when
 * there is no invitation waiting.
 */
export async function declineInvitation(
  db: DiffrayDb,
  input: { accountId: string; userId: string },
): Promise<boolean> {
  const { memberships, users } = db.tables;
  let forgotten = false;
  const declined = await db.transaction(async (tx) => {
    const invitations = await tx.orm
      .delete(memberships)
      .where(pendingInvitation(tx.tables, input.accountId, input.userId))
      .returning({ userId: memberships.userId });
    if (invitations.length === 0) return false;
    const [held] = await tx.orm
      .select()
      .from(memberships)
      .where(eq(memberships.userId, input.userId))
      .limit(1);
    if (!held)
      forgotten =
        (await tx.orm.delete(users).where(eq(users.id, input.userId)).returning({ id: users.id })).length > 0;
    return true;
  });
  if (forgotten) await db.eraseDeleted();
  return declined;
}

/** Removes a member and ends their sessions of that account. False when no such member. */
export async function removeMember(
  db: DiffrayDb,
  accountId: string,
  userId: string,
  now: Date,
): Promise<boolean> {
  const { memberships, sessions } = db.tables;
  return db.transaction(async (tx) => {
    const removed = await tx.orm
      .delete(memberships)
      .where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)))
      .returning({ userId: memberships.userId });
    if (removed.length === 0) return false;
    await tx.orm
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.accountId, accountId), eq(sessions.userId, userId), isNull(sessions.revokedAt)));
    return true;
  });
}
