/** `purge`: retention applied with one engine's transactions (`purge-steps.ts`, `pg/purge.ts`). */
import { PURGE_BATCH_ROWS, type PurgeCutoffs } from '../retention.js';
import { pgOf, sqliteOf, type DiffrayDb } from './connection.js';
import { pgPurgeSteps } from './pg/purge.js';
import {
  BATCHED_DELETES,
  BUCKET_IDLE_MS,
  PURGE_SQL,
  sqlitePurgeSteps,
  type PurgeResult,
} from './purge-steps.js';
import { sweepSharedState } from './shared-state.js';

export type { PurgeResult } from './purge-steps.js';

/**
 * Applies retention: expired findings and reviews, accounts past their grace period (all their data),
 * old dismissals, answers, audit entries, webhook deliveries and sessions; bounded batches, each its own
 * transaction (an instance stopped mid-way leaves the batches it committed, and the next purge goes on from
 * there). Daily aggregates of live accounts are kept. The engine's transactions are `PurgeSteps` (SQLite's
 * above, PostgreSQL's in `pg/purge.ts`). Ends with `eraseDeleted` (SQLite: erases the WAL, so deleted bytes,
 * already zeroed in the main file by `secure_delete`, do not linger there).
 */
export async function purge(
  db: DiffrayDb,
  cutoffs: PurgeCutoffs,
  /** `onBatch` runs before each batch's transaction (the server renews its purge lease there). */
  opts: { batchRows?: number; onBatch?: () => Promise<void> } = {},
): Promise<PurgeResult> {
  const batch = opts.batchRows ?? PURGE_BATCH_ROWS;
  const onBatch = opts.onBatch ?? (async () => {});
  const steps = db.engine === 'sqlite' ? sqlitePurgeSteps(sqliteOf(db)) : pgPurgeSteps(pgOf(db));
  const result: PurgeResult = {
    findings: 0,
    reviews: 0,
    accounts: 0,
    auditEntries: 0,
    webhookDeliveries: 0,
    sessions: 0,
    rateBuckets: 0,
    oauthStates: 0,
    dismissals: 0,
    answers: 0,
  };
  // Counted only once a batch has committed.
  const deleteReviews = async (select: string, params: unknown[]) => {
    for (;;) {
      await onBatch();
      const done = await steps.reviewBatch(select, params, batch);
      result.findings += done.findings;
      result.reviews += done.reviews;
      if (!done.more) return;
    }
  };

  await deleteReviews(PURGE_SQL.expiredReviews, [cutoffs.reviewsExpiredBy.getTime()]);
  for (const id of await steps.dueAccounts(cutoffs.accountsPurgeBy.getTime())) {
    await deleteReviews(PURGE_SQL.accountReviews, [id]);
    await onBatch();
    if (await steps.deleteAccount(id)) result.accounts += 1;
  }
  for (const [counted, sql, cutoff] of BATCHED_DELETES) {
    for (;;) {
      await onBatch();
      const changes = await steps.deleteBatch(sql, [cutoffs[cutoff].getTime(), batch]);
      result[counted] += changes;
      if (changes < batch) break;
    }
  }
  const swept = await sweepSharedState(
    db,
    new Date(cutoffs.sessionsExpiredBy.getTime() - BUCKET_IDLE_MS),
    cutoffs.sessionsExpiredBy,
  );
  result.rateBuckets = swept.rateBuckets;
  result.oauthStates = swept.oauthStates;
  await db.eraseDeleted();
  return result;
}
