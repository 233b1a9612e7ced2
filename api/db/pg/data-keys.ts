/**
 * `../data-keys.ts`'s check at open, on PostgreSQL: every key that still seals values here must be given,
 * and the newest is recorded as one that does. A PostgreSQL database never held plaintext (encryption at
 * rest came before PostgreSQL), so there is nothing to seal at first open.
 */
import type pg from 'pg';
import { refuseMissingKeys } from '../data-keys.js';
import type { Keyring } from '../envelope.js';

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
