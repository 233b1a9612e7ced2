/**
 * A review's ingest on PostgreSQL: the statements of `../ingest.ts` (the same columns in the same order,
 * `?` numbered as `$n`), run in one transaction on one client of the pool, so an instance killed or a
 * connection lost mid-way leaves the whole review or nothing.
 *
 * The findings' row ids: on SQLite one writer holds the write lock and takes the ids after the largest.
 * Here several instances ingest at once, so a review takes a block of `FINDING_ROW_BLOCK` ids from the
 * sequence `finding_row_blocks` (no lock, no wait on another transaction: `nextval` is never rolled back)
 * and its findings the first ids of it. Ranges stay disjoint and in ingest order, which is what the purge
 * and the trigger `reviews_delete_findings` rely on.
 *
 * Lock order: the repository row (created at most once, `ON CONFLICT DO NOTHING`), then the day's
 * aggregate row, then the account's usage row, in every ingest; the purge's triggers lock usage rows only.
 * So two ingests of one account wait on each other (the shorter for the aggregate's upsert) but never
 * deadlock.
 */
import type pg from 'pg';
import { LIMITS } from '../../../shared/index.js';
import { associatedData, type Keyring } from '../envelope.js';
import { reviewParams } from '../review-params.js';
import { packTexts } from '../finding-texts.js';
import { FINDING_WIDTH, INGEST_SEALED, INGEST_SQL, type IngestRow } from '../ingest.js';
import { inPgTransaction } from './connection.js';
import { FINDING_ROW_BLOCK } from './schema.js';

if (FINDING_ROW_BLOCK < LIMITS.findingsPerReview)
  throw new Error('FINDING_ROW_BLOCK must hold a review with the most findings allowed');

/** `?` placeholders as PostgreSQL's `$1, $2, ...` (the ingest SQL has no `?` inside a literal). */
export function numbered(text: string, from = 1): string {
  let n = from - 1;
  return text.replace(/\?/g, () => `$${(n += 1)}`);
}

/**
 * The repository's id: found by the name keys (a rotation may have left it under an older one), or inserted
 * under the newest. Of two instances inserting it together one inserts, the other waits for that commit and
 * then finds the row. Found rows are locked `FOR KEY SHARE`: a re-encryption page moving the repository
 * (and its aggregates) to the newest name key holds it `FOR UPDATE`, so the ingest waits for that page and
 * then finds it under the new key, instead of adding to the aggregates under the old one after they moved.
 */
const FIND_REPOSITORY = `${numbered(INGEST_SQL.findRepository)} FOR KEY SHARE`;
const INSERT_REPOSITORY = `${numbered(INGEST_SQL.insertRepository)} ON CONFLICT DO NOTHING`;
const INSERT_REVIEW = numbered(INGEST_SQL.insertReview);
const INSERT_TEXTS = numbered(INGEST_SQL.insertTexts);
const ADD_TO_AGGREGATES = numbered(INGEST_SQL.addToAggregates);
const ADD_TO_USAGE = numbered(INGEST_SQL.addToUsage);
const NEXT_BLOCK = "SELECT nextval('finding_row_blocks') AS first";

/** `INSERT INTO findings ... VALUES (...), (...)` for `count` findings (cached: a few hundred shapes). */
const insertFindingsSql = (() => {
  const [head, row] = INGEST_SQL.insertFinding.split(' VALUES ');
  const width = FINDING_WIDTH + 2;
  const cache = new Map<number, string>();
  return (count: number): string => {
    let text = cache.get(count);
    if (text === undefined) {
      const rows = Array.from({ length: count }, (_, k) => numbered(row!, k * width + 1));
      text = `${head} VALUES ${rows.join(', ')}`;
      cache.set(count, text);
    }
    return text;
  };
})();

async function findRepository(
  client: pg.PoolClient,
  accountId: string,
  nameKeys: readonly string[],
): Promise<{ id: string; nameKey: string } | undefined> {
  for (const nameKey of nameKeys) {
    const found = await client.query<{ id: string }>(FIND_REPOSITORY, [accountId, nameKey]);
    if (found.rows[0] !== undefined) return { id: found.rows[0].id, nameKey };
  }
  return undefined;
}

/** Writes `row` (built by `insertReview`) in one transaction on `pool`; resolves once it is committed. */
export async function pgIngest(pool: pg.Pool, keyring: Keyring, row: IngestRow): Promise<void> {
  // Sealing is CPU work that needs no connection: done before one is taken.
  const texts =
    row.texts.length === 0
      ? null
      : keyring.sealBytes(packTexts(row.texts), associatedData(INGEST_SEALED.texts, row.id));
  const details =
    row.details === null
      ? null
      : keyring.sealText(row.details, associatedData(INGEST_SEALED.details, row.id));
  const nameKeys = keyring.blindIndexes('repository', row.repository);
  const count = row.findings.length / FINDING_WIDTH;
  await inPgTransaction(pool, async (client) => {
    let repository = await findRepository(client, row.accountId, nameKeys);
    if (repository === undefined) {
      const fullName = keyring.sealText(
        row.repository,
        associatedData(INGEST_SEALED.fullName, row.newRepositoryId),
      );
      await client.query(INSERT_REPOSITORY, [
        row.newRepositoryId,
        row.accountId,
        fullName,
        nameKeys[0],
        row.createdAt,
      ]);
      repository = await findRepository(client, row.accountId, nameKeys.slice(0, 1));
      if (repository === undefined) throw new Error('the repository row was neither inserted nor found');
    }
    const first =
      count > 0 ? Number((await client.query<{ first: number }>(NEXT_BLOCK)).rows[0]!.first) : null;
    await client.query(INSERT_REVIEW, reviewParams(row, repository.id, first, count, details));
    if (first !== null) {
      const values: unknown[] = [];
      for (let k = 0; k < count; k += 1)
        values.push(first + k, row.id, ...row.findings.slice(k * FINDING_WIDTH, (k + 1) * FINDING_WIDTH));
      await client.query(insertFindingsSql(count), values);
    }
    if (texts !== null) await client.query(INSERT_TEXTS, [row.id, texts]);
    await client.query(ADD_TO_AGGREGATES, [row.accountId, repository.nameKey, row.day, ...row.aggregate]);
    await client.query(ADD_TO_USAGE, [row.accountId, row.day, row.storedBytes]);
  });
}
