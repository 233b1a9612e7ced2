/**
 * Per-account quotas on what `POST /v1/reviews` stores (`QuotaSettings`, from the environment): reviews per
 * UTC day (429 past it, until the next midnight) and bytes of review text held (413 past it, until the
 * account's oldest review expires and the purge frees it). Checked before the review is handed to the
 * writer, against the usage the writer keeps (`account_usage`): reviews of one account in flight at the same
 * moment may pass the limit together, by as many as were in flight.
 */
import { accountUsageOf, oldestReviewExpiry, utcDay, type DiffrayDb } from './db/index.js';
import { ApiError } from './errors.js';
import type { QuotaSettings } from './types.js';

export async function checkQuotas(
  db: DiffrayDb,
  accountId: string,
  quotas: QuotaSettings,
  now: Date,
  storedBytes: number,
): Promise<void> {
  const usage = await accountUsageOf(db, accountId);
  const reviewsToday = usage.day === utcDay(now) ? usage.reviewsOnDay : 0;
  if (reviewsToday >= quotas.reviewsPerDay) {
    const midnight = new Date(`${utcDay(now)}T00:00:00.000Z`).getTime() + 86_400_000;
    throw new ApiError(
      429,
      'quota_exceeded',
      `This account has stored its ${quotas.reviewsPerDay} reviews for today (UTC)`,
      {
        retryAfterSeconds: Math.ceil((midnight - now.getTime()) / 1000),
        quota: {
          name: 'reviews_per_day',
          limit: quotas.reviewsPerDay,
          resetsAt: new Date(midnight).toISOString(),
        },
      },
    );
  }
  if (usage.storedBytes + storedBytes > quotas.storedBytes) {
    // A review larger than the whole quota never fits, however much expires.
    const freed = storedBytes > quotas.storedBytes ? undefined : await oldestReviewExpiry(db, accountId);
    throw new ApiError(
      413,
      'quota_exceeded',
      `This review would take the account past its ${quotas.storedBytes} bytes of stored review text`,
      { quota: { name: 'stored_bytes', limit: quotas.storedBytes, resetsAt: freed?.toISOString() ?? null } },
    );
  }
}
