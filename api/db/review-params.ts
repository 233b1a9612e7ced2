import type { IngestRow, Value } from './ingest.js';

/**
 * The parameters of `INGEST_SQL.insertReview` for `row` (in `REVIEW_INSERT_COLUMNS` order), its findings
 * at row ids `first` onwards. Apart from `ingest.ts` so that the writer thread loads it without drizzle.
 */
export function reviewParams(
  row: IngestRow,
  repositoryId: string,
  first: number | null,
  count: number,
  details: Value,
): Value[] {
  return [
    row.id,
    row.accountId,
    repositoryId,
    ...row.review,
    ...row.counts,
    row.createdAt,
    row.expiresAt,
    first,
    first === null ? null : first + count - 1,
    row.storedBytes,
    details,
  ];
}
