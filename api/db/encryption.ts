/**
 * The sealed columns of `schema.ts` and how query functions seal, open and look up their values with the
 * data keys of the database they run on (`db.keyring`). Each value's associated data
 * is its column and its row's key (`envelope.ts`), so the key of the row must be known before it is
 * written: every id comes from `newId()` before the insert.
 */
import { getTableName } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { associatedData, type IndexDomain, type Keyring } from './envelope.js';
import {
  accounts,
  apiKeys,
  auditLog,
  configs,
  dismissals,
  findingTexts,
  repositories,
  reviews,
  users,
} from './schema.js';

/** What sealing needs of an open database (`DiffrayDb`): its data keys. */
export interface Sealer {
  readonly keyring: Keyring;
}

/** `table.column`, as associated data names it. */
export function columnLabel(column: SQLiteColumn): string {
  return `${getTableName(column.table)}.${column.name}`;
}

/** A table with sealed columns. */
export interface SealedTable {
  /** The row key the associated data names. */
  key: SQLiteColumn;
  /** Columns sealed as text envelopes; a null stays null. */
  text: readonly SQLiteColumn[];
  /** Columns sealed as byte envelopes. */
  bytes: readonly SQLiteColumn[];
  /** A blind index beside a sealed column, always under the key that sealed that column. */
  index?: { column: SQLiteColumn; of: SQLiteColumn; domain: IndexDomain };
}

/**
 * Every sealed column, by table: what re-encryption walks (`reencrypt.ts`). A new column holding text a
 * customer wrote or personal data goes here and through `seal`/`unseal` in its query functions.
 */
export const SEALED_TABLES: readonly SealedTable[] = [
  { key: accounts.id, text: [accounts.name, accounts.company, accounts.contactEmail], bytes: [] },
  {
    key: users.id,
    text: [users.login, users.displayName, users.email],
    bytes: [],
    index: { column: users.loginKey, of: users.login, domain: 'login' },
  },
  { key: apiKeys.id, text: [apiKeys.name], bytes: [] },
  {
    key: repositories.id,
    text: [repositories.fullName],
    bytes: [],
    index: { column: repositories.nameKey, of: repositories.fullName, domain: 'repository' },
  },
  { key: configs.id, text: [configs.yaml], bytes: [] },
  { key: auditLog.id, text: [auditLog.target, auditLog.clientAddress], bytes: [] },
  { key: findingTexts.reviewId, text: [], bytes: [findingTexts.sealed] },
  {
    key: dismissals.id,
    text: [dismissals.title, dismissals.pathPattern, dismissals.reason, dismissals.by],
    bytes: [],
  },
  { key: reviews.id, text: [reviews.walkthrough, reviews.details], bytes: [] },
];

/** `value` sealed for `column` of the row `rowKey`, with the newest data key. */
export function seal(db: Sealer, column: SQLiteColumn, rowKey: string, value: string): string {
  return db.keyring.sealText(value, associatedData(columnLabel(column), rowKey));
}

export function sealOptional(
  db: Sealer,
  column: SQLiteColumn,
  rowKey: string,
  value: string | null | undefined,
): string | null {
  return value === null || value === undefined ? null : seal(db, column, rowKey, value);
}

/** The value `seal` sealed for `column` of the row `rowKey`; throws a `DecryptError` for any other. */
export function unseal(db: Sealer, column: SQLiteColumn, rowKey: string, envelope: string): string {
  return db.keyring.openText(envelope, associatedData(columnLabel(column), rowKey));
}

export function unsealOptional(
  db: Sealer,
  column: SQLiteColumn,
  rowKey: string,
  envelope: string | null,
): string | null {
  return envelope === null ? null : unseal(db, column, rowKey, envelope);
}

/** The blind index a new row stores for `value` (newest key). */
export function indexOf(db: Sealer, domain: IndexDomain, value: string): string {
  return db.keyring.blindIndex(domain, value);
}

/** The blind indexes a lookup of `value` must match: one per data key, while rows may still be under an older one. */
export function indexesOf(db: Sealer, domain: IndexDomain, value: string): string[] {
  return db.keyring.blindIndexes(domain, value);
}
