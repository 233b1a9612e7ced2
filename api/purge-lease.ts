/**
 * The retention purge of `serve`, run once across every instance on the database: each instance looks
 * every `PURGE_CHECK_MS` and purges only when it takes the `purge` lease (`db/shared-state.ts`), which it
 * gets when the last purge finished more than `PURGE_INTERVAL_MS` ago and no live instance holds it. The
 * purge renews the lease before each batch; an instance that dies mid-way stops renewing, its lease expires
 * after `LEASE_TTL_MS`, and the next instance to look takes it over and carries on (the purge deletes what
 * is due, so a second run resumes where the first stopped). Each batch is its own short transaction, so
 * ingest waits at most one batch, never for the whole purge.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  acquireLease,
  purge,
  releaseLease,
  renewLease,
  type DiffrayDb,
  type PurgeResult,
} from './db/index.js';
import { PURGE_INTERVAL_MS, purgeCutoffs } from './retention.js';
import type { LogFn } from './types.js';

export const PURGE_CHECK_MS = 5 * 60_000;
export const LEASE_TTL_MS = 10 * 60_000;
const LEASE = 'purge';

/** A purge is due again a little before the hour, so instances whose ticks drift do not skip an hour. */
const DUE_AFTER_MS = PURGE_INTERVAL_MS - PURGE_CHECK_MS;

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/**
 * `run()` purges when this instance takes the lease; resolves to the counts, or undefined when another
 * instance holds it or purged within the hour.
 */
export function purgeRunner(db: DiffrayDb, clock: () => Date, log: LogFn) {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  return async (): Promise<PurgeResult | undefined> => {
    try {
      const now = clock();
      if (
        !(await acquireLease(db, { name: LEASE, holder, ttlMs: LEASE_TTL_MS, dueAfterMs: DUE_AFTER_MS }, now))
      )
        return undefined;
      let renewedAt = now.getTime();
      const result = await purge(db, purgeCutoffs(now), {
        onBatch: async () => {
          const at = clock().getTime();
          if (at - renewedAt < LEASE_TTL_MS / 4) return;
          if (!(await renewLease(db, LEASE, holder, new Date(at + LEASE_TTL_MS))))
            throw new LeaseLostError('another instance took the purge lease over');
          renewedAt = at;
        },
      });
      await releaseLease(db, LEASE, holder, clock());
      log({ level: 'info', msg: 'purge', holder, ...result });
      return result;
    } catch (error) {
      log({ level: 'error', msg: 'purge failed', detail: (error as Error).message });
      return undefined;
    }
  };
}
