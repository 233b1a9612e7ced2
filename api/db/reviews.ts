import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { countBySeverity, type ReviewReport } from '../../shared/index.js';
import type { Orm } from './client.js';
import { newId } from './ids.js';
import { findRepository, repositoryKey, upsertRepository } from './repositories.js';
import { dailyAggregates, findings, repositories, reviews } from './schema.js';

/** `YYYY-MM-DD` in UTC. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Stores one review with its findings (already stripped of code and capped by the caller), creating the
 * repository on first report and adding to the day's aggregates, in one transaction.
 */
export function insertReview(
  orm: Orm,
  input: { accountId: string; report: ReviewReport; now: Date; expiresAt: Date },
): string {
  const { accountId, report, now, expiresAt } = input;
  const counts = countBySeverity(report.findings);
  const id = newId();
  orm.transaction((tx) => {
    const repositoryId = upsertRepository(tx, accountId, report.repository, now);
    tx.insert(reviews)
      .values({
        id,
        accountId,
        repositoryId,
        pullRequest: report.pullRequest,
        headSha: report.headSha,
        baseSha: report.baseSha,
        status: report.status,
        conclusion: report.conclusion,
        model: report.model,
        tokensInput: report.tokens.input,
        tokensCacheWrite: report.tokens.cacheWrite,
        tokensCacheRead: report.tokens.cacheRead,
        tokensOutput: report.tokens.output,
        costUsd: report.costUsd,
        durationMs: report.durationMs,
        filesReviewed: report.coverage.filesReviewed,
        filesSkipped: report.coverage.filesSkipped,
        linesReviewed: report.coverage.linesReviewed,
        linesChanged: report.coverage.linesChanged,
        ...counts,
        createdAt: now,
        expiresAt,
      })
      .run();
    if (report.findings.length > 0) {
      tx.insert(findings)
        .values(
          report.findings.map((f) => ({
            reviewId: id,
            path: f.path,
            startLine: f.startLine ?? null,
            line: f.line,
            severity: f.severity,
            category: f.category,
            title: f.title,
            body: f.body,
            fingerprint: f.fingerprint,
            expiresAt,
          })),
        )
        .run();
    }
    tx.insert(dailyAggregates)
      .values({
        accountId,
        repository: repositoryKey(report.repository),
        day: utcDay(now),
        reviews: 1,
        ...counts,
      })
      .onConflictDoUpdate({
        target: [dailyAggregates.accountId, dailyAggregates.repository, dailyAggregates.day],
        set: {
          reviews: sql`${dailyAggregates.reviews} + 1`,
          critical: sql`${dailyAggregates.critical} + excluded.critical`,
          high: sql`${dailyAggregates.high} + excluded.high`,
          medium: sql`${dailyAggregates.medium} + excluded.medium`,
          low: sql`${dailyAggregates.low} + excluded.low`,
        },
      })
      .run();
  });
  return id;
}

const reviewColumns = {
  id: reviews.id,
  repository: repositories.fullName,
  pullRequest: reviews.pullRequest,
  headSha: reviews.headSha,
  baseSha: reviews.baseSha,
  status: reviews.status,
  conclusion: reviews.conclusion,
  model: reviews.model,
  tokensInput: reviews.tokensInput,
  tokensCacheWrite: reviews.tokensCacheWrite,
  tokensCacheRead: reviews.tokensCacheRead,
  tokensOutput: reviews.tokensOutput,
  costUsd: reviews.costUsd,
  durationMs: reviews.durationMs,
  filesReviewed: reviews.filesReviewed,
  filesSkipped: reviews.filesSkipped,
  linesReviewed: reviews.linesReviewed,
  linesChanged: reviews.linesChanged,
  critical: reviews.critical,
  high: reviews.high,
  medium: reviews.medium,
  low: reviews.low,
  createdAt: reviews.createdAt,
  expiresAt: reviews.expiresAt,
};

export type ReviewRow = {
  [K in keyof typeof reviewColumns]: (typeof reviewColumns)[K]['_']['data'];
};

export interface ReviewCursor {
  createdAt: number;
  id: string;
}

/**
 * The account's unexpired reviews, newest first, optionally of one repository; keyset pagination on
 * (createdAt, id). Returns one page and the cursor of the next when there is more.
 */
export function listReviews(
  orm: Orm,
  input: {
    accountId: string;
    repository?: string | undefined;
    cursor?: ReviewCursor | undefined;
    limit: number;
    now: Date;
  },
): { rows: ReviewRow[]; next: ReviewCursor | undefined } {
  const conditions: (SQL | undefined)[] = [
    eq(reviews.accountId, input.accountId),
    gt(reviews.expiresAt, input.now),
  ];
  if (input.repository !== undefined) {
    const repo = findRepository(orm, input.accountId, input.repository);
    if (!repo) return { rows: [], next: undefined };
    conditions.push(eq(reviews.repositoryId, repo.id));
  }
  if (input.cursor) {
    const at = new Date(input.cursor.createdAt);
    conditions.push(
      or(lt(reviews.createdAt, at), and(eq(reviews.createdAt, at), lt(reviews.id, input.cursor.id))),
    );
  }
  const rows = orm
    .select(reviewColumns)
    .from(reviews)
    .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
    .where(and(...conditions))
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(input.limit + 1)
    .all();
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    rows: page,
    next:
      rows.length > input.limit && last ? { createdAt: last.createdAt.getTime(), id: last.id } : undefined,
  };
}

/** One unexpired review of the account with its findings; undefined for missing, expired or another account's. */
export function getReview(orm: Orm, input: { accountId: string; id: string; now: Date }) {
  const review = orm
    .select(reviewColumns)
    .from(reviews)
    .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
    .where(
      and(eq(reviews.id, input.id), eq(reviews.accountId, input.accountId), gt(reviews.expiresAt, input.now)),
    )
    .get();
  if (!review) return undefined;
  const rows = listFindings(orm, review.id);
  return { review, findings: rows };
}

export function listFindings(orm: Orm, reviewId: string) {
  return orm
    .select({
      path: findings.path,
      startLine: findings.startLine,
      line: findings.line,
      severity: findings.severity,
      category: findings.category,
      title: findings.title,
      body: findings.body,
      fingerprint: findings.fingerprint,
    })
    .from(findings)
    .where(eq(findings.reviewId, reviewId))
    .orderBy(asc(findings.path), asc(findings.line), asc(findings.rowId))
    .all();
}

/** Daily counts per repository (for trends); they outlive the reviews. */
export function listAggregates(orm: Orm, accountId: string, repository?: string) {
  const where =
    repository === undefined
      ? eq(dailyAggregates.accountId, accountId)
      : and(
          eq(dailyAggregates.accountId, accountId),
          eq(dailyAggregates.repository, repositoryKey(repository)),
        );
  return orm
    .select({
      repository: dailyAggregates.repository,
      day: dailyAggregates.day,
      reviews: dailyAggregates.reviews,
      critical: dailyAggregates.critical,
      high: dailyAggregates.high,
      medium: dailyAggregates.medium,
      low: dailyAggregates.low,
    })
    .from(dailyAggregates)
    .where(where)
    .orderBy(asc(dailyAggregates.day), asc(dailyAggregates.repository))
    .all();
}
