import { and, asc, between, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { countBySeverity, type ReviewReport } from '../../shared/index.js';
import { perDatabase, type DiffrayDb, type Orm } from './client.js';
import { keyringOf } from './connection.js';
import { columnLabel, seal, unsealOptional } from './encryption.js';
import { associatedData } from './envelope.js';
import { unpackTexts } from './finding-texts.js';
import { newId } from './ids.js';
import { findingTextValues, findingValues, reviewValues, severityValues, type IngestRow } from './ingest.js';
import { findRepository, repositoryNames } from './repositories.js';
import { findings, findingTexts, repositories, reviews } from './schema.js';

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
  /** `storedBytesOf(report)`, when the caller has it already (for the quota); computed otherwise. */
  storedBytes?: number;
}

/**
 * What a review adds to its account's stored bytes (`api/quotas.ts`): the UTF-8 bytes of the text it
 * stores, its own (its walkthrough's too) and its findings'. The migration `drizzle/0003_account_quotas.sql` counts the same for
 * reviews stored before it.
 */
export function storedBytesOf(report: ReviewReport): number {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  let total =
    bytes(report.headSha) +
    bytes(report.baseSha) +
    bytes(report.status) +
    bytes(report.conclusion) +
    bytes(report.model);
  const walk = report.walkthrough;
  if (walk)
    total += bytes(walk.overview.join('')) + bytes(walk.files.map((f) => f.path + f.summary).join(''));
  for (const f of report.findings) {
    total +=
      bytes(f.path) +
      bytes(f.severity) +
      bytes(f.category) +
      bytes(f.title) +
      bytes(f.body) +
      bytes(f.fingerprint);
  }
  return total;
}

/**
 * The row the writer stores for one review (`ingest.ts`). Every value but the sealed ones is decided here,
 * on the serving thread: ids, timestamps, counts.
 */
export function ingestRow(
  input: NewReview,
  sealWalkthrough?: (reviewId: string, json: string) => string,
): IngestRow {
  const { accountId, report, now } = input;
  const id = newId();
  let walkthrough: string | null = null;
  if (report.walkthrough) {
    if (!sealWalkthrough)
      throw new Error('a review with a walkthrough is stored with its walkthrough sealed');
    walkthrough = sealWalkthrough(id, JSON.stringify(report.walkthrough));
  }
  return {
    id,
    // Used only when this is the repository's first report; made here so every id comes from `newId`.
    newRepositoryId: newId(),
    accountId,
    repository: report.repository,
    day: utcDay(now),
    createdAt: now.getTime(),
    expiresAt: input.expiresAt.getTime(),
    counts: severityValues(countBySeverity(report.findings)),
    review: reviewValues(report, walkthrough),
    findings: findingValues(report.findings),
    storedBytes: input.storedBytes ?? storedBytesOf(report),
    texts: findingTextValues(report.findings),
  };
}

/**
 * Stores one review with its findings (already stripped of code and capped by the caller), creating the
 * repository on first report and adding to the day's aggregates, in one transaction on the writer thread
 * (`writer.ts`), off the event loop. Resolves with the review's id once the review is committed.
 */
export async function insertReview(db: DiffrayDb, input: NewReview): Promise<string> {
  // The walkthrough is sealed here (one value per review); the finding texts on the writer thread.
  const row = ingestRow(input, (id, json) => seal(db.orm, reviews.walkthrough, id, json));
  await db.ingest(row);
  return row.id;
}

/** A review's columns as read: its repository's sealed name, opened by `withRepositoryNames`. */
const reviewColumns = {
  id: reviews.id,
  repositoryId: reviews.repositoryId,
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

type StoredReview = {
  [K in keyof typeof reviewColumns]: (typeof reviewColumns)[K]['_']['data'];
};
export type ReviewRow = Omit<StoredReview, 'repositoryId'>;

/** Reviews with their repository's name opened (each repository's once). */
function withRepositoryNames<T extends StoredReview>(
  orm: Orm,
  rows: T[],
): (Omit<T, 'repositoryId' | 'repository'> & { repository: string })[] {
  const nameOf = repositoryNames(orm);
  return rows.map(({ repositoryId, repository, ...row }) => ({
    ...row,
    repository: nameOf(repositoryId, repository),
  }));
}

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
  const page = withRepositoryNames(orm, rows.slice(0, input.limit));
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
      rowId: findings.rowId,
      startLine: findings.startLine,
      line: findings.line,
      severity: findings.severity,
      category: findings.category,
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
    .orderBy(asc(findings.rowId))
    .prepare(),
  texts: orm
    .select({ sealed: findingTexts.sealed })
    .from(findingTexts)
    .where(eq(findingTexts.reviewId, sql.placeholder('reviewId')))
    .prepare(),
}));

const TEXTS = columnLabel(findingTexts.sealed);

/** One unexpired review of the account with its findings; undefined for missing, expired or another account's. */
export function getReview(orm: Orm, input: { accountId: string; id: string; now: Date }) {
  const found = readStatements(orm).review.get({
    id: input.id,
    accountId: input.accountId,
    nowMs: input.now.getTime(),
  });
  if (!found) return undefined;
  const { findingsFirst, findingsLast, walkthrough, ...stored } = found;
  const [review] = withRepositoryNames(orm, [stored]);
  const rows = listFindings(orm, { id: stored.id, findingsFirst, findingsLast });
  return {
    review: review!,
    findings: rows,
    walkthrough: openWalkthrough(orm, stored.id, walkthrough),
  };
}

/** A review's stored walkthrough, opened and read back; undefined without one (or one that does not parse). */
export function openWalkthrough(
  orm: Orm,
  reviewId: string,
  sealed: string | null,
): ReviewWalkthrough | undefined {
  const json = unsealOptional(orm, reviews.walkthrough, reviewId, sealed);
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

/**
 * A review's findings, by path, line and order of report: their metadata in row order, zipped with the
 * review's opened texts, then sorted here (the paths are sealed, so SQL cannot order by them). With
 * `slice`, only the rows of that part of the review's range (the export reads a large review in parts).
 */
export function listFindings(orm: Orm, review: FindingsOf, slice?: { first: number; last: number }) {
  const { findingsFirst: first, findingsLast: last } = review;
  if (first === null || last === null) return [];
  const statements = readStatements(orm);
  const rows = statements.findings.all({
    first: slice?.first ?? first,
    last: slice?.last ?? last,
    reviewId: review.id,
  });
  const sealed = statements.texts.get({ reviewId: review.id })?.sealed;
  if (sealed === undefined) throw new Error(`review ${review.id} has findings without their texts`);
  // The texts are the whole review's, in row order: a row's text is at its offset in the review's rows
  // (read whole, they are exactly the rows found under the review's id, whatever its range says).
  const count = slice === undefined ? rows.length : last - first + 1;
  const start = slice === undefined ? (rows[0]?.rowId ?? first) : first;
  const texts = unpackTexts(keyringOf(orm).openBytes(sealed, associatedData(TEXTS, review.id)), count);
  const read = rows.map(({ rowId, fingerprint, ...row }, k) => {
    const [path, title, body] = texts[rowId - start]!;
    return { finding: { path, ...row, title, body, fingerprint }, k };
  });
  read.sort(
    (a, b) => compareText(a.finding.path, b.finding.path) || a.finding.line - b.finding.line || a.k - b.k,
  );
  return read.map((r) => r.finding);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
