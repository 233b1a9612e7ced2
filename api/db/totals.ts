/**
 * Totals for the overview and repository pages, from the daily aggregates (which outlive the reviews):
 * findings by severity per day and per repository, the trends, and the count, failures and cost of the
 * reviews of the last days. Everything is scoped to an account id passed in by the caller.
 */
import { and, asc, desc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import { CATEGORIES, type Category } from '../../shared/finding.js';
import type { DiffrayDb, Tables } from './client.js';
import { indexesOf } from './encryption.js';
import { repositoryNames } from './repositories.js';

/**
 * Reviews and findings by severity, summed over the aggregate rows of a group. Sums and counts are mapped
 * to numbers: PostgreSQL answers them as bigint or numeric, which its driver returns as strings.
 */
function aggregateSums({ dailyAggregates }: Tables) {
  return {
    reviews: sql<number>`sum(${dailyAggregates.reviews})`.mapWith(Number),
    critical: sql<number>`sum(${dailyAggregates.critical})`.mapWith(Number),
    high: sql<number>`sum(${dailyAggregates.high})`.mapWith(Number),
    medium: sql<number>`sum(${dailyAggregates.medium})`.mapWith(Number),
    low: sql<number>`sum(${dailyAggregates.low})`.mapWith(Number),
  };
}

/** Which aggregates: an account's days since `sinceDay` (inclusive), of one repository when it is named. */
interface AggregateScope {
  accountId: string;
  sinceDay: string;
  repository?: string;
}

function aggregateScope(db: DiffrayDb, input: AggregateScope): SQL | undefined {
  const { dailyAggregates } = db.tables;
  return and(
    eq(dailyAggregates.accountId, input.accountId),
    gte(dailyAggregates.day, input.sinceDay),
    input.repository === undefined
      ? undefined
      : inArray(dailyAggregates.repository, indexesOf(db, 'repository', input.repository)),
  );
}

/** Per-day findings by severity since `sinceDay` (inclusive), summed over repositories or for one. */
export async function dailyTotals(db: DiffrayDb, input: AggregateScope) {
  const { dailyAggregates } = db.tables;
  return db.orm
    .select({
      day: dailyAggregates.day,
      ...aggregateSums(db.tables),
    })
    .from(dailyAggregates)
    .where(aggregateScope(db, input))
    .groupBy(dailyAggregates.day)
    .orderBy(asc(dailyAggregates.day));
}

/** The earliest aggregate day of a repository (how far its trend reaches). */
export async function firstAggregateDay(
  db: DiffrayDb,
  accountId: string,
  repository: string,
): Promise<string | undefined> {
  const { dailyAggregates } = db.tables;
  const [first] = await db.orm
    .select({ day: sql<string | null>`min(${dailyAggregates.day})` })
    .from(dailyAggregates)
    .where(
      and(
        eq(dailyAggregates.accountId, accountId),
        inArray(dailyAggregates.repository, indexesOf(db, 'repository', repository)),
      ),
    );
  return first?.day ?? undefined;
}

/** Repositories with the most findings since `sinceDay` (from the aggregates), with their review counts. */
export async function topRepositories(
  db: DiffrayDb,
  input: { accountId: string; sinceDay: string; limit: number },
) {
  const { dailyAggregates, repositories } = db.tables;
  const rows = await db.orm
    .select({
      id: repositories.id,
      fullName: repositories.fullName,
      ...aggregateSums(db.tables),
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
    .limit(input.limit);
  const nameOf = repositoryNames(db);
  return rows.map(({ id, fullName, ...sums }) => ({ fullName: nameOf(id, fullName), ...sums }));
}

/**
 * The reviews, failed checks and model cost (reviews' and answers') since `sinceDay`, the account's or one
 * repository's, from the daily aggregates: a page reads a row per repository and day, never the reviews
 * themselves (an account with 100k reviews in its 30 days, #13 §5).
 */
export async function reviewTotals(
  db: DiffrayDb,
  input: AggregateScope,
): Promise<{ count: number; costUsd: number; failures: number }> {
  const { dailyAggregates } = db.tables;
  const [row] = await db.orm
    .select({
      count: sql<number>`coalesce(sum(${dailyAggregates.reviews}), 0)`.mapWith(Number),
      costMicros: sql<number>`coalesce(sum(${dailyAggregates.costMicros}), 0)`.mapWith(Number),
      failures: sql<number>`coalesce(sum(${dailyAggregates.failures}), 0)`.mapWith(Number),
    })
    .from(dailyAggregates)
    .where(aggregateScope(db, input));
  return {
    count: row?.count ?? 0,
    costUsd: (row?.costMicros ?? 0) / 1_000_000,
    failures: row?.failures ?? 0,
  };
}

/** The day's counts the trends read: everything `daily_aggregates` holds but its key, summed per day. */
function trendSums({ dailyAggregates }: Tables) {
  return {
    introduced:
      sql<number>`sum(${dailyAggregates.critical} + ${dailyAggregates.high} + ${dailyAggregates.medium} + ${dailyAggregates.low})`.mapWith(
        Number,
      ),
    fixed: sql<number>`sum(${dailyAggregates.fixed})`.mapWith(Number),
    dismissed: sql<number>`sum(${dailyAggregates.dismissed})`.mapWith(Number),
    costMicros: sql<number>`sum(${dailyAggregates.costMicros})`.mapWith(Number),
    fixedIn1d: sql<number>`sum(${dailyAggregates.fixedIn1d})`.mapWith(Number),
    fixedIn3d: sql<number>`sum(${dailyAggregates.fixedIn3d})`.mapWith(Number),
    fixedIn7d: sql<number>`sum(${dailyAggregates.fixedIn7d})`.mapWith(Number),
    fixedIn14d: sql<number>`sum(${dailyAggregates.fixedIn14d})`.mapWith(Number),
    fixedLater: sql<number>`sum(${dailyAggregates.fixedLater})`.mapWith(Number),
    ...Object.fromEntries(
      CATEGORIES.map((c) => [c, sql<number>`sum(${dailyAggregates[c]})`.mapWith(Number)]),
    ),
  } as Record<'introduced' | 'fixed' | 'dismissed' | 'costMicros' | FixColumn | Category, SQL<number>>;
}

type FixColumn = 'fixedIn1d' | 'fixedIn3d' | 'fixedIn7d' | 'fixedIn14d' | 'fixedLater';

/** One day of an account's (or one repository's) aggregates, for the trends. */
export type TrendDay = { day: string } & Record<
  'introduced' | 'fixed' | 'dismissed' | 'costMicros' | FixColumn | Category,
  number
>;

/** Per-day aggregates since `sinceDay` (inclusive; up to 12 months back), the account's or one repository's. */
export async function trendDays(db: DiffrayDb, input: AggregateScope): Promise<TrendDay[]> {
  const { dailyAggregates } = db.tables;
  return (await db.orm
    .select({ day: dailyAggregates.day, ...trendSums(db.tables) })
    .from(dailyAggregates)
    .where(aggregateScope(db, input))
    .groupBy(dailyAggregates.day)
    .orderBy(asc(dailyAggregates.day))) as TrendDay[];
}

/** Per category: findings introduced, fixed and dismissed, from the daily aggregates. */
export type CategoryOutcome = { category: Category; introduced: number; fixed: number; dismissed: number };

/**
 * Each category's findings introduced, fixed and dismissed since `sinceDay` (inclusive), the account's or
 * one repository's: where dismissals concentrate against fixes, a category is noise to that team.
 */
export async function categoryOutcomes(db: DiffrayDb, input: AggregateScope): Promise<CategoryOutcome[]> {
  const { dailyAggregates } = db.tables;
  const sum = (column: keyof typeof dailyAggregates.$inferSelect) =>
    sql<number>`coalesce(sum(${dailyAggregates[column]}), 0)`.mapWith(Number);
  const [row] = await db.orm
    .select(
      Object.fromEntries(
        CATEGORIES.flatMap((c) => [
          [c, sum(c)],
          [`fixed_${c}`, sum(`fixed_${c}`)],
          [`dismissed_${c}`, sum(`dismissed_${c}`)],
        ]),
      ) as Record<string, SQL<number>>,
    )
    .from(dailyAggregates)
    .where(aggregateScope(db, input));
  return CATEGORIES.map((category) => ({
    category,
    introduced: row?.[category] ?? 0,
    fixed: row?.[`fixed_${category}`] ?? 0,
    dismissed: row?.[`dismissed_${category}`] ?? 0,
  }));
}
