/**
 * The purge's transactions on PostgreSQL (`../purge.ts` runs them and counts), each on one client of the
 * pool, with the statements of `PURGE_SQL`.
 *
 * A review batch deletes the findings of up to `REVIEWS_PER_READ` reviews in one statement (their ranges as
 * arrays), then the reviews in another, so the counts are those SQLite gives: the statement-level trigger
 * `reviews_delete_findings` then finds nothing, and `reviews_release_usage` gives the reviews' bytes back.
 *
 * Lock order against ingest (`ingest.ts`: repository, then day aggregate, then usage row, then commit): a
 * batch locks the expired reviews and their findings, which no ingest writes (an ingest inserts a new review
 * and new findings of a fresh range), and, through the trigger, the usage rows of the reviews' accounts.
 * An ingest takes its usage row last and holds nothing the purge waits for, so either waits for the other
 * to commit and none waits in a cycle. An account is purged only when deleted past its grace period: its
 * keys and sessions were revoked on deletion, so no ingest locks its rows then.
 */
import type pg from 'pg';
import { PURGE_SQL, REVIEWS_PER_READ, type PurgeSteps, type ReviewBatch } from '../purge.js';
import { inPgTransaction } from './connection.js';
import { numbered } from './ingest.js';

const DELETE_FINDINGS = `DELETE FROM findings AS f
  USING unnest($1::text[], $2::int8[], $3::int8[]) AS d(review_id, first, last)
  WHERE f.row_id BETWEEN d.first AND d.last AND f.review_id = d.review_id`;
const DELETE_REVIEWS = 'DELETE FROM reviews WHERE id = ANY($1::text[])';

type ReviewRange = [id: string, first: number | null, last: number | null];

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
          const ranged = taken.filter(([, first, last]) => first !== null && last !== null);
          if (ranged.length > 0)
            findings +=
              (
                await client.query(DELETE_FINDINGS, [
                  ranged.map(([id]) => id),
                  ranged.map(([, first]) => first),
                  ranged.map(([, , last]) => last),
                ])
              ).rowCount ?? 0;
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
        await client.query(pgSql(PURGE_SQL.deleteAccount), [id]);
        for (const { user_id: userId } of members.rows)
          await client.query(pgSql(PURGE_SQL.deleteOrphanUser), [userId, userId]);
      }),
    deleteBatch: async (text, params) => (await pool.query(pgSql(text), params)).rowCount ?? 0,
  };
}
