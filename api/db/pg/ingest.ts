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
import { FINDING_WIDTH, INGEST_SEALED, INGEST_SQL, type IngestRow } from '../ingest.js';
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
  /** Where its repository was found or inserted, once its rows are written. */
  repository?: { id: string; nameKey: string };
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

/** The review's own rows: its repository (found or inserted), the review, its findings and their texts. */
async function writeRows(client: pg.PoolClient, keyring: Keyring, p: Prepared): Promise<void> {
  const { row, nameKeys, count } = p;
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
    count > 0
      ? Number((await client.query<{ first: number }>(named('block', NEXT_BLOCK, []))).rows[0]!.first)
      : null;
  await client.query(
    named('review', INSERT_REVIEW, reviewParams(row, repository.id, first, count, p.details)),
  );
  if (first !== null) {
    const values: unknown[] = [];
    for (let k = 0; k < count; k += 1)
      values.push(first + k, row.id, ...row.findings.slice(k * FINDING_WIDTH, (k + 1) * FINDING_WIDTH));
    await client.query(named(`findings-${count}`, insertFindingsSql(count), values));
  }
  if (p.texts !== null) await client.query(named('texts', INSERT_TEXTS, [row.id, p.texts]));
  p.repository = repository;
}

const byKey = (key: (p: Prepared) => string) => (a: Prepared, b: Prepared) => {
  const x = key(a);
  const y = key(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Writes `batch` in one transaction: each review's rows (in a savepoint of its own when it has company, so
 * that one refused review fails alone), then the day aggregates, then the usage rows, each phase in key
 * order. Every batch, of any instance, takes the locks in that one order (repositories, aggregates, usage,
 * each sorted), so batches wait for each other but never in a cycle. Resolves to each review's error, or
 * undefined for one written; rejects when the transaction itself failed (nothing of the batch is written).
 */
async function writeBatch(
  pool: pg.Pool,
  keyring: Keyring,
  batch: Prepared[],
): Promise<(Error | undefined)[]> {
  const order = [...batch].sort(byKey((p) => `${p.row.accountId} ${p.nameKeys[0]}`));
  const errors = new Map<Prepared, Error>();
  await inPgTransaction(pool, async (client) => {
    for (const p of order) {
      if (order.length === 1) {
        await writeRows(client, keyring, p);
        continue;
      }
      await client.query('SAVEPOINT review');
      try {
        await writeRows(client, keyring, p);
        await client.query('RELEASE SAVEPOINT review');
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT review');
        errors.set(p, error as Error);
      }
    }
    const written = order.filter((p) => !errors.has(p));
    for (const p of [...written].sort(
      byKey((w) => `${w.row.accountId} ${w.repository!.nameKey} ${w.row.day}`),
    ))
      await client.query(
        named('aggregates', ADD_TO_AGGREGATES, [
          p.row.accountId,
          p.repository!.nameKey,
          p.row.day,
          ...p.row.aggregate,
        ]),
      );
    for (const p of [...written].sort(byKey((w) => w.row.accountId)))
      await client.query(named('usage', ADD_TO_USAGE, [p.row.accountId, p.row.day, p.row.storedBytes]));
  });
  return batch.map((p) => errors.get(p));
}

/** Reviews written per transaction at most. */
const MAX_BATCH = 64;

/**
 * The review writer of one PostgreSQL database (`db.ingest`): a review that arrives while a transaction is
 * being written waits for it and then goes, with every other review that arrived meanwhile, in the next
 * one (group commit, as SQLite's writer thread does). Under load a commit, and its wait for the disk, is
 * shared by many reviews, and the rows every review of an account updates (its day aggregate and usage)
 * are locked once per batch rather than once per review. Each review's promise settles once its batch is
 * committed (or with its own error); a batch whose transaction failed for another reason than the database
 * being unavailable is written again one review at a time, so that one bad review cannot fail the others.
 */
export function pgWriter(pool: pg.Pool, keyring: Keyring): (row: IngestRow) => Promise<void> {
  let queue: { p: Prepared; resolve: () => void; reject: (error: Error) => void }[] = [];
  let writing = false;

  const settle = async (batch: typeof queue) => {
    let errors: (Error | undefined)[];
    try {
      errors = await writeBatch(
        pool,
        keyring,
        batch.map((w) => w.p),
      );
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) errors = batch.map(() => error as Error);
      else {
        for (const waiter of batch) await settle([waiter]);
        return;
      }
    }
    batch.forEach((waiter, i) => (errors[i] === undefined ? waiter.resolve() : waiter.reject(errors[i]!)));
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
