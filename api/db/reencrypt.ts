/**
 * Re-encryption after a new data key is added, on either engine: the passes of `data-keys.ts` (SQLite) or
 * `pg/data-keys.ts` (PostgreSQL), paced so that writes get their turn between pages.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pgOf, sqliteOf, type DiffrayDb } from './connection.js';
import { sqlitePasses, type ReencryptionPasses, type ReencryptResult } from './data-keys.js';
import { SEALED_TABLES } from './encryption.js';
import { pgReencryptionPasses } from './pg/data-keys.js';

function passesOf(db: DiffrayDb): ReencryptionPasses {
  return db.engine === 'sqlite'
    ? sqlitePasses(sqliteOf(db), db.keyring)
    : pgReencryptionPasses(pgOf(db), db.keyring);
}

/** Whether values here may still be sealed with a key older than the newest. */
export async function needsReencryption(db: DiffrayDb): Promise<boolean> {
  return passesOf(db).olderKeysInUse();
}

/**
 * Reseals every value sealed with an older key, one page per transaction (a few milliseconds each), then
 * retires the older keys. Between pages it pauses `pauseFactor` times as long as the page took (at least
 * `minPauseMs`), so the writes waiting for the page's locks (SQLite: the writer thread's ingest, for the
 * write lock) get them in between. Every connection seals new values with the newest key, so once a pass
 * is over nothing is left under an older one. `signal` stops it between pages (a later run starts over;
 * what was resealed stays).
 */
export async function reencrypt(
  db: DiffrayDb,
  opts: { now: () => Date; signal?: AbortSignal; pauseFactor?: number; minPauseMs?: number },
): Promise<ReencryptResult> {
  const passes = passesOf(db);
  const pauseFactor = opts.pauseFactor ?? 4;
  const minPauseMs = opts.minPauseMs ?? 10;
  let resealed = 0;
  for (let t = 0; t < SEALED_TABLES.length; t += 1) {
    for (let after: unknown; ;) {
      if (opts.signal?.aborted) return { resealed, retired: [] };
      const started = performance.now();
      const done = await passes.page(t, after);
      resealed += done.resealed;
      await sleep(Math.max(minPauseMs, (performance.now() - started) * pauseFactor));
      if (done.last === undefined) break;
      after = done.last;
    }
  }
  return { resealed, retired: await passes.retireOlder(opts.now().getTime()) };
}
