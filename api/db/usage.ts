/** What an account uses against its quotas (`api/quotas.ts`); the table is `account_usage` (schema.ts). */
import { asc, eq, sql } from 'drizzle-orm';
import { perDatabase, type DiffrayDb } from './client.js';

const usageStatement = perDatabase(({ orm, tables: { accountUsage } }) =>
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
export async function accountUsageOf(db: DiffrayDb, accountId: string) {
  const [usage] = await usageStatement(db).execute({ accountId });
  return usage ?? { day: '', reviewsOnDay: 0, storedBytes: 0 };
}

/** When the account's oldest review expires, freeing its bytes; undefined when it holds none. */
export async function oldestReviewExpiry(db: DiffrayDb, accountId: string): Promise<Date | undefined> {
  const { reviews } = db.tables;
  const [oldest] = await db.orm
    .select({ expiresAt: reviews.expiresAt })
    .from(reviews)
    .where(eq(reviews.accountId, accountId))
    .orderBy(asc(reviews.createdAt))
    .limit(1);
  return oldest?.expiresAt;
}
