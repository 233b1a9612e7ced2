/**
 * What `GET /v1/account/export` (and the page's download) holds: everything the account has but key hashes
 * and session tokens, read in pages so that no single read holds the event loop for long (`api/export.ts`
 * streams the pages as JSON, yielding to the event loop between them).
 *
 * Each table is read by keyset pagination on a unique order, one bounded query per page; a review's
 * findings are read with it. The pages are separate reads, not one snapshot: a row written while an export
 * runs may or may not be in it, and none is in it twice.
 */
import { and, asc, eq, getTableColumns, gt, or } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { getAccount } from './accounts.js';
import { keyInfoColumns } from './api-keys.js';
import type { DiffrayDb } from './client.js';
import { unseal, unsealOptional } from './encryption.js';
import { listAccountDismissals } from './dismissals.js';
import { listMembers } from './members.js';
import { repositoryNames } from './repositories.js';
import { listFindings, openDetails, openWalkthrough } from './reviews.js';

/** The export's lists, in the order they are written. */
export const EXPORT_SECTIONS = [
  'members',
  'keys',
  'sessions',
  'repositories',
  'configs',
  'reviews',
  'dismissals',
  'answers',
  'dailyAggregates',
  'auditLog',
] as const;
export type ExportSection = (typeof EXPORT_SECTIONS)[number];

/**
 * One step of the export. The pages of one list come one after the other, in `EXPORT_SECTIONS` order.
 * `rows`: rows of a list. A review with more findings than a page holds comes in steps of its own: `review`
 * (the review, its findings to follow), then `findings` pages of it, the `last` one closing it.
 */
export type ExportPage =
  | { kind: 'rows'; section: ExportSection; rows: readonly unknown[] }
  | { kind: 'review'; section: 'reviews'; review: Record<string, unknown> }
  | { kind: 'findings'; section: 'reviews'; findings: readonly unknown[]; last: boolean };

/** Rows per read of the small tables: a page reads and serialises in a few milliseconds. */
const ROWS_PER_PAGE = 500;
/** Reviews per read; their findings are read with them, `FINDINGS_PER_PAGE` at most per step. */
const REVIEWS_PER_PAGE = 50;
/** At most ~210 KB of finding text (4 KB bodies): a few milliseconds to read and serialise. */
const FINDINGS_PER_PAGE = 50;

/** The account itself, or undefined when there is no such account. */
export async function exportedAccount(db: DiffrayDb, accountId: string) {
  const account = await getAccount(db, accountId);
  if (!account) return undefined;
  return {
    id: account.id,
    name: account.name,
    company: account.company,
    contactEmail: account.contactEmail,
    createdAt: account.createdAt,
    deletedAt: account.deletedAt,
  };
}

/**
 * Reads `section` a page at a time: `read(after)` returns the rows following `after` (the previous page's
 * last row) in the table's unique order, at most `ROWS_PER_PAGE` of them; `shown` is what is exported of one.
 */
async function* paged<Row>(
  section: ExportSection,
  read: (after: Row | undefined) => Promise<Row[]>,
  shown: (row: Row) => unknown = (row) => row,
): AsyncGenerator<ExportPage> {
  for (let after: Row | undefined; ;) {
    const rows = await read(after);
    if (rows.length > 0) yield { kind: 'rows', section, rows: rows.map(shown) };
    if (rows.length < ROWS_PER_PAGE) return;
    after = rows.at(-1);
  }
}

/** `(a, b) > (x, y)`: the rows after `(x, y)` in the order of `a`, then `b`. */
function afterPair(a: SQLiteColumn, b: SQLiteColumn, x: unknown, y: unknown) {
  return or(gt(a, x), and(eq(a, x), gt(b, y)));
}

/**
 * Everything the account holds but key hashes and session tokens, as pages: each step of the generator
 * runs one bounded read. Unexpired reviews only, each with its findings (their row-id range is internal
 * and left out); sessions as metadata (who, when, until when), without their ids. Sealed values are opened
 * (`encryption.ts`): the export is the account's own data, in clear.
 */
export async function* exportPages(db: DiffrayDb, accountId: string, now: Date): AsyncGenerator<ExportPage> {
  const { answers, apiKeys, auditLog, configs, dailyAggregates, repositories, sessions } = db.tables;
  const limit = ROWS_PER_PAGE;
  yield { kind: 'rows', section: 'members', rows: await listMembers(db, accountId) };

  yield* paged(
    'keys',
    (after: { id: string } | undefined) =>
      db.orm
        .select(keyInfoColumns(db.tables))
        .from(apiKeys)
        .where(and(eq(apiKeys.accountId, accountId), after && gt(apiKeys.id, after.id)))
        .orderBy(asc(apiKeys.id))
        .limit(limit),
    (key) => ({ ...key, name: unseal(db, apiKeys.name, key.id, key.name) }),
  );

  yield* paged(
    'sessions',
    (after: { id: string } | undefined) =>
      db.orm
        .select({
          id: sessions.id,
          userId: sessions.userId,
          apiKeyId: sessions.apiKeyId,
          createdAt: sessions.createdAt,
          expiresAt: sessions.expiresAt,
          revokedAt: sessions.revokedAt,
        })
        .from(sessions)
        .where(and(eq(sessions.accountId, accountId), after && gt(sessions.id, after.id)))
        .orderBy(asc(sessions.id))
        .limit(limit),
    ({ id: _id, ...metadata }) => metadata,
  );

  yield* paged(
    'repositories',
    (after: { nameKey: string } | undefined) =>
      db.orm
        .select({
          id: repositories.id,
          fullName: repositories.fullName,
          createdAt: repositories.createdAt,
          nameKey: repositories.nameKey,
        })
        .from(repositories)
        .where(and(eq(repositories.accountId, accountId), after && gt(repositories.nameKey, after.nameKey)))
        .orderBy(asc(repositories.nameKey))
        .limit(limit),
    ({ nameKey: _key, ...repository }) => ({
      ...repository,
      fullName: unseal(db, repositories.fullName, repository.id, repository.fullName),
    }),
  );

  yield* paged(
    'configs',
    (after: { id: string } | undefined) =>
      db.orm
        .select({
          id: configs.id,
          repositoryId: repositories.id,
          repository: repositories.fullName,
          yaml: configs.yaml,
          updatedAt: configs.updatedAt,
        })
        .from(configs)
        .leftJoin(repositories, eq(repositories.id, configs.repositoryId))
        .where(and(eq(configs.accountId, accountId), after && gt(configs.id, after.id)))
        .orderBy(asc(configs.id))
        .limit(limit),
    ({ id, repositoryId, repository, yaml, updatedAt }) => ({
      repository:
        repositoryId === null || repository === null
          ? null
          : unseal(db, repositories.fullName, repositoryId, repository),
      yaml: unseal(db, configs.yaml, id, yaml),
      updatedAt,
    }),
  );

  yield* reviewPages(db, accountId, now);

  // Unexpired dismissals, kept 30 days like reviews: a few per pull request, read in one.
  yield { kind: 'rows', section: 'dismissals', rows: await listAccountDismissals(db, accountId, now) };

  // A day's counts, and answers, name their repository by id: the name comes from the repository's row.
  const nameOf = repositoryNames(db);
  yield* paged(
    'answers',
    async (after: { createdAt: Date; id: string } | undefined) =>
      (
        await db.orm
          .select({ answer: answers, repository: repositories.fullName })
          .from(answers)
          .innerJoin(repositories, eq(repositories.id, answers.repositoryId))
          .where(
            and(
              eq(answers.accountId, accountId),
              gt(answers.expiresAt, now),
              after && afterPair(answers.createdAt, answers.id, after.createdAt, after.id),
            ),
          )
          .orderBy(asc(answers.createdAt), asc(answers.id))
          .limit(limit)
      ).map(({ answer, repository }) => ({ ...answer, repository })),
    ({ accountId: _account, repositoryId, repository, ...answer }) => ({
      ...answer,
      repository: nameOf(repositoryId, repository),
    }),
  );

  yield* paged(
    'dailyAggregates',
    (after: { repositoryKey: string; day: string } | undefined) => {
      const a = dailyAggregates;
      // Every count of the day (reviews, severities, fixed and dismissed, cost, fix times, categories).
      const { accountId: _account, repository: _key, ...counts } = getTableColumns(a);
      return db.orm
        .select({
          repositoryKey: a.repository,
          repositoryId: repositories.id,
          repository: repositories.fullName,
          ...counts,
        })
        .from(a)
        .innerJoin(
          repositories,
          and(eq(repositories.accountId, a.accountId), eq(repositories.nameKey, a.repository)),
        )
        .where(
          and(
            eq(a.accountId, accountId),
            after && afterPair(a.repository, a.day, after.repositoryKey, after.day),
          ),
        )
        .orderBy(asc(a.repository), asc(a.day))
        .limit(limit);
    },
    ({ repositoryKey: _key, repositoryId, repository, ...counts }) => ({
      repository: nameOf(repositoryId, repository),
      ...counts,
    }),
  );

  yield* paged(
    'auditLog',
    (after: { at: Date; id: string } | undefined) =>
      db.orm
        .select()
        .from(auditLog)
        .where(
          and(
            eq(auditLog.accountId, accountId),
            after && afterPair(auditLog.at, auditLog.id, after.at, after.id),
          ),
        )
        .orderBy(asc(auditLog.at), asc(auditLog.id))
        .limit(limit),
    (entry) => ({
      ...entry,
      target: unsealOptional(db, auditLog.target, entry.id, entry.target),
      clientAddress: unsealOptional(db, auditLog.clientAddress, entry.id, entry.clientAddress),
    }),
  );
}

/**
 * The account's unexpired reviews, oldest first, each with its findings: reviews together up to
 * `FINDINGS_PER_PAGE` findings a step; a larger review alone, its findings read by slices of their row
 * range (`listFindings` orders each slice).
 */
async function* reviewPages(db: DiffrayDb, accountId: string, now: Date): AsyncGenerator<ExportPage> {
  const { repositories, reviews } = db.tables;
  const nameOf = repositoryNames(db);
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await db.orm
      .select({ review: reviews, repository: repositories.fullName })
      .from(reviews)
      .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
      .where(
        and(
          eq(reviews.accountId, accountId),
          gt(reviews.expiresAt, now),
          after && afterPair(reviews.createdAt, reviews.id, after.createdAt, after.id),
        ),
      )
      .orderBy(asc(reviews.createdAt), asc(reviews.id))
      .limit(REVIEWS_PER_PAGE);
    let rows: unknown[] = [];
    let findings = 0;
    for (const { review, repository } of page) {
      // The findings' row-id range is internal: used to read them, not exported. Sealed texts are opened.
      const { findingsFirst: first, findingsLast: last, walkthrough, details, ...rest } = review;
      const exported = {
        ...rest,
        details: openDetails(db, review.id, details),
        walkthrough: openWalkthrough(db, review.id, walkthrough) ?? null,
      };
      const name = nameOf(review.repositoryId, repository);
      const count = first === null || last === null ? 0 : last - first + 1;
      if (findings + count > FINDINGS_PER_PAGE && rows.length > 0) {
        yield { kind: 'rows', section: 'reviews', rows };
        rows = [];
        findings = 0;
      }
      if (count <= FINDINGS_PER_PAGE) {
        const list = await listFindings(db, { id: review.id, findingsFirst: first, findingsLast: last });
        rows.push({ ...exported, repository: name, findings: list });
        findings += count;
        continue;
      }
      yield { kind: 'review', section: 'reviews', review: { ...exported, repository: name } };
      for (let from = first!; from <= last!; from += FINDINGS_PER_PAGE) {
        const to = Math.min(from + FINDINGS_PER_PAGE - 1, last!);
        const list = await listFindings(
          db,
          { id: review.id, findingsFirst: first, findingsLast: last },
          { first: from, last: to },
        );
        yield { kind: 'findings', section: 'reviews', findings: list, last: to === last };
      }
    }
    if (rows.length > 0) yield { kind: 'rows', section: 'reviews', rows };
    if (page.length < REVIEWS_PER_PAGE) return;
    after = page.at(-1)!.review;
  }
}
