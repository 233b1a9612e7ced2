import { and, asc, between, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { countBySeverity, DAY_MS, type ReviewReport } from '../../shared/index.js';
import { perDatabase, type DiffrayDb, type Tables } from './client.js';
import { columnLabel, seal, unsealOptional } from './encryption.js';
import { associatedData } from './envelope.js';
import { unpackTexts } from './finding-texts.js';
import { newId } from './ids.js';
import {
  aggregateValues,
  findingTextValues,
  findingValues,
  isOpen,
  reviewValues,
  severityValues,
  type IngestRow,
} from './ingest.js';
import { findRepository, repositoryNames } from './repositories.js';

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
  const details = detailsOf(report);
  let total =
    bytes(report.headSha) +
    bytes(report.baseSha) +
    bytes(report.status) +
    bytes(report.conclusion) +
    bytes(report.model) +
    (details === null ? 0 : bytes(details));
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
 * What a review says about the pull request and its people (never code), sealed as one value
 * (`reviews.details`): PR title, head branch, author, why the run concluded so, and who dismissed which
 * finding (by fingerprint) and why.
 */
export interface ReviewDetails {
  title?: string;
  branch?: string;
  author?: string;
  reason?: string;
  dismissals?: Record<string, { by?: string; reason?: string }>;
}

/** The report's `ReviewDetails` as JSON, or null when it has none. */
function detailsOf(report: ReviewReport): string | null {
  const details: ReviewDetails = {};
  if (report.title) details.title = report.title;
  if (report.branch) details.branch = report.branch;
  if (report.author) details.author = report.author;
  if (report.reason) details.reason = report.reason;
  for (const f of report.findings) {
    if (f.dismissal === undefined || f.state !== 'dismissed') continue;
    (details.dismissals ??= {})[f.fingerprint] = f.dismissal;
  }
  return Object.keys(details).length === 0 ? null : JSON.stringify(details);
}

/** What the pull request's earlier reviews tell about this one: for the day's counts. */
export interface PullRequestHistory {
  /** Fingerprints dismissed at the PR's previous review. */
  dismissed: ReadonlySet<string>;
  /** When each head was first reviewed, by commit sha (unexpired reviews only). */
  firstReviewed: ReadonlyMap<string, number>;
}

const NO_HISTORY: PullRequestHistory = { dismissed: new Set(), firstReviewed: new Map() };

/** The unexpired earlier reviews of the report's pull request, as `PullRequestHistory`. */
export async function pullRequestHistory(
  db: DiffrayDb,
  input: { accountId: string; report: ReviewReport; now: Date },
): Promise<PullRequestHistory> {
  const { findings, reviews } = db.tables;
  const repo = await findRepository(db, input.accountId, input.report.repository);
  if (!repo) return NO_HISTORY;
  const earlier = await db.orm
    .select({
      id: reviews.id,
      headSha: reviews.headSha,
      createdAt: reviews.createdAt,
      findingsFirst: reviews.findingsFirst,
      findingsLast: reviews.findingsLast,
    })
    .from(reviews)
    .where(
      and(
        eq(reviews.repositoryId, repo.id),
        eq(reviews.pullRequest, input.report.pullRequest),
        gt(reviews.expiresAt, input.now),
      ),
    )
    .orderBy(asc(reviews.createdAt), asc(reviews.id));
  const firstReviewed = new Map<string, number>();
  for (const r of earlier)
    if (!firstReviewed.has(r.headSha)) firstReviewed.set(r.headSha, r.createdAt.getTime());
  const last = earlier.at(-1);
  const dismissed = new Set<string>();
  if (last && last.findingsFirst !== null && last.findingsLast !== null) {
    const rows = await db.orm
      .select({ fingerprint: findings.fingerprint })
      .from(findings)
      .where(
        and(
          between(findings.rowId, last.findingsFirst, last.findingsLast),
          eq(findings.reviewId, last.id),
          eq(findings.state, 'dismissed'),
        ),
      );
    for (const r of rows) dismissed.add(r.fingerprint);
  }
  return { dismissed, firstReviewed };
}

/** Whole days from the first review of `sha` (a full or abbreviated commit) to `now`, when it is known. */
function daysSince(history: PullRequestHistory, sha: string | undefined, now: number): number | undefined {
  if (sha === undefined) return undefined;
  for (const [head, at] of history.firstReviewed)
    if (head.startsWith(sha)) return Math.max(0, (now - at) / DAY_MS);
  return undefined;
}

/**
 * The row the writer stores for one review (`ingest.ts`). Every value but the sealed ones is decided here,
 * on the serving thread: ids, timestamps, counts. The review's counts are of the findings open at its
 * head; the day's counts take the findings it introduced, fixed and newly dismissed (`history`: the PR's
 * earlier reviews), so a finding that stays open over many runs is counted once.
 */
export function ingestRow(
  input: NewReview,
  opts: {
    history?: PullRequestHistory;
    /** Seals the walkthrough's JSON for the review `reviewId`; required when the report has one. */
    sealWalkthrough?: (reviewId: string, json: string) => string;
  } = {},
): IngestRow {
  const { accountId, report, now } = input;
  const history = opts.history ?? NO_HISTORY;
  const id = newId();
  let walkthrough: string | null = null;
  if (report.walkthrough) {
    if (!opts.sealWalkthrough)
      throw new Error('a review with a walkthrough is stored with its walkthrough sealed');
    walkthrough = opts.sealWalkthrough(id, JSON.stringify(report.walkthrough));
  }
  const fixed = report.findings.filter((f) => f.state === 'fixed');
  const fixDays: number[] = [];
  for (const f of fixed) {
    const days = daysSince(history, f.firstSeen, now.getTime());
    if (days !== undefined) fixDays.push(days);
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
    counts: severityValues(countBySeverity(report.findings.filter(isOpen))),
    aggregate: aggregateValues({
      introduced: report.findings.filter((f) => f.state === undefined || f.state === 'new'),
      fixed,
      newlyDismissed: report.findings.filter(
        (f) => f.state === 'dismissed' && !history.dismissed.has(f.fingerprint),
      ),
      costUsd: report.costUsd,
      failed: report.conclusion === 'failure',
      fixDays,
    }),
    details: detailsOf(report),
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
  const hasHistory = input.report.findings.some((f) => f.state === 'fixed' || f.state === 'dismissed');
  // The walkthrough is sealed here (one value per review); the finding texts and details on the writer thread.
  const row = ingestRow(input, {
    history: hasHistory ? await pullRequestHistory(db, input) : NO_HISTORY,
    sealWalkthrough: (id, json) => seal(db, db.tables.reviews.walkthrough, id, json),
  });
  await db.ingest(row);
  return row.id;
}

/** A review's columns as read: its repository's sealed name, opened by `withRepositoryNames`. */
function reviewColumns({ repositories, reviews }: Tables) {
  return {
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
    event: reviews.event,
    fixed: reviews.fixed,
    dismissed: reviews.dismissed,
    details: reviews.details,
  };
}

type ReviewColumns = ReturnType<typeof reviewColumns>;
type StoredReview = {
  [K in keyof ReviewColumns]: ReviewColumns[K]['_']['notNull'] extends true
    ? ReviewColumns[K]['_']['data']
    : ReviewColumns[K]['_']['data'] | null;
};
export type ReviewRow = Omit<StoredReview, 'repositoryId' | 'details'> & { details: ReviewDetails };

/** A review's sealed details opened (`{}` when it has none). */
export function openDetails(db: DiffrayDb, reviewId: string, envelope: string | null): ReviewDetails {
  const json = unsealOptional(db, db.tables.reviews.details, reviewId, envelope);
  return json === null ? {} : (JSON.parse(json) as ReviewDetails);
}

/** Reviews with their repository's name and their details opened (each repository's name once). */
function withRepositoryNames<T extends StoredReview>(
  db: DiffrayDb,
  rows: T[],
): (Omit<T, 'repositoryId' | 'repository' | 'details'> & { repository: string; details: ReviewDetails })[] {
  const nameOf = repositoryNames(db);
  return rows.map(({ repositoryId, repository, details, ...row }) => ({
    ...row,
    repository: nameOf(repositoryId, repository),
    details: openDetails(db, row.id, details),
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
export async function listReviews(
  db: DiffrayDb,
  input: {
    accountId: string;
    repository?: string | undefined;
    cursor?: ReviewCursor | undefined;
    limit: number;
    now: Date;
  },
): Promise<{ rows: ReviewRow[]; next: ReviewCursor | undefined }> {
  const { repositories, reviews } = db.tables;
  const conditions: (SQL | undefined)[] = [
    eq(reviews.accountId, input.accountId),
    gt(reviews.expiresAt, input.now),
  ];
  if (input.repository !== undefined) {
    const repo = await findRepository(db, input.accountId, input.repository);
    if (!repo) return { rows: [], next: undefined };
    conditions.push(eq(reviews.repositoryId, repo.id));
  }
  if (input.cursor) {
    const at = new Date(input.cursor.createdAt);
    conditions.push(
      or(lt(reviews.createdAt, at), and(eq(reviews.createdAt, at), lt(reviews.id, input.cursor.id))),
    );
  }
  const rows = await db.orm
    .select(reviewColumns(db.tables))
    .from(reviews)
    .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
    .where(and(...conditions))
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(input.limit + 1);
  const page = withRepositoryNames(db, rows.slice(0, input.limit));
  const last = page.at(-1);
  return {
    rows: page,
    next:
      rows.length > input.limit && last ? { createdAt: last.createdAt.getTime(), id: last.id } : undefined,
  };
}

const readStatements = perDatabase(({ orm, tables }) => {
  const { findingTexts, findings, repositories, reviews } = tables;
  return {
    review: orm
      .select({
        ...reviewColumns(tables),
        walkthrough: reviews.walkthrough,
        findingsFirst: reviews.findingsFirst,
        findingsLast: reviews.findingsLast,
      })
      .from(reviews)
      .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
      .where(
        // Expiry is checked on the row read (`getReview`): a placeholder is bound as given, not encoded as
        // each engine stores a time.
        and(eq(reviews.id, sql.placeholder('id')), eq(reviews.accountId, sql.placeholder('accountId'))),
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
        state: findings.state,
        firstSeen: findings.firstSeen,
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
  };
});

/** One unexpired review of the account with its findings; undefined for missing, expired or another account's. */
export async function getReview(db: DiffrayDb, input: { accountId: string; id: string; now: Date }) {
  const [found] = await readStatements(db).review.execute({ id: input.id, accountId: input.accountId });
  if (!found || found.expiresAt <= input.now) return undefined;
  const { findingsFirst, findingsLast, walkthrough, ...stored } = found;
  const [review] = withRepositoryNames(db, [stored]);
  return {
    review: review!,
    findings: await findingsOf(db, review!, { id: stored.id, findingsFirst, findingsLast }),
    walkthrough: openWalkthrough(db, stored.id, walkthrough),
  };
}

/** A review's findings, each dismissed one with who dismissed it and why (from the review's details). */
async function findingsOf(db: DiffrayDb, review: ReviewRow, where: FindingsOf) {
  const dismissals = review.details.dismissals ?? {};
  return (await listFindings(db, where)).map((f) => ({
    ...f,
    dismissal: f.state === 'dismissed' ? dismissals[f.fingerprint] : undefined,
  }));
}

/** A review's stored walkthrough, opened and read back; undefined without one (or one that does not parse). */
export function openWalkthrough(
  db: DiffrayDb,
  reviewId: string,
  sealed: string | null,
): ReviewWalkthrough | undefined {
  const json = unsealOptional(db, db.tables.reviews.walkthrough, reviewId, sealed);
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
export async function listFindings(
  db: DiffrayDb,
  review: FindingsOf,
  slice?: { first: number; last: number },
) {
  const { findingsFirst: first, findingsLast: last } = review;
  if (first === null || last === null) return [];
  const statements = readStatements(db);
  const rows = await statements.findings.execute({
    first: slice?.first ?? first,
    last: slice?.last ?? last,
    reviewId: review.id,
  });
  const [text] = await statements.texts.execute({ reviewId: review.id });
  const sealed = text?.sealed;
  if (sealed === undefined) throw new Error(`review ${review.id} has findings without their texts`);
  // The texts are the whole review's, in row order: a row's text is at its offset in the review's rows
  // (read whole, they are exactly the rows found under the review's id, whatever its range says).
  const count = slice === undefined ? rows.length : last - first + 1;
  const start = slice === undefined ? (rows[0]?.rowId ?? first) : first;
  const aad = associatedData(columnLabel(db.tables.findingTexts.sealed), review.id);
  const texts = unpackTexts(db.keyring.openBytes(sealed, aad), count);
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

/** At most this many runs of one pull request are read for its page (the newest). */
export const PULL_REQUEST_RUNS = 100;

/**
 * The unexpired runs of one pull request of the account's repository, oldest first (the newest
 * `PULL_REQUEST_RUNS`), each with its findings and their states.
 */
export async function pullRequestRuns(
  db: DiffrayDb,
  input: { accountId: string; repositoryId: string; pullRequest: number; now: Date },
) {
  const { repositories, reviews } = db.tables;
  const newest = await db.orm
    .select({
      ...reviewColumns(db.tables),
      findingsFirst: reviews.findingsFirst,
      findingsLast: reviews.findingsLast,
    })
    .from(reviews)
    .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
    .where(
      and(
        eq(reviews.accountId, input.accountId),
        eq(reviews.repositoryId, input.repositoryId),
        eq(reviews.pullRequest, input.pullRequest),
        gt(reviews.expiresAt, input.now),
      ),
    )
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(PULL_REQUEST_RUNS);
  const runs = [];
  for (const { findingsFirst, findingsLast, ...stored } of newest.reverse()) {
    const [review] = withRepositoryNames(db, [stored]);
    runs.push({
      review: review!,
      findings: await findingsOf(db, review!, { id: stored.id, findingsFirst, findingsLast }),
    });
  }
  return runs;
}
