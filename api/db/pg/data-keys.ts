/**
 * `../data-keys.ts` on PostgreSQL: the check at open, and re-encryption's passes.
 *
 * - At open, every key that still seals values here must be given, and the newest is recorded as one that
 *   does. A PostgreSQL database never held plaintext (encryption at rest came before PostgreSQL), so there
 *   is nothing to seal at first open.
 * - Re-encryption pages through each sealed table by its primary key (there is no rowid), one page per
 *   transaction on one client of the pool. The page's rows are locked as they are read, so a concurrent
 *   write of one of them (a correction, from any instance) waits for the page, or the page reads what it
 *   wrote: a resealed value never overwrites a newer one. Several instances may run it at once; they lock
 *   in key order and skip what another resealed.
 * - A blind index is in a unique index, so rewriting it is a key update: those rows are locked `FOR UPDATE`
 *   at the read, before the daily aggregates that follow a repository's name key are. An ingest takes its
 *   repository `FOR KEY SHARE` first (`ingest.ts`), so it waits for the page and then finds the repository
 *   under its new name key, and adds to the aggregates under that key.
 */
import type pg from 'pg';
import {
  followSql,
  OLDER_KEYS_SQL,
  pageRows,
  pageSql,
  refuseMissingKeys,
  resealRow,
  RETIRE_OLDER_SQL,
  type ReencryptionPasses,
} from '../data-keys.js';
import { SEALED_TABLES } from '../encryption.js';
import type { Keyring } from '../envelope.js';
import { repositories } from '../schema.js';
import { inPgTransaction } from './connection.js';
import { numbered } from './ingest.js';

export async function preparePgEncryption(pool: pg.Pool, keyring: Keyring, now: Date): Promise<void> {
  const known = await pool.query<{ kid: string; retired: boolean }>(
    'SELECT kid, retired_at IS NOT NULL AS retired FROM data_keys',
  );
  refuseMissingKeys(known.rows, keyring);
  await pool.query(
    'INSERT INTO data_keys (kid, created_at) VALUES ($1, $2) ON CONFLICT (kid) DO UPDATE SET retired_at = NULL',
    [keyring.currentKid, now.getTime()],
  );
}

export function pgReencryptionPasses(pool: pg.Pool, keyring: Keyring): ReencryptionPasses {
  const pages = SEALED_TABLES.map((spec) => {
    const { name, key, selected, sets } = pageSql(spec);
    const lock = spec.index ? 'FOR UPDATE' : 'FOR NO KEY UPDATE';
    return {
      spec,
      select: `SELECT ${selected} FROM ${name} WHERE ${key} > $1 ORDER BY ${key} LIMIT $2 ${lock}`,
      update: numbered(`UPDATE ${name} SET ${sets} WHERE ${key} = ?`),
      follow: spec.key === repositories.id ? numbered(followSql(`${key} = ?`)) : undefined,
    };
  });
  return {
    olderKeysInUse: async () =>
      (await pool.query<{ n: number }>(numbered(OLDER_KEYS_SQL), [keyring.currentKid])).rows[0]!.n > 0,
    page: (t, after) =>
      inPgTransaction(pool, async (client) => {
        const { spec, select, update, follow } = pages[t]!;
        // Row keys are never empty: '' is before the first.
        const rows = (
          await client.query<unknown[]>({
            text: select,
            values: [(after as string | undefined) ?? '', pageRows(spec)],
            rowMode: 'array',
          })
        ).rows;
        let resealed = 0;
        for (const row of rows) {
          const done = resealRow(spec, keyring, row, 'older keys');
          if (done === undefined) continue;
          resealed += done.resealed;
          if (follow !== undefined && done.newIndex !== done.oldIndex)
            await client.query(follow, [done.newIndex, done.oldIndex, row[0]]);
          await client.query(update, [...done.values, row[0]]);
        }
        return { last: rows.length === 0 ? undefined : rows.at(-1)![0], resealed };
      }),
    retireOlder: async (now) =>
      (await pool.query<{ kid: string }>(numbered(RETIRE_OLDER_SQL), [now, keyring.currentKid])).rows.map(
        (r) => r.kid,
      ),
  };
}
