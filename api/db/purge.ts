import type { Statement } from 'better-sqlite3';
import { PURGE_BATCH_ROWS, type PurgeCutoffs } from '../retention.js';
import { sqliteOf, type DiffrayDb } from './connection.js';
import { sweepSharedState } from './shared-state.js';

export interface PurgeResult {
  findings: number;
  reviews: number;
  accounts: number;
  auditEntries: number;
  webhookDeliveries: number;
  sessions: number;
  /** Rate-limit buckets idle for an hour (full again) and consumed OAuth states past their expiry. */
  rateBuckets: number;
  oauthStates: number;
  dismissals: number;
  answers: number;
}

/** Idle rate-limit buckets older than this are full again: forgetting them changes nothing. */
const BUCKET_IDLE_MS = 3_600_000;

/** Runs `stmt` (a bounded DELETE) one transaction at a time until a batch deletes fewer than the limit. */
async function deleteInBatches(
  db: DiffrayDb,
  stmt: Statement,
  params: unknown[],
  batch: number,
  onBatch: () => Promise<void>,
): Promise<number> {
  let total = 0;
  const once = sqliteOf(db).transaction(() => stmt.run(...params, batch).changes);
  for (;;) {
    await onBatch();
    const changes = once();
    total += changes;
    if (changes < batch) return total;
  }
}

/** A review to delete and where its findings are (`[id, findings_first, findings_last]`). */
type ReviewRange = [id: string, first: number | null, last: number | null];

/** Reviews read per SELECT while filling a batch. */
const REVIEWS_PER_READ = 64;

/**
 * Deletes the reviews `select` returns (given `params` and a row limit) with their findings, one transaction
 * per batch of about `batch` rows (findings + reviews; a review has at most LIMITS.findingsPerReview
 * findings, so a batch never exceeds batch + that), until `select` returns nothing. Each review's findings
 * are one range on the findings table's key, deleted before the review (so they are counted; the trigger
 * `reviews_delete_findings` then finds nothing). Adds to `counts` only once a batch has committed.
 */
async function deleteReviewsInBatches(
  db: DiffrayDb,
  select: Statement<unknown[], ReviewRange>,
  params: unknown[],
  batch: number,
  counts: { findings: number; reviews: number },
  onBatch: () => Promise<void>,
): Promise<void> {
  const s = sqliteOf(db);
  const deleteFindings = s.prepare<[number, number, string]>(
    'DELETE FROM findings WHERE row_id BETWEEN ? AND ? AND review_id = ?',
  );
  const deleteReview = s.prepare<[string]>('DELETE FROM reviews WHERE id = ?');
  const once = s.transaction((): { findings: number; reviews: number; more: boolean } => {
    let findings = 0;
    let reviews = 0;
    for (;;) {
      const due = select.all(...params, REVIEWS_PER_READ);
      for (const [id, first, last] of due) {
        if (first !== null && last !== null) findings += deleteFindings.run(first, last, id).changes;
        reviews += deleteReview.run(id).changes;
        if (findings + reviews >= batch) return { findings, reviews, more: true };
      }
      if (due.length < REVIEWS_PER_READ) return { findings, reviews, more: false };
    }
  });
  for (;;) {
    await onBatch();
    const done = once.immediate();
    counts.findings += done.findings;
    counts.reviews += done.reviews;
    if (!done.more) return;
  }
}

/**
 * Applies retention: expired findings and reviews, accounts past their grace period (all their data),
 * old audit entries, webhook deliveries and sessions; bounded batches, each its own transaction. Daily
 * aggregates of live accounts are kept. Ends by erasing the WAL (`eraseDeleted`), so deleted bytes (already
 * zeroed in the main file by `secure_delete`) do not linger there.
 */
export async function purge(
  db: DiffrayDb,
  cutoffs: PurgeCutoffs,
  /** `onBatch` runs before each batch's transaction (the server renews its purge lease there). */
  opts: { batchRows?: number; onBatch?: () => Promise<void> } = {},
): Promise<PurgeResult> {
  const batch = opts.batchRows ?? PURGE_BATCH_ROWS;
  const onBatch = opts.onBatch ?? (async () => {});
  const s = sqliteOf(db);
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
  const expired = cutoffs.reviewsExpiredBy.getTime();

  // Expired reviews, oldest first by `reviews_expires_idx`, each with its findings: their ranges were
  // allocated in ingest order, so the purge walks the findings table from its start, freeing whole pages.
  await deleteReviewsInBatches(
    db,
    s
      .prepare<[number, number], ReviewRange>(
        'SELECT id, findings_first, findings_last FROM reviews WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
      )
      .raw(),
    [expired],
    batch,
    result,
    onBatch,
  );

  const due = s
    .prepare('SELECT id FROM accounts WHERE purge_after IS NOT NULL AND purge_after <= ?')
    .all(cutoffs.accountsPurgeBy.getTime()) as { id: string }[];
  const accountReviews = s
    .prepare<[string, number], ReviewRange>(
      'SELECT id, findings_first, findings_last FROM reviews WHERE account_id = ? LIMIT ?',
    )
    .raw();
  const memberUsers = s.prepare('SELECT user_id FROM memberships WHERE account_id = ?');
  const deleteAccount = s.prepare('DELETE FROM accounts WHERE id = ?');
  const deleteOrphanUser = s.prepare(
    'DELETE FROM users WHERE id = ? AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?)',
  );
  for (const { id } of due) {
    await deleteReviewsInBatches(db, accountReviews, [id], batch, result, onBatch);
    s.transaction(() => {
      const userIds = (memberUsers.all(id) as { user_id: string }[]).map((r) => r.user_id);
      // Cascades: keys, sessions, repositories, configs, aggregates, audit entries, memberships.
      deleteAccount.run(id);
      for (const userId of userIds) deleteOrphanUser.run(userId, userId);
    })();
    result.accounts += 1;
  }

  // Dismissals are kept as long as reviews (their reason is a person's words about a finding).
  result.dismissals += await deleteInBatches(
    db,
    s.prepare('DELETE FROM dismissals WHERE id IN (SELECT id FROM dismissals WHERE expires_at <= ? LIMIT ?)'),
    [expired],
    batch,
    onBatch,
  );
  // Answers' costs, kept as long as the reviews they sit beside in a pull request's total.
  result.answers += await deleteInBatches(
    db,
    s.prepare('DELETE FROM answers WHERE id IN (SELECT id FROM answers WHERE expires_at <= ? LIMIT ?)'),
    [expired],
    batch,
    onBatch,
  );
  result.auditEntries += await deleteInBatches(
    db,
    s.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? LIMIT ?)'),
    [cutoffs.auditBefore.getTime()],
    batch,
    onBatch,
  );
  result.webhookDeliveries += await deleteInBatches(
    db,
    s.prepare(
      'DELETE FROM webhook_deliveries WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE received_at < ? LIMIT ?)',
    ),
    [cutoffs.deliveriesBefore.getTime()],
    batch,
    onBatch,
  );
  result.sessions += await deleteInBatches(
    db,
    s.prepare('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ? LIMIT ?)'),
    [cutoffs.sessionsExpiredBy.getTime()],
    batch,
    onBatch,
  );
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
