/**
 * Totals for the overview and repository pages: findings by severity per day and per repository (from the
 * daily aggregates, which outlive the reviews), and the count and cost of the unexpired reviews. Everything
 * is scoped to an account id passed in by the caller.
 */
import { and, asc, desc, eq, gt, gte, inArray, sql, type SQL } from 'drizzle-orm';
import { CATEGORIES, type Category } from '../../shared/finding.js';
import type { Orm } from './client.js';
import { indexesOf } from './encryption.js';
import { repositoryNames } from './repositories.js';
import { dailyAggregates, repositories, reviews } from './schema.js';

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
    conditions.push(inArray(dailyAggregates.repository, indexesOf(orm, 'repository', input.repository)));
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
          inArray(dailyAggregates.repository, indexesOf(orm, 'repository', repository)),
        ),
      )
      .get()?.day ?? undefined
  );
}

/** Repositories with the most findings since `sinceDay` (from the aggregates), with their review counts. */
export function topRepositories(orm: Orm, input: { accountId: string; sinceDay: string; limit: number }) {
  const rows = orm
    .select({
      id: repositories.id,
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
  const nameOf = repositoryNames(orm);
  return rows.map(({ id, fullName, ...sums }) => ({ fullName: nameOf(id, fullName), ...sums }));
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

/** The day's counts the trends read: everything `daily_aggregates` holds but its key, summed per day. */
const trendSums = {
  introduced: sql<number>`sum(${dailyAggregates.critical} + ${dailyAggregates.high} + ${dailyAggregates.medium} + ${dailyAggregates.low})`,
  fixed: sql<number>`sum(${dailyAggregates.fixed})`,
  dismissed: sql<number>`sum(${dailyAggregates.dismissed})`,
  costMicros: sql<number>`sum(${dailyAggregates.costMicros})`,
  fixedIn1d: sql<number>`sum(${dailyAggregates.fixedIn1d})`,
  fixedIn3d: sql<number>`sum(${dailyAggregates.fixedIn3d})`,
  fixedIn7d: sql<number>`sum(${dailyAggregates.fixedIn7d})`,
  fixedIn14d: sql<number>`sum(${dailyAggregates.fixedIn14d})`,
  fixedLater: sql<number>`sum(${dailyAggregates.fixedLater})`,
  ...Object.fromEntries(CATEGORIES.map((c) => [c, sql<number>`sum(${dailyAggregates[c]})`])),
} as Record<'introduced' | 'fixed' | 'dismissed' | 'costMicros' | FixColumn | Category, SQL<number>>;

type FixColumn = 'fixedIn1d' | 'fixedIn3d' | 'fixedIn7d' | 'fixedIn14d' | 'fixedLater';

/** One day of an account's (or one repository's) aggregates, for the trends. */
export type TrendDay = { day: string } & Record<
  'introduced' | 'fixed' | 'dismissed' | 'costMicros' | FixColumn | Category,
  number
>;

/** Per-day aggregates since `sinceDay` (inclusive; up to 12 months back), the account's or one repository's. */
export function trendDays(
  orm: Orm,
  input: { accountId: string; sinceDay: string; repository?: string },
): TrendDay[] {
  const conditions = [
    eq(dailyAggregates.accountId, input.accountId),
    gte(dailyAggregates.day, input.sinceDay),
  ];
  if (input.repository !== undefined)
    conditions.push(inArray(dailyAggregates.repository, indexesOf(orm, 'repository', input.repository)));
  return orm
    .select({ day: dailyAggregates.day, ...trendSums })
    .from(dailyAggregates)
    .where(and(...conditions))
    .groupBy(dailyAggregates.day)
    .orderBy(asc(dailyAggregates.day))
    .all() as TrendDay[];
}

/** Per category: findings introduced, fixed and dismissed, from the daily aggregates. */
export type CategoryOutcome = { category: Category; introduced: number; fixed: number; dismissed: number };

/**
 * Each category's findings introduced, fixed and dismissed since `sinceDay` (inclusive), the account's or
 * one repository's: where dismissals concentrate against fixes, a category is noise to that team.
 */
export async function categoryOutcomes(
  orm: Orm,
  input: { accountId: string; sinceDay: string; repository?: string },
): Promise<CategoryOutcome[]> {
  const conditions = [
    eq(dailyAggregates.accountId, input.accountId),
    gte(dailyAggregates.day, input.sinceDay),
  ];
  if (input.repository !== undefined)
    conditions.push(inArray(dailyAggregates.repository, indexesOf(orm, 'repository', input.repository)));
  const sum = (column: keyof typeof dailyAggregates.$inferSelect) =>
    sql<number>`coalesce(sum(${dailyAggregates[column]}), 0)`;
  const row = orm
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
    .where(and(...conditions))
    .get();
  return CATEGORIES.map((category) => ({
    category,
    introduced: row?.[category] ?? 0,
    fixed: row?.[`fixed_${category}`] ?? 0,
    dismissed: row?.[`dismissed_${category}`] ?? 0,
  }));
}
