/**
 * The purge's transactions on PostgreSQL (`../purge.ts` runs them and counts), each on one client of the
 * pool, with the statements of `PURGE_SQL`.
 *
 * A review batch deletes the findings of up to `REVIEWS_PER_READ` reviews in one statement (the row ids of
 * their ranges), then the reviews in another, so the counts are those SQLite gives: the statement-level
 * trigger `reviews_delete_findings` then finds nothing, and `reviews_release_usage` gives the reviews'
 * bytes back.
 *
 * Lock order against ingest (`ingest.ts`: repository, then day aggregate, then usage row, then commit): a
 * batch locks the expired reviews and their findings, which no ingest writes (an ingest inserts a new review
 * and new findings of a fresh range), and, through the trigger, the usage rows of the reviews' accounts.
 * An ingest takes its usage row last and holds nothing the purge waits for, so either waits for the other
 * to commit and none waits in a cycle. An account is purged only when deleted past its grace period: its
 * keys and sessions were revoked on deletion, so no ingest locks its rows then. A repository disconnected
 * while its reviews are being purged locks reviews and a usage row too: should the two wait for each other,
 * the server ends one of them (a deadlock error), and a purge batch that ends so is redone by the next run.
 */
import type pg from 'pg';
import {
  PURGE_SQL,
  REVIEWS_PER_READ,
  type PurgeSteps,
  type ReviewBatch,
  type ReviewRange,
} from '../purge-steps.js';
import { inPgTransaction } from './connection.js';
import { numbered } from './ingest.js';
import { FINDING_ROW_BLOCK } from './schema.js';

// The ids of the reviews' ranges as one array: an index scan on `findings_pkey` (a join with the ranges was
// planned as a scan of the whole table). A finding of one of these reviews outside its own range (a wrong
// range) would be deleted with them, as the review is; another review's never.
const DELETE_FINDINGS = 'DELETE FROM findings WHERE row_id = ANY($1::int8[]) AND review_id = ANY($2::text[])';
const DELETE_REVIEWS = 'DELETE FROM reviews WHERE id = ANY($1::text[])';
/**
 * One review batch at a time across purges (`diffray-api purge` run beside a server's): the usage rows a
 * batch locks are in no set order, so two batches could each wait for the other's.
 */
const LOCK_REVIEW_BATCHES = "SELECT pg_advisory_xact_lock(hashtext('diffray purge review batch'))";

export function pgPurgeSteps(pool: pg.Pool): PurgeSteps {
  const sql = new Map<string, string>();
  const pgSql = (text: string) => {
    let numberedText = sql.get(text);
    if (numberedText === undefined) sql.set(text, (numberedText = numbered(text)));
    return numberedText;
  };
  return {
    reviewBatch: (select, params, batch) =>
      inPgTransaction(pool, async (client): Promise<ReviewBatch> => {
        await client.query(LOCK_REVIEW_BATCHES);
        let findings = 0;
        let reviews = 0;
        for (;;) {
          const due = (
            await client.query<ReviewRange>({
              text: pgSql(select),
              values: [...params, REVIEWS_PER_READ],
              rowMode: 'array',
            })
          ).rows;
          // The reviews that bring the batch to `batch` rows (a review's rows: its findings' range and itself).
          let rows = findings + reviews;
          const taken: ReviewRange[] = [];
          for (const review of due) {
            taken.push(review);
            const [, first, last] = review;
            rows += (first !== null && last !== null ? last - first + 1 : 0) + 1;
            if (rows >= batch) break;
          }
          // A review's findings lie in the block it took (`FINDING_ROW_BLOCK` ids): a range recorded wider
          // could not hold more of them.
          const rowIds: number[] = [];
          for (const [, first, last] of taken)
            if (first !== null && last !== null)
              for (let id = first; id <= Math.min(last, first + FINDING_ROW_BLOCK - 1); id += 1)
                rowIds.push(id);
          if (rowIds.length > 0)
            findings +=
              (await client.query(DELETE_FINDINGS, [rowIds, taken.map(([id]) => id)])).rowCount ?? 0;
          if (taken.length > 0)
            reviews += (await client.query(DELETE_REVIEWS, [taken.map(([id]) => id)])).rowCount ?? 0;
          if (findings + reviews >= batch) return { findings, reviews, more: true };
          if (due.length < REVIEWS_PER_READ) return { findings, reviews, more: false };
        }
      }),
    dueAccounts: async (purgeBy) =>
      (await pool.query<{ id: string }>(pgSql(PURGE_SQL.dueAccounts), [purgeBy])).rows.map((r) => r.id),
    deleteAccount: (id) =>
      inPgTransaction(pool, async (client) => {
        const members = await client.query<{ user_id: string }>(pgSql(PURGE_SQL.memberUsers), [id]);
        const deleted = await client.query(pgSql(PURGE_SQL.deleteAccount), [id]);
        for (const { user_id: userId } of members.rows)
          await client.query(pgSql(PURGE_SQL.deleteOrphanUser), [userId, userId]);
        return deleted.rowCount === 1;
      }),
    deleteBatch: async (text, params) => (await pool.query(pgSql(text), params)).rowCount ?? 0,
  };
}
