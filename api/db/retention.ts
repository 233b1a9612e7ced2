import type { Statement } from 'better-sqlite3';
import { PURGE_BATCH_ROWS, type PurgeCutoffs } from '../retention.js';
import { checkpointTruncate, type DiffrayDb } from './client.js';

export interface PurgeResult {
  findings: number;
  reviews: number;
  accounts: number;
  auditEntries: number;
  webhookDeliveries: number;
  sessions: number;
}

/** Runs `stmt` (a bounded DELETE) one transaction at a time until a batch deletes fewer than the limit. */
function deleteInBatches(db: DiffrayDb, stmt: Statement, params: unknown[], batch: number): number {
  let total = 0;
  const once = db.sqlite.transaction(() => stmt.run(...params, batch).changes);
  for (;;) {
    const changes = once();
    total += changes;
    if (changes < batch) return total;
  }
}

/**
 * Applies retention: expired findings and reviews, accounts past their grace period (all their data),
 * old audit entries, webhook deliveries and sessions; bounded batches, each its own transaction. Daily
 * aggregates of live accounts are kept. Ends with a WAL checkpoint that truncates the `-wal` file, so
 * deleted bytes (already zeroed in the main file by `secure_delete`) do not linger there.
 */
export function purge(db: DiffrayDb, cutoffs: PurgeCutoffs, opts: { batchRows?: number } = {}): PurgeResult {
  const batch = opts.batchRows ?? PURGE_BATCH_ROWS;
  const s = db.sqlite;
  const result: PurgeResult = {
    findings: 0,
    reviews: 0,
    accounts: 0,
    auditEntries: 0,
    webhookDeliveries: 0,
    sessions: 0,
  };
  const expired = cutoffs.reviewsExpiredBy.getTime();

  // Expired reviews, oldest first by `reviews_expires_idx`, each with its findings (a range on
  // `findings_review_idx`); one transaction per batch of about `batch` findings (a review has at most
  // LIMITS.findingsPerReview, so a batch never exceeds batch + that).
  const dueReviews = s
    .prepare<[number, number], string>('SELECT id FROM reviews WHERE expires_at <= ? LIMIT ?')
    .pluck();
  const deleteFindingsOf = s.prepare<[string]>('DELETE FROM findings WHERE review_id = ?');
  const deleteReview = s.prepare<[string]>('DELETE FROM reviews WHERE id = ?');
  const reviewsPerBatch = Math.max(1, Math.ceil(batch / 10));
  const expiredBatch = s.transaction((): boolean => {
    const ids = dueReviews.all(expired, reviewsPerBatch) as string[];
    let rows = 0;
    let reviews = 0;
    for (const id of ids) {
      rows += deleteFindingsOf.run(id).changes;
      reviews += deleteReview.run(id).changes;
      if (rows >= batch) break;
    }
    // Counted once the batch's statements have all run (a throw rolls the batch back and counts nothing).
    result.findings += rows;
    result.reviews += reviews;
    return ids.length > 0;
  });
  while (expiredBatch.immediate());

  const due = s
    .prepare('SELECT id FROM accounts WHERE purge_after IS NOT NULL AND purge_after <= ?')
    .all(cutoffs.accountsPurgeBy.getTime()) as { id: string }[];
  const accountFindings = s.prepare(
    `DELETE FROM findings WHERE row_id IN (
       SELECT f.row_id FROM findings f JOIN reviews r ON r.id = f.review_id WHERE r.account_id = ? LIMIT ?)`,
  );
  const accountReviews = s.prepare(
    'DELETE FROM reviews WHERE id IN (SELECT id FROM reviews WHERE account_id = ? LIMIT ?)',
  );
  const memberUsers = s.prepare('SELECT user_id FROM memberships WHERE account_id = ?');
  const deleteAccount = s.prepare('DELETE FROM accounts WHERE id = ?');
  const deleteOrphanUser = s.prepare(
    'DELETE FROM users WHERE id = ? AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?)',
  );
  for (const { id } of due) {
    result.findings += deleteInBatches(db, accountFindings, [id], batch);
    result.reviews += deleteInBatches(db, accountReviews, [id], batch);
    s.transaction(() => {
      const userIds = (memberUsers.all(id) as { user_id: string }[]).map((r) => r.user_id);
      // Cascades: keys, sessions, repositories, configs, aggregates, audit entries, memberships.
      deleteAccount.run(id);
      for (const userId of userIds) deleteOrphanUser.run(userId, userId);
    })();
    result.accounts += 1;
  }

  result.auditEntries += deleteInBatches(
    db,
    s.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? LIMIT ?)'),
    [cutoffs.auditBefore.getTime()],
    batch,
  );
  result.webhookDeliveries += deleteInBatches(
    db,
    s.prepare(
      'DELETE FROM webhook_deliveries WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE received_at < ? LIMIT ?)',
    ),
    [cutoffs.deliveriesBefore.getTime()],
    batch,
  );
  result.sessions += deleteInBatches(
    db,
    s.prepare('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ? LIMIT ?)'),
    [cutoffs.sessionsExpiredBy.getTime()],
    batch,
  );
  checkpointTruncate(db);
  return result;
}
