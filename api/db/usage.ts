/** What an account uses against its quotas (`api/quotas.ts`); the table is `account_usage` (schema.ts). */
import { asc, eq, sql } from 'drizzle-orm';
import { perDatabase, type Orm } from './client.js';
import { accountUsage, reviews } from './schema.js';

const usageStatement = perDatabase((orm) =>
  orm
    .select({
      day: accountUsage.day,
      reviewsOnDay: accountUsage.reviewsOnDay,
      storedBytes: accountUsage.storedBytes,
    })
    .from(accountUsage)
    .where(eq(accountUsage.accountId, sql.placeholder('accountId')))
    .prepare(),
);

/** The account's usage: reviews stored on `day` (UTC) and bytes held; nothing yet for a new account. */
export function accountUsageOf(orm: Orm, accountId: string) {
  return usageStatement(orm).get({ accountId }) ?? { day: '', reviewsOnDay: 0, storedBytes: 0 };
}

/** When the account's oldest review expires, freeing its bytes; undefined when it holds none. */
export function oldestReviewExpiry(orm: Orm, accountId: string): Date | undefined {
  return orm
    .select({ expiresAt: reviews.expiresAt })
    .from(reviews)
    .where(eq(reviews.accountId, accountId))
    .orderBy(asc(reviews.createdAt))
    .limit(1)
    .get()?.expiresAt;
}
