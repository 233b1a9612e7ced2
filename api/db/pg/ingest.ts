/**
 * A review's ingest on PostgreSQL: the statements of `../ingest.ts` (the same columns in the same order,
 * `?` numbered as `$n`), run in one transaction on one client of the pool with the other reviews that
 * arrived meanwhile (`pgWriter`), so an instance killed or a connection lost mid-way leaves each review
 * whole or not at all.
 *
 * The findings' row ids: on SQLite one writer holds the write lock and takes the ids after the largest.
 * Here several instances ingest at once, so a review takes a block of `FINDING_ROW_BLOCK` ids from the
 * sequence `finding_row_blocks` (no lock, no wait on another transaction: `nextval` is never rolled back)
 * and its findings the first ids of it. Ranges stay disjoint and in ingest order, which is what the purge
 * and the trigger `reviews_delete_findings` rely on.
 *
 * Lock order: the repository rows (created at most once, `ON CONFLICT DO NOTHING`), then the day
 * aggregate rows, then the accounts' usage rows, each phase in key order, in every batch of reviews
 * (`writeBatch`); the purge's triggers lock usage rows only. So batches of one account wait on each other
 * but never deadlock.
 */
import type pg from 'pg';
import { LIMITS } from '../../../shared/index.js';
import { associatedData, type Keyring } from '../envelope.js';
import { reviewParams } from '../review-params.js';
import { packTexts } from '../finding-texts.js';
import {
  FINDING_WIDTH,
  INGEST_SEALED,
  INGEST_SQL,
  REVIEW_INSERT_COLUMNS,
  type IngestRow,
} from '../ingest.js';
import { isDatabaseUnavailable } from '../faults.js';
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
const NEXT_BLOCKS = "SELECT nextval('finding_row_blocks') AS first FROM generate_series(1, $1)";
const ADD_TO_USAGE = numbered(INGEST_SQL.addToUsage);

/** `INSERT ... VALUES (...)`'s head and one row's `(?, ...)`, and what follows the rows (`ON CONFLICT ...`). */
function split(insert: string): { head: string; row: string; tail: string } {
  const [head, rest] = insert.split(' VALUES ') as [string, string];
  const close = rest.indexOf(')') + 1;
  return { head, row: rest.slice(0, close), tail: rest.slice(close) };
}

/** `insert` with `count` rows of values, numbered from `$from`: `INSERT ... VALUES (...), (...) tail`. */
function rows(insert: string, count: number, from = 1): string {
  const { head, row, tail } = split(insert);
  const width = row.split('?').length - 1;
  const values = Array.from({ length: count }, (_, k) => numbered(row, from + k * width));
  return `${head} VALUES ${values.join(', ')}${tail}`;
}

/**
 * One review's rows in one statement (one round trip): the review, then, as data-modifying parts of the
 * same statement, its `count` findings and its texts (the foreign keys are checked at the statement's end,
 * when the review is there). Cached by shape: a few hundred at most.
 */
const writeReviewSql = (() => {
  const cache = new Map<string, string>();
  const reviewWidth = REVIEW_INSERT_COLUMNS.length;
  const findingWidth = FINDING_WIDTH + 2;
  return (count: number, texts: boolean): string => {
    const shape = `${count} ${texts}`;
    let text = cache.get(shape);
    if (text === undefined) {
      const parts = [numbered(INGEST_SQL.insertReview)];
      let next = reviewWidth + 1;
      if (count > 0) {
        parts.push(rows(INGEST_SQL.insertFinding, count, next));
        next += count * findingWidth;
      }
      if (texts) parts.push(numbered(INGEST_SQL.insertTexts, next));
      const last = parts.pop()!;
      text = `${parts.map((part, i) => `${i === 0 ? 'WITH' : ','} w${i} AS (${part})`).join(' ')} ${last}`;
      cache.set(shape, text);
    }
    return text;
  };
})();

/** A named statement: PostgreSQL parses and plans it once per connection, not on every review. */
const named = (name: string, text: string, values: unknown[]) => ({
  name: `diffray-ingest-${name}`,
  text,
  values,
});

async function findRepository(
  client: pg.PoolClient,
  accountId: string,
  nameKeys: readonly string[],
): Promise<{ id: string; nameKey: string } | undefined> {
  for (const nameKey of nameKeys) {
    const found = await client.query<{ id: string }>(
      named('repository', FIND_REPOSITORY, [accountId, nameKey]),
    );
    if (found.rows[0] !== undefined) return { id: found.rows[0].id, nameKey };
  }
  return undefined;
}

/** A review made ready for its transaction: what needs no connection (sealing) done beforehand. */
interface Prepared {
  row: IngestRow;
  nameKeys: string[];
  texts: Buffer | null;
  details: string | null;
  count: number;
}

function prepare(keyring: Keyring, row: IngestRow): Prepared {
  return {
    row,
    nameKeys: keyring.blindIndexes('repository', row.repository),
    texts:
      row.texts.length === 0
        ? null
        : keyring.sealBytes(packTexts(row.texts), associatedData(INGEST_SEALED.texts, row.id)),
    details:
      row.details === null
        ? null
        : keyring.sealText(row.details, associatedData(INGEST_SEALED.details, row.id)),
    count: row.findings.length / FINDING_WIDTH,
  };
}

/** The repository of `p` (found, or inserted under the newest name key: `FIND_REPOSITORY` says why). */
async function repositoryOf(
  client: pg.PoolClient,
  keyring: Keyring,
  p: Prepared,
): Promise<{ id: string; nameKey: string }> {
  const { row, nameKeys } = p;
  const found = await findRepository(client, row.accountId, nameKeys);
  if (found !== undefined) return found;
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
  const inserted = await findRepository(client, row.accountId, nameKeys.slice(0, 1));
  if (inserted === undefined) throw new Error('the repository row was neither inserted nor found');
  return inserted;
}

const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * Writes `batch` in one transaction, in as few round trips as its rows allow: each repository found (or
 * inserted) once, the findings' row-id blocks in one statement, each review with its findings and texts in
 * one statement, then the day aggregates summed per row in one statement and the usage per account and day.
 * Locks are taken phase by phase in key order (repositories, then aggregates, then usage rows, each sorted),
 * the same in every batch of every instance, so batches wait for each other but never in a cycle. Rejects
 * when the transaction failed: then nothing of the batch is written.
 */
async function writeBatch(pool: pg.Pool, keyring: Keyring, batch: readonly Prepared[]): Promise<void> {
  const order = [...batch].sort((a, b) =>
    compare(`${a.row.accountId} ${a.nameKeys[0]}`, `${b.row.accountId} ${b.nameKeys[0]}`),
  );
  await inPgTransaction(pool, async (client) => {
    const repositories = new Map<string, { id: string; nameKey: string }>();
    const withFindings = order.filter((p) => p.count > 0);
    const blocks =
      withFindings.length === 0
        ? []
        : (
            await client.query<{ first: number }>(named('blocks', NEXT_BLOCKS, [withFindings.length]))
          ).rows.map((r) => Number(r.first));
    const aggregates = new Map<
      string,
      { key: [string, string, string]; reviews: number; counts: number[] }
    >();
    const usage = new Map<string, { key: [string, string]; reviews: number; bytes: number }>();
    for (const p of order) {
      const { row, count } = p;
      const where = `${row.accountId} ${p.nameKeys[0]}`;
      let repository = repositories.get(where);
      if (repository === undefined) {
        repository = await repositoryOf(client, keyring, p);
        repositories.set(where, repository);
      }
      const first = count > 0 ? blocks[withFindings.indexOf(p)]! : null;
      const values: unknown[] = reviewParams(row, repository.id, first, count, p.details);
      for (let k = 0; k < count; k += 1)
        values.push(first! + k, row.id, ...row.findings.slice(k * FINDING_WIDTH, (k + 1) * FINDING_WIDTH));
      if (p.texts !== null) values.push(row.id, p.texts);
      await client.query(
        named(`review-${count}-${p.texts !== null}`, writeReviewSql(count, p.texts !== null), values),
      );
      const day = `${row.accountId} ${repository.nameKey} ${row.day}`;
      const sum = aggregates.get(day) ?? {
        key: [row.accountId, repository.nameKey, row.day],
        reviews: 0,
        counts: [],
      };
      sum.reviews += 1;
      sum.counts = row.aggregate.map((v, i) => (sum.counts[i] ?? 0) + Number(v));
      aggregates.set(day, sum);
      const spent = usage.get(`${row.accountId} ${row.day}`) ?? {
        key: [row.accountId, row.day],
        reviews: 0,
        bytes: 0,
      };
      spent.reviews += 1;
      spent.bytes += row.storedBytes;
      usage.set(`${row.accountId} ${row.day}`, spent);
    }
    const sums = [...aggregates].sort(([a], [b]) => compare(a, b)).map(([, sum]) => sum);
    await client.query(
      named(
        `aggregates-${sums.length}`,
        rows(INGEST_SQL.addToAggregates, sums.length),
        sums.flatMap((sum) => [...sum.key, sum.reviews, ...sum.counts]),
      ),
    );
    // One statement per account and day: an upsert may not update one row twice, and a batch spanning
    // midnight has two days of one account, applied in day order.
    for (const [, spent] of [...usage].sort(([a], [b]) => compare(a, b)))
      await client.query(named('usage', ADD_TO_USAGE, [...spent.key, spent.reviews, spent.bytes]));
  });
}

/** Reviews written per transaction at most. */
const MAX_BATCH = 64;

/**
 * The review writer of one PostgreSQL database (`db.ingest`): a review that arrives while a transaction is
 * being written waits for it and then goes, with every other review that arrived meanwhile, in the next
 * one (group commit, as SQLite's writer thread does). Under load a commit, and its wait for the disk, is
 * shared by many reviews, and the rows every review of an account updates (its day aggregate and usage)
 * are locked once per batch rather than once per review. Each review's promise settles once its batch is
 * committed (or with its own error): a batch whose transaction failed for another reason than the database
 * being unavailable is written again one review at a time, so that one bad review cannot fail the others.
 */
export function pgWriter(pool: pg.Pool, keyring: Keyring): (row: IngestRow) => Promise<void> {
  let queue: { p: Prepared; resolve: () => void; reject: (error: Error) => void }[] = [];
  let writing = false;

  const settle = async (batch: typeof queue) => {
    try {
      await writeBatch(
        pool,
        keyring,
        batch.map((w) => w.p),
      );
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const waiter of batch) waiter.reject(error as Error);
        return;
      }
      // One review may have failed them all: each is written alone, so that it fails alone.
      for (const waiter of batch) await settle([waiter]);
      return;
    }
    for (const waiter of batch) waiter.resolve();
  };

  const drain = async () => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      await settle(batch);
    }
    writing = false;
  };

  return (row) =>
    new Promise<void>((resolve, reject) => {
      // Sealing is CPU work that needs no connection: done before the review joins the queue.
      queue.push({ p: prepare(keyring, row), resolve, reject });
      if (!writing) void drain();
    });
}
