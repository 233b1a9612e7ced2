/**
 * What the purge deletes and in what statements (`PURGE_SQL`), the shape of its result, and SQLite's
 * transactions (`sqlitePurgeSteps`); PostgreSQL's are in `pg/purge.ts`, and `purge.ts` runs either.
 */
import type Database from 'better-sqlite3';
import type { PurgeCutoffs } from '../retention.js';

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
export const BUCKET_IDLE_MS = 3_600_000;

/** Reviews read per SELECT while filling a batch. */
export const REVIEWS_PER_READ = 64;

/**
 * The purge's statements, the same on both engines (`?` placeholders; PostgreSQL numbers them). A review
 * select returns `[id, findings_first, findings_last]` and takes its row limit last.
 */
export const PURGE_SQL = {
  // Oldest first by `reviews_expires_idx`: the findings' ranges were allocated in ingest order, so the
  // purge walks the findings table from its start, freeing whole pages.
  expiredReviews:
    'SELECT id, findings_first, findings_last FROM reviews WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
  accountReviews: 'SELECT id, findings_first, findings_last FROM reviews WHERE account_id = ? LIMIT ?',
  dueAccounts: 'SELECT id FROM accounts WHERE purge_after IS NOT NULL AND purge_after <= ?',
  memberUsers: 'SELECT user_id FROM memberships WHERE account_id = ?',
  // Cascades: keys, sessions, repositories, configs, aggregates, usage, audit entries, memberships.
  deleteAccount: 'DELETE FROM accounts WHERE id = ?',
  deleteOrphanUser:
    'DELETE FROM users WHERE id = ? AND NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?)',
} as const;

/** Deletes at most `?` rows of `table` (keyed by `key`) whose `column` is past a cutoff (`op ?`). */
const batchedDelete = (table: string, key: string, column: string, op: '<' | '<=') =>
  `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${column} ${op} ? LIMIT ?)`;

/** The bounded deletions after reviews and accounts, in order: the count each adds to, and its cutoff. */
export const BATCHED_DELETES: readonly [
  counted: 'dismissals' | 'answers' | 'auditEntries' | 'webhookDeliveries' | 'sessions',
  sql: string,
  cutoff: keyof PurgeCutoffs,
][] = [
  // Dismissals are kept as long as reviews (their reason is a person's words about a finding); answers'
  // costs too, as they sit beside the reviews in a pull request's total.
  ['dismissals', batchedDelete('dismissals', 'id', 'expires_at', '<='), 'reviewsExpiredBy'],
  ['answers', batchedDelete('answers', 'id', 'expires_at', '<='), 'reviewsExpiredBy'],
  ['auditEntries', batchedDelete('audit_log', 'id', 'at', '<'), 'auditBefore'],
  [
    'webhookDeliveries',
    batchedDelete('webhook_deliveries', 'delivery_id', 'received_at', '<'),
    'deliveriesBefore',
  ],
  ['sessions', batchedDelete('sessions', 'id', 'expires_at', '<='), 'sessionsExpiredBy'],
];

/** What a review batch deleted, and whether the select may have more. */
export interface ReviewBatch {
  findings: number;
  reviews: number;
  more: boolean;
}

/** One engine's transactions for the purge; `purge` decides what runs, in which order, and counts. */
export interface PurgeSteps {
  /**
   * In one transaction, deletes the reviews `select` (a `PURGE_SQL` review select) returns for `params`,
   * each with its findings (one range on the findings table's key, deleted before the review so that they
   * are counted; the trigger `reviews_delete_findings` then finds nothing), until about `batch` rows
   * (findings + reviews; a review has at most LIMITS.findingsPerReview findings, so a batch never exceeds
   * batch + that) or the select runs dry.
   */
  reviewBatch(select: string, params: unknown[], batch: number): Promise<ReviewBatch>;
  dueAccounts(purgeBy: number): Promise<string[]>;
  /**
   * In one transaction: the account (its reviews are gone already) and its members left without one;
   * false when another purge deleted it first.
   */
  deleteAccount(id: string): Promise<boolean>;
  /** One bounded DELETE (`BATCHED_DELETES`) in its own transaction; the rows it deleted. */
  deleteBatch(sql: string, params: unknown[]): Promise<number>;
}

/** A review to delete and where its findings are (a row of a `PURGE_SQL` review select). */
export type ReviewRange = [id: string, first: number | null, last: number | null];

export function sqlitePurgeSteps(s: Database.Database): PurgeSteps {
  const deleteFindings = s.prepare<[number, number, string]>(
    'DELETE FROM findings WHERE row_id BETWEEN ? AND ? AND review_id = ?',
  );
  const deleteReview = s.prepare<[string]>('DELETE FROM reviews WHERE id = ?');
  const memberUsers = s.prepare<[string], { user_id: string }>(PURGE_SQL.memberUsers);
  const deleteAccount = s.prepare<[string]>(PURGE_SQL.deleteAccount);
  const deleteOrphanUser = s.prepare<[string, string]>(PURGE_SQL.deleteOrphanUser);
  const reviewBatch = s.transaction(
    (select: Database.Statement<unknown[], ReviewRange>, params: unknown[], batch: number): ReviewBatch => {
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
    },
  );
  const accountDelete = s.transaction((id: string) => {
    const userIds = memberUsers.all(id).map((r) => r.user_id);
    const deleted = deleteAccount.run(id).changes === 1;
    for (const userId of userIds) deleteOrphanUser.run(userId, userId);
    return deleted;
  });
  const selects = new Map<string, Database.Statement<unknown[], ReviewRange>>();
  const prepared = (select: string) => {
    let stmt = selects.get(select);
    if (stmt === undefined) selects.set(select, (stmt = s.prepare<unknown[], ReviewRange>(select).raw()));
    return stmt;
  };
  return {
    reviewBatch: async (select, params, batch) => reviewBatch.immediate(prepared(select), params, batch),
    dueAccounts: async (purgeBy) =>
      s
        .prepare<[number], { id: string }>(PURGE_SQL.dueAccounts)
        .all(purgeBy)
        .map((r) => r.id),
    deleteAccount: async (id) => accountDelete(id),
    deleteBatch: async (sql, params) => s.transaction(() => s.prepare(sql).run(...params).changes)(),
  };
}
