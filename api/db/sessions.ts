/** Page sessions: created at sign-in, loaded on every page request with what decides whether they hold. */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { perDatabase, type DiffrayDb } from './client.js';
import { unseal, unsealOptional } from './encryption.js';
import { newId } from './ids.js';

/** Creates a page session row bound to the account's current session version. */
export async function createSession(
  db: DiffrayDb,
  input: { accountId: string; userId?: string; apiKeyId?: string; now: Date; expiresAt: Date },
): Promise<{ id: string; sessionVersion: number } | undefined> {
  const { accounts, sessions } = db.tables;
  return db.transaction(async (tx) => {
    const [account] = await tx.orm.select().from(accounts).where(eq(accounts.id, input.accountId)).limit(1);
    if (!account || account.deletedAt) return undefined;
    const id = newId();
    await tx.orm.insert(sessions).values({
      id,
      accountId: input.accountId,
      userId: input.userId ?? null,
      apiKeyId: input.apiKeyId ?? null,
      sessionVersion: account.sessionVersion,
      createdAt: input.now,
      expiresAt: input.expiresAt,
      revokedAt: null,
    });
    return { id, sessionVersion: account.sessionVersion };
  });
}

/**
 * Everything needed to accept a session on a request, in one query: the session row, its account and
 * (when present) the key or the user's membership that signed it in.
 */
const loadSessionStatement = perDatabase(
  ({ orm, tables: { accounts, apiKeys, memberships, sessions, users } }) =>
    orm
      .select({
        id: sessions.id,
        accountId: sessions.accountId,
        userId: sessions.userId,
        apiKeyId: sessions.apiKeyId,
        sessionVersion: sessions.sessionVersion,
        expiresAt: sessions.expiresAt,
        revokedAt: sessions.revokedAt,
        accountName: accounts.name,
        accountDeletedAt: accounts.deletedAt,
        accountSessionVersion: accounts.sessionVersion,
        keyName: apiKeys.name,
        keyScopes: apiKeys.scopes,
        keyRevokedAt: apiKeys.revokedAt,
        keyExpiresAt: apiKeys.expiresAt,
        userLogin: users.login,
        memberRole: memberships.role,
        memberAcceptedAt: memberships.acceptedAt,
      })
      .from(sessions)
      .innerJoin(accounts, eq(accounts.id, sessions.accountId))
      .leftJoin(apiKeys, and(eq(apiKeys.id, sessions.apiKeyId), eq(apiKeys.accountId, sessions.accountId)))
      .leftJoin(users, eq(users.id, sessions.userId))
      .leftJoin(
        memberships,
        and(eq(memberships.userId, sessions.userId), eq(memberships.accountId, sessions.accountId)),
      )
      .where(eq(sessions.id, sql.placeholder('sessionId')))
      .prepare(),
);

/** The session with its account, key, user and membership (a statement compiled once per database). */
export async function loadSession(db: DiffrayDb, sessionId: string) {
  const { accounts, apiKeys, users } = db.tables;
  const [row] = await loadSessionStatement(db).execute({ sessionId });
  return (
    row && {
      ...row,
      accountName: unseal(db, accounts.name, row.accountId, row.accountName),
      keyName: row.apiKeyId === null ? null : unsealOptional(db, apiKeys.name, row.apiKeyId, row.keyName),
      userLogin: row.userId === null ? null : unsealOptional(db, users.login, row.userId, row.userLogin),
    }
  );
}

/** Ends one session (sign-out). */
export async function revokeSession(db: DiffrayDb, sessionId: string, now: Date): Promise<void> {
  const { sessions } = db.tables;
  await db.orm
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Ends every session of the account at once by bumping its session version. */
export async function bumpSessionVersion(db: DiffrayDb, accountId: string): Promise<void> {
  const { accounts } = db.tables;
  await db.orm
    .update(accounts)
    .set({ sessionVersion: sql`${accounts.sessionVersion} + 1` })
    .where(eq(accounts.id, accountId));
}
