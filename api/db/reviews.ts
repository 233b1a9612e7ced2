import { and, asc, between, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { countBySeverity, type ReviewReport, type SeverityCounts } from '../../shared/index.js';
import { perDatabase, type Orm } from './client.js';
import { newId } from './ids.js';
import { findRepository, repositoryKey } from './repositories.js';
import { dailyAggregates, findings, repositories, reviews } from './schema.js';

/** `YYYY-MM-DD` in UTC. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The ingest statements, compiled once per database: the hot path of `POST /v1/reviews` builds no SQL.
 * Raw statements (column names as in `schema.ts`; timestamps as integer milliseconds, as drizzle's
 * `timestamp_ms` stores them), one row per finding, all run in one transaction. The findings get consecutive
 * row ids above every existing one, recorded on the review (`schema.ts`, `findings`): the transaction holds
 * the write lock from its start (`immediate`), so no other writer can take ids in between.
 */
const ingestStatements = perDatabase((_orm, sqlite) => {
  const findRepository = sqlite
    .prepare<[string, string], { id: string }>(
      'SELECT id FROM repositories WHERE account_id = ? AND name_key = ?',
    )
    .pluck();
  const insertRepository = sqlite.prepare<[string, string, string, string, number]>(
    'INSERT INTO repositories (id, account_id, full_name, name_key, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const insertReview = sqlite.prepare(
    `INSERT INTO reviews (id, account_id, repository_id, pull_request, head_sha, base_sha, status, conclusion,
       model, tokens_input, tokens_cache_write, tokens_cache_read, tokens_output, cost_usd, duration_ms,
       files_reviewed, files_skipped, lines_reviewed, lines_changed, critical, high, medium, low, created_at,
       expires_at, findings_first, findings_last)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const nextFindingRow = sqlite
    .prepare<[], number>('SELECT coalesce(max(row_id), 0) + 1 FROM findings')
    .pluck();
  const insertFinding = sqlite.prepare(
    `INSERT INTO findings (row_id, review_id, path, start_line, line, severity, category, title, body,
       fingerprint)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const addToAggregates = sqlite.prepare(
    `INSERT INTO daily_aggregates (account_id, repository, day, reviews, critical, high, medium, low)
     VALUES (?, ?, ?, 1, ?, ?, ?, ?)
     ON CONFLICT (account_id, repository, day) DO UPDATE SET
       reviews = reviews + 1,
       critical = critical + excluded.critical,
       high = high + excluded.high,
       medium = medium + excluded.medium,
       low = low + excluded.low`,
  );
  return sqlite.transaction(
    (input: {
      id: string;
      accountId: string;
      report: ReviewReport;
      now: Date;
      expiresAt: Date;
      counts: SeverityCounts;
    }) => {
      const { id, accountId, report, now, expiresAt, counts } = input;
      const at = now.getTime();
      const expires = expiresAt.getTime();
      const nameKey = repositoryKey(report.repository);
      let repositoryId = findRepository.get(accountId, nameKey) as string | undefined;
      if (repositoryId === undefined) {
        repositoryId = newId();
        insertRepository.run(repositoryId, accountId, report.repository, nameKey, at);
      }
      const count = report.findings.length;
      const first = count > 0 ? (nextFindingRow.get() as number) : null;
      insertReview.run(
        id,
        accountId,
        repositoryId,
        report.pullRequest,
        report.headSha,
        report.baseSha,
        report.status,
        report.conclusion,
        report.model,
        report.tokens.input,
        report.tokens.cacheWrite,
        report.tokens.cacheRead,
        report.tokens.output,
        report.costUsd,
        report.durationMs,
        report.coverage.filesReviewed,
        report.coverage.filesSkipped,
        report.coverage.linesReviewed,
        report.coverage.linesChanged,
        counts.critical,
        counts.high,
        counts.medium,
        counts.low,
        at,
        expires,
        first,
        first === null ? null : first + count - 1,
      );
      for (let k = 0; k < count; k += 1) {
        const f = report.findings[k]!;
        insertFinding.run(
          first! + k,
          id,
          f.path,
          f.startLine ?? null,
          f.line,
          f.severity,
          f.category,
          f.title,
          f.body,
          f.fingerprint,
        );
      }
      addToAggregates.run(
        accountId,
        nameKey,
        utcDay(now),
        counts.critical,
        counts.high,
        counts.medium,
        counts.low,
      );
    },
  );
});

/**
 * Stores one review with its findings (already stripped of code and capped by the caller), creating the
 * repository on first report and adding to the day's aggregates, in one transaction.
 */
export function insertReview(
  orm: Orm,
  input: { accountId: string; report: ReviewReport; now: Date; expiresAt: Date },
): string {
  const id = newId();
  ingestStatements(orm).immediate({ ...input, id, counts: countBySeverity(input.report.findings) });
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

const readStatements = perDatabase((orm) => ({
  review: orm
    .select({ ...reviewColumns, findingsFirst: reviews.findingsFirst, findingsLast: reviews.findingsLast })
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
  const { findingsFirst, findingsLast, ...review } = found;
  const rows = listFindings(orm, { id: review.id, findingsFirst, findingsLast });
  return { review, findings: rows };
}

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
