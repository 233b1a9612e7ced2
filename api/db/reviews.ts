import { and, asc, between, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { countBySeverity, type ReviewReport } from '../../shared/index.js';
import { perDatabase, type DiffrayDb, type Orm } from './client.js';
import { newId } from './ids.js';
import { findingValues, reviewValues, severityValues, type IngestRow } from './ingest.js';
import { findRepository, repositoryKey } from './repositories.js';
import { dailyAggregates, findings, repositories, reviews } from './schema.js';

/** `YYYY-MM-DD` in UTC. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A review as reported, for its account, stored at `now` and readable until `expiresAt`. */
export interface NewReview {
  accountId: string;
  report: ReviewReport;
  now: Date;
  expiresAt: Date;
}

/**
 * The row the writer stores for one review (`ingest.ts`). Every value is decided here, on the serving
 * thread: ids, timestamps, keys, counts.
 */
export function ingestRow(input: NewReview): IngestRow {
  const { accountId, report, now } = input;
  return {
    id: newId(),
    // Used only when this is the repository's first report; made here so every id comes from `newId`.
    newRepositoryId: newId(),
    accountId,
    repository: report.repository,
    nameKey: repositoryKey(report.repository),
    day: utcDay(now),
    createdAt: now.getTime(),
    expiresAt: input.expiresAt.getTime(),
    counts: severityValues(countBySeverity(report.findings)),
    review: reviewValues(report),
    findings: findingValues(report.findings),
  };
}

/**
 * Stores one review with its findings (already stripped of code and capped by the caller), creating the
 * repository on first report and adding to the day's aggregates, in one transaction on the writer thread
 * (`writer.ts`), off the event loop. Resolves with the review's id once the review is committed.
 */
export async function insertReview(db: DiffrayDb, input: NewReview): Promise<string> {
  const row = ingestRow(input);
  await db.ingest(row);
  return row.id;
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

const readStatements = perDatabase((orm) => ({
  review: orm
    .select({
      ...reviewColumns,
      walkthrough: reviews.walkthrough,
      findingsFirst: reviews.findingsFirst,
      findingsLast: reviews.findingsLast,
    })
    .from(reviews)
    .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
    .where(
      and(
        eq(reviews.id, sql.placeholder('id')),
        eq(reviews.accountId, sql.placeholder('accountId')),
        // A raw placeholder is not encoded: the value is the stored integer milliseconds.
        gt(reviews.expiresAt, sql.placeholder('nowMs')),
      ),
    )
    .prepare(),
  findings: orm
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
    // The review's row-id range (a range on the table's key), guarded by the review id.
    .where(
      and(
        between(findings.rowId, sql.placeholder('first'), sql.placeholder('last')),
        eq(findings.reviewId, sql.placeholder('reviewId')),
      ),
    )
    .orderBy(asc(findings.path), asc(findings.line), asc(findings.rowId))
    .prepare(),
}));

/** One unexpired review of the account with its findings; undefined for missing, expired or another account's. */
export function getReview(orm: Orm, input: { accountId: string; id: string; now: Date }) {
  const found = readStatements(orm).review.get({
    id: input.id,
    accountId: input.accountId,
    nowMs: input.now.getTime(),
  });
  if (!found) return undefined;
  const { findingsFirst, findingsLast, walkthrough, ...review } = found;
  const rows = listFindings(orm, { id: review.id, findingsFirst, findingsLast });
  return { review, findings: rows, walkthrough: readWalkthrough(walkthrough) };
}

/** A stored walkthrough read back; undefined without one (or, whatever the cause, one that does not parse). */
function readWalkthrough(json: string | null): ReviewWalkthrough | undefined {
  if (json === null) return undefined;
  try {
    return JSON.parse(json) as ReviewWalkthrough;
  } catch {
    return undefined;
  }
}

export type ReviewWalkthrough = NonNullable<ReviewReport['walkthrough']>;

/** Where a review's findings are: its id and its `findings.row_id` range (null bounds: none). */
export interface FindingsOf {
  id: string;
  findingsFirst: number | null;
  findingsLast: number | null;
}

/** A review's findings, by path, line and order of report. */
export function listFindings(orm: Orm, review: FindingsOf) {
  if (review.findingsFirst === null || review.findingsLast === null) return [];
  return readStatements(orm).findings.all({
    first: review.findingsFirst,
    last: review.findingsLast,
    reviewId: review.id,
  });
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
