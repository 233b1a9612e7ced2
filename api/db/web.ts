/**
 * Queries of the results pages (issue 4): page sessions, GitHub users and memberships, and the overview
 * and repository summaries. Everything is scoped to an account id passed in by the caller.
 */
import { and, asc, desc, eq, gt, gte, isNull, sql } from 'drizzle-orm';
import { perDatabase, type Orm } from './client.js';
import { newId } from './ids.js';
import { repositoryKey } from './repositories.js';
import {
  accounts,
  apiKeys,
  dailyAggregates,
  memberships,
  repositories,
  reviews,
  sessions,
  users,
} from './schema.js';

/** Creates a page session row bound to the account's current session version. */
export function createSession(
  orm: Orm,
  input: { accountId: string; userId?: string; apiKeyId?: string; now: Date; expiresAt: Date },
): { id: string; sessionVersion: number } | undefined {
  return orm.transaction((tx) => {
    const account = tx.select().from(accounts).where(eq(accounts.id, input.accountId)).get();
    if (!account || account.deletedAt) return undefined;
    const id = newId();
    tx.insert(sessions)
      .values({
        id,
        accountId: input.accountId,
        userId: input.userId ?? null,
        apiKeyId: input.apiKeyId ?? null,
        sessionVersion: account.sessionVersion,
        createdAt: input.now,
        expiresAt: input.expiresAt,
        revokedAt: null,
      })
      .run();
    return { id, sessionVersion: account.sessionVersion };
  });
}

/**
 * Everything needed to accept a session on a request, in one query: the session row, its account and
 * (when present) the key or the user's membership that signed it in.
 */
const loadSessionStatement = perDatabase((orm) =>
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
export function loadSession(orm: Orm, sessionId: string) {
  return loadSessionStatement(orm).get({ sessionId });
}

export type LoadedSession = NonNullable<ReturnType<typeof loadSession>>;

/** Ends one session (sign-out). */
export function revokeSession(orm: Orm, sessionId: string, now: Date): void {
  orm
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .run();
}

/** Ends every session of the account at once by bumping its session version. */
export function bumpSessionVersion(orm: Orm, accountId: string): void {
  orm
    .update(accounts)
    .set({ sessionVersion: sql`${accounts.sessionVersion} + 1` })
    .where(eq(accounts.id, accountId))
    .run();
}

/** Deletes session rows that expired or were revoked before `before` (housekeeping). */
export function purgeSessions(orm: Orm, before: Date): number {
  return orm
    .delete(sessions)
    .where(sql`${sessions.expiresAt} < ${before.getTime()} or ${sessions.revokedAt} < ${before.getTime()}`)
    .run().changes;
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

/** Number of admins of the account (so the last one cannot be removed). */
export function adminCount(orm: Orm, accountId: string): number {
  return (
    orm
      .select({ n: sql<number>`count(*)` })
      .from(memberships)
      .where(and(eq(memberships.accountId, accountId), eq(memberships.role, 'admin')))
      .get()?.n ?? 0
  );
}

/** Reviews and findings by severity, summed over the aggregate rows of a group. */
const aggregateSums = {
  reviews: sql<number>`sum(${dailyAggregates.reviews})`,
  critical: sql<number>`sum(${dailyAggregates.critical})`,
  high: sql<number>`sum(${dailyAggregates.high})`,
  medium: sql<number>`sum(${dailyAggregates.medium})`,
  low: sql<number>`sum(${dailyAggregates.low})`,
};

/** Per-day findings by severity since `sinceDay` (inclusive), summed over repositories or for one. */
export function dailyTotals(orm: Orm, input: { accountId: string; sinceDay: string; repository?: string }) {
  const conditions = [
    eq(dailyAggregates.accountId, input.accountId),
    gte(dailyAggregates.day, input.sinceDay),
  ];
  if (input.repository !== undefined)
    conditions.push(eq(dailyAggregates.repository, repositoryKey(input.repository)));
  return orm
    .select({
      day: dailyAggregates.day,
      ...aggregateSums,
    })
    .from(dailyAggregates)
    .where(and(...conditions))
    .groupBy(dailyAggregates.day)
    .orderBy(asc(dailyAggregates.day))
    .all();
}

/** The earliest aggregate day of a repository (how far its trend reaches). */
export function firstAggregateDay(orm: Orm, accountId: string, repository: string): string | undefined {
  return (
    orm
      .select({ day: sql<string>`min(${dailyAggregates.day})` })
      .from(dailyAggregates)
      .where(
        and(
          eq(dailyAggregates.accountId, accountId),
          eq(dailyAggregates.repository, repositoryKey(repository)),
        ),
      )
      .get()?.day ?? undefined
  );
}

/** Repositories with the most findings since `sinceDay` (from the aggregates), with their review counts. */
export function topRepositories(orm: Orm, input: { accountId: string; sinceDay: string; limit: number }) {
  return orm
    .select({
      fullName: repositories.fullName,
      ...aggregateSums,
    })
    .from(dailyAggregates)
    .innerJoin(
      repositories,
      and(
        eq(repositories.accountId, dailyAggregates.accountId),
        eq(repositories.nameKey, dailyAggregates.repository),
      ),
    )
    .where(and(eq(dailyAggregates.accountId, input.accountId), gte(dailyAggregates.day, input.sinceDay)))
    .groupBy(repositories.id)
    .orderBy(
      desc(
        sql`sum(${dailyAggregates.critical}) * 1000 + sum(${dailyAggregates.high}) * 100 + sum(${dailyAggregates.medium}) * 10 + sum(${dailyAggregates.low})`,
      ),
      desc(sql`sum(${dailyAggregates.reviews})`),
    )
    .limit(input.limit)
    .all();
}

/** Total cost and count of the account's unexpired reviews (optionally of one repository). */
export function reviewTotals(orm: Orm, input: { accountId: string; now: Date; repositoryId?: string }) {
  const conditions = [eq(reviews.accountId, input.accountId), gt(reviews.expiresAt, input.now)];
  if (input.repositoryId !== undefined) conditions.push(eq(reviews.repositoryId, input.repositoryId));
  const row = orm
    .select({
      count: sql<number>`count(*)`,
      costUsd: sql<number>`coalesce(sum(${reviews.costUsd}), 0)`,
      failures: sql<number>`coalesce(sum(case when ${reviews.conclusion} = 'failure' then 1 else 0 end), 0)`,
    })
    .from(reviews)
    .where(and(...conditions))
    .get();
  return row ?? { count: 0, costUsd: 0, failures: 0 };
}
