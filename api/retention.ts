/**
 * Retention rules (pure): how long each kind of data lives. The purge that applies them is
 * `api/db/purge.ts`; `diffray-api serve` runs it hourly and `diffray-api purge` runs it now.
 */
import { DAY_MS, LIMITS } from '../shared/index.js';

/** Webhook delivery ids are kept long enough to recognise GitHub's redeliveries. */
export const WEBHOOK_DELIVERY_DAYS = 3;
/** Rows deleted per transaction, so a purge never holds the write lock for long. */
export const PURGE_BATCH_ROWS = 5_000;
export const PURGE_INTERVAL_MS = 3_600_000;

const plusDays = (at: Date, days: number) => new Date(at.getTime() + days * DAY_MS);

/** A review (and its findings) is readable until this instant, exclusive. */
export function reviewExpiresAt(createdAt: Date): Date {
  return plusDays(createdAt, LIMITS.retentionDays);
}

/** A deleted account's data is purged from this instant. */
export function accountPurgeAfter(deletedAt: Date): Date {
  return plusDays(deletedAt, LIMITS.deletedAccountGraceDays);
}

/** What the purge at `now` deletes: everything strictly older than (or expiring at or before) these. */
export interface PurgeCutoffs {
  /** Reviews and findings with `expiresAt` ≤ this. */
  reviewsExpiredBy: Date;
  /** Accounts with `purgeAfter` ≤ this. */
  accountsPurgeBy: Date;
  /** Audit entries with `at` < this. */
  auditBefore: Date;
  /** Webhook deliveries with `receivedAt` < this. */
  deliveriesBefore: Date;
  /** Sessions with `expiresAt` ≤ this. */
  sessionsExpiredBy: Date;
}

export function purgeCutoffs(now: Date): PurgeCutoffs {
  return {
    reviewsExpiredBy: now,
    accountsPurgeBy: now,
    auditBefore: plusDays(now, -LIMITS.auditRetentionDays),
    deliveriesBefore: plusDays(now, -WEBHOOK_DELIVERY_DAYS),
    sessionsExpiredBy: now,
  };
}
