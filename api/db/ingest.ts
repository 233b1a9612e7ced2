/**
 * One review as the writer thread stores it (`IngestRow`) and the statements it runs, their table and
 * column names taken from `schema.ts`'s tables so the SQL follows the schema. The serving thread builds the
 * rows (`insertReview` in `reviews.ts`) and hands the statements to the writer (`writer.ts`), which compiles
 * and runs them (`writer-thread.ts`, which imports only this module's types: the thread then starts without
 * loading drizzle).
 */
import { getTableName } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import {
  CATEGORIES,
  countBySeverity,
  type ReportedFinding,
  type ReviewReport,
  type SeverityCounts,
} from '../../shared/index.js';
import { columnLabel } from './encryption.js';
import { accountUsage, dailyAggregates, findings, findingTexts, repositories, reviews } from './schema.js';

/** A column value as the writer binds it. */
export type Value = string | number | null;

/** The reported columns of `reviews`, in the order of `reviewValues`. */
const REVIEW_REPORTED = [
  reviews.pullRequest,
  reviews.headSha,
  reviews.baseSha,
  reviews.status,
  reviews.conclusion,
  reviews.model,
  reviews.tokensInput,
  reviews.tokensCacheWrite,
  reviews.tokensCacheRead,
  reviews.tokensOutput,
  reviews.costUsd,
  reviews.durationMs,
  reviews.filesReviewed,
  reviews.filesSkipped,
  reviews.linesReviewed,
  reviews.linesChanged,
  reviews.walkthrough,
  reviews.event,
  reviews.fixed,
  reviews.dismissed,
] as const;

/** A finding open at the review's head: new in it or still open (reports of older actions: all). */
export function isOpen(f: ReportedFinding): boolean {
  return f.state === undefined || f.state === 'new' || f.state === 'open';
}

/** `walkthrough`: the report's walkthrough as JSON, sealed (`reviews.ts`), or null without one. */
export function reviewValues(report: ReviewReport, walkthrough: string | null): Value[] {
  const { tokens, coverage } = report;
  return [
    report.pullRequest,
    report.headSha,
    report.baseSha,
    report.status,
    report.conclusion,
    report.model,
    tokens.input,
    tokens.cacheWrite,
    tokens.cacheRead,
    tokens.output,
    report.costUsd,
    report.durationMs,
    coverage.filesReviewed,
    coverage.filesSkipped,
    coverage.linesReviewed,
    coverage.linesChanged,
    walkthrough,
    report.event ?? null,
    report.findings.filter((f) => f.state === 'fixed').length,
    report.findings.filter((f) => f.state === 'dismissed').length,
  ];
}

/** The reported columns of `findings`, in the order of `findingValues`; their text is sealed apart. */
const FINDING_REPORTED = [
  findings.startLine,
  findings.line,
  findings.severity,
  findings.category,
  findings.fingerprint,
  findings.state,
  findings.firstSeen,
] as const;

/** Values per finding in `IngestRow.findings`. */
export const FINDING_WIDTH = FINDING_REPORTED.length;

/** Every finding's `FINDING_REPORTED` values, one finding after the other. */
export function findingValues(list: readonly ReportedFinding[]): Value[] {
  const values: Value[] = [];
  for (const f of list)
    values.push(
      f.startLine ?? null,
      f.line,
      f.severity,
      f.category,
      f.fingerprint,
      f.state ?? 'new',
      f.firstSeen ?? null,
    );
  return values;
}

/** Every finding's text (`finding-texts.ts`): path, title, body, one finding after the other. */
export function findingTextValues(list: readonly ReportedFinding[]): string[] {
  const values: string[] = [];
  for (const f of list) values.push(f.path, f.title, f.body);
  return values;
}

/**
 * One review as the writer stores it. Every value is decided on the serving thread (`insertReview`): ids,
 * timestamps (integer milliseconds, as drizzle's `timestamp_ms` stores them), the day and the counts; the
 * writer seals the texts and computes the repository's blind indexes (off the event loop), and runs the
 * statements. The report travels as flat lists of values: the hand-over copies values rather than
 * objects (a 50-finding review: ~45 µs of both threads' time instead of ~155 µs).
 */
export interface IngestRow {
  id: string;
  /** The repository's id when this report is its first. */
  newRepositoryId: string;
  accountId: string;
  /** `owner/name` as reported (a new repository's display name; found by its blind index). */
  repository: string;
  day: string;
  createdAt: number;
  expiresAt: number;
  /** `severityValues` of the open findings' counts. */
  counts: Value[];
  /** `aggregateValues`: what the review adds to its repository's counts of the day. */
  aggregate: Value[];
  /** `ReviewDetails` as JSON (`reviews.ts`), sealed by the writer; null when the report had none. */
  details: string | null;
  /** `reviewValues` of the report. */
  review: Value[];
  /** `findingValues` of the report. */
  findings: Value[];
  /** `storedBytesOf` the report: what it adds to the account's usage. */
  storedBytes: number;
  /** `findingTextValues` of the report. */
  texts: string[];
}

/** How long a fix took, in days: the upper bounds of `FIX_TIME_COLUMNS` but the last, which is open. */
export const FIX_TIME_BUCKETS = [1, 3, 7, 14] as const;

/** What one review adds to the day's counts of its repository, beside the review itself. */
export interface AggregateInput {
  /** Findings new in this review, by severity and by category. */
  introduced: readonly ReportedFinding[];
  fixed: readonly ReportedFinding[];
  /** Dismissed at this head and not yet at the PR's previous review. */
  newlyDismissed: readonly ReportedFinding[];
  costUsd: number;
  /** Whether the review's check concluded `failure`. */
  failed: boolean;
  /** Days from the run that first raised each fixed finding to this one, when that run is known. */
  fixDays: readonly number[];
}

/** The count columns of `daily_aggregates` past the severities, in the order of `aggregateValues`. */
const AGGREGATE_EXTRA = [
  dailyAggregates.failures,
  dailyAggregates.fixed,
  dailyAggregates.dismissed,
  dailyAggregates.costMicros,
  dailyAggregates.fixedIn1d,
  dailyAggregates.fixedIn3d,
  dailyAggregates.fixedIn7d,
  dailyAggregates.fixedIn14d,
  dailyAggregates.fixedLater,
  ...CATEGORIES.map((c) => dailyAggregates[c]),
  ...CATEGORIES.map((c) => dailyAggregates[`fixed_${c}`]),
  ...CATEGORIES.map((c) => dailyAggregates[`dismissed_${c}`]),
] as const;

/** How many of `findings` are of each category, in `CATEGORIES` order. */
function byCategory(findings: readonly ReportedFinding[]): number[] {
  return CATEGORIES.map((c) => findings.filter((f) => f.category === c).length);
}

export function aggregateValues(input: AggregateInput): Value[] {
  const buckets = [0, 0, 0, 0, 0];
  for (const days of input.fixDays) {
    const k = FIX_TIME_BUCKETS.findIndex((limit) => days <= limit);
    buckets[k < 0 ? FIX_TIME_BUCKETS.length : k]! += 1;
  }
  return [
    ...severityValues(countBySeverity(input.introduced)),
    input.failed ? 1 : 0,
    input.fixed.length,
    input.newlyDismissed.length,
    Math.round(input.costUsd * 1_000_000),
    ...buckets,
    ...byCategory(input.introduced),
    ...byCategory(input.fixed),
    ...byCategory(input.newlyDismissed),
  ];
}

/** The count columns of `reviews` and `daily_aggregates`, in the order of `severityValues`. */
const SEVERITY_COLUMNS = [
  'critical',
  'high',
  'medium',
  'low',
] as const satisfies readonly (keyof SeverityCounts)[];

export function severityValues(counts: SeverityCounts): Value[] {
  return SEVERITY_COLUMNS.map((s) => counts[s]);
}

const quote = (name: string) => `"${name}"`;
const table = (t: SQLiteTable) => quote(getTableName(t));
const column = (c: SQLiteColumn) => quote(c.name);
const names = (columns: readonly SQLiteColumn[]) => columns.map(column).join(', ');
const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** `INSERT INTO table (columns) VALUES (?, ...)`: a placeholder per column, so the two cannot drift apart. */
function insertInto(t: SQLiteTable, columns: readonly SQLiteColumn[]): string {
  return `INSERT INTO ${table(t)} (${names(columns)}) VALUES (${placeholders(columns.length)})`;
}

/**
 * The columns of `insertReview`, in the order of its parameters (`writer-thread.ts` binds them so): the
 * ids, `reviewValues`, `severityValues`, the timestamps, the findings' row range, the stored bytes.
 */
export const REVIEW_INSERT_COLUMNS: readonly SQLiteColumn[] = [
  reviews.id,
  reviews.accountId,
  reviews.repositoryId,
  ...REVIEW_REPORTED,
  ...SEVERITY_COLUMNS.map((s) => reviews[s]),
  reviews.createdAt,
  reviews.expiresAt,
  reviews.findingsFirst,
  reviews.findingsLast,
  reviews.storedBytes,
  reviews.details,
];

/** The columns of `insertFinding`, in the order of its parameters: the row id, the review, the values. */
export const FINDING_INSERT_COLUMNS: readonly SQLiteColumn[] = [
  findings.rowId,
  findings.reviewId,
  ...FINDING_REPORTED,
];

/**
 * Reviews and their counts added to their repository's row of the day: an upsert on the row's key, every
 * count added (the writer adds one review at a time, PostgreSQL's a batch's sum: `pg/ingest.ts`).
 * Parameters: account id, name key, day, reviews, `aggregateValues`.
 */
function addToAggregatesSql(): string {
  const a = dailyAggregates;
  const key = [a.accountId, a.repository, a.day];
  const counts = [a.reviews, ...SEVERITY_COLUMNS.map((s) => a[s]), ...AGGREGATE_EXTRA];
  // The stored row's columns are qualified: PostgreSQL finds a bare name ambiguous beside `excluded`.
  const add = (c: SQLiteColumn) => `${column(c)} = ${table(a)}.${column(c)} + excluded.${column(c)}`;
  return [
    `INSERT INTO ${table(a)} (${names([...key, ...counts])})`,
    `VALUES (${placeholders(key.length + counts.length)})`,
    `ON CONFLICT (${names(key)}) DO UPDATE SET`,
    counts.map(add).join(', '),
  ].join(' ');
}

/**
 * Reviews, and their bytes, added to the account's usage: the count of the day starts again on a new day.
 * (In an UPDATE every expression reads the row as it was, so `day` below is the stored one.) Parameters:
 * account id, day, reviews, stored bytes.
 */
function addToUsageSql(): string {
  const u = accountUsage;
  const columns = [u.accountId, u.day, u.reviewsOnDay, u.storedBytes];
  const stored = (c: SQLiteColumn) => `${table(u)}.${column(c)}`;
  return [
    `INSERT INTO ${table(u)} (${names(columns)}) VALUES (${placeholders(columns.length)})`,
    `ON CONFLICT (${column(u.accountId)}) DO UPDATE SET`,
    `${column(u.reviewsOnDay)} = CASE WHEN ${stored(u.day)} = excluded.${column(u.day)}`,
    `THEN ${stored(u.reviewsOnDay)} + excluded.${column(u.reviewsOnDay)} ELSE excluded.${column(u.reviewsOnDay)} END,`,
    `${column(u.day)} = excluded.${column(u.day)},`,
    `${column(u.storedBytes)} = ${stored(u.storedBytes)} + excluded.${column(u.storedBytes)}`,
  ].join(' ');
}

/**
 * The ingest statements, compiled once by the writer. The findings get consecutive row ids above every
 * existing one, recorded on the review (`schema.ts`, `findings`): the writer holds the write lock from the
 * start of its transaction (`immediate`), so no other writer takes ids in between, and reviews of one batch
 * read the ids their predecessors took.
 */
export const INGEST_SQL = {
  /** (account id, name key) → the repository's id. */
  findRepository: [
    `SELECT ${column(repositories.id)} FROM ${table(repositories)}`,
    `WHERE ${column(repositories.accountId)} = ? AND ${column(repositories.nameKey)} = ?`,
  ].join(' '),
  /** (id, account id, full name, name key, created at). */
  insertRepository: insertInto(repositories, [
    repositories.id,
    repositories.accountId,
    repositories.fullName,
    repositories.nameKey,
    repositories.createdAt,
  ]),
  insertReview: insertInto(reviews, REVIEW_INSERT_COLUMNS),
  nextFindingRow: `SELECT coalesce(max(${column(findings.rowId)}), 0) + 1 FROM ${table(findings)}`,
  insertFinding: insertInto(findings, FINDING_INSERT_COLUMNS),
  /** (review id, sealed texts). */
  insertTexts: insertInto(findingTexts, [findingTexts.reviewId, findingTexts.sealed]),
  /** (account id, name key, day, reviews, `aggregateValues`). */
  addToAggregates: addToAggregatesSql(),
  /** (account id, day, reviews, stored bytes). */
  addToUsage: addToUsageSql(),
} as const;

export type IngestSql = typeof INGEST_SQL;

/** The columns the writer seals (`associatedData` names them). */
export const INGEST_SEALED = {
  fullName: columnLabel(repositories.fullName),
  texts: columnLabel(findingTexts.sealed),
  details: columnLabel(reviews.details),
} as const;

export type IngestSealed = typeof INGEST_SEALED;
