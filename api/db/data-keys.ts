/**
 * The data keys' life in a database: which keys have sealed values here (`data_keys`), the check at open
 * that every one of them is still given, the one-time sealing of a database from before encryption, and
 * re-encryption after a new key is added, in pages, while the server runs. What a row's resealing is and
 * the order of the passes are here, for both engines; SQLite's pages (by rowid) are here too, PostgreSQL's
 * (by primary key) and its check at open in `pg/data-keys.ts`.
 */
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { getTableName } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { DiffrayDb } from './connection.js';
import { columnLabel, SEALED_TABLES, type SealedTable } from './encryption.js';
import { associatedData, kidOf, type Keyring } from './envelope.js';
import { dailyAggregates, dataKeys, repositories } from './schema.js';

/** The database holds values sealed with a key the server was not given: it refuses to start. */
export class MissingDataKeyError extends Error {
  override name = 'MissingDataKeyError';
}

const quote = (name: string) => `"${name}"`;
const column = (c: SQLiteColumn) => quote(c.name);
const table = (c: SQLiteColumn) => quote(getTableName(c.table));

/**
 * Run by `openDatabase` after the migrations. A database no key has sealed anything in yet (new, or from
 * before encryption) has its plaintext sealed now, in one transaction, then its WAL truncated so the
 * plaintext's pages leave it too. Then every key that still seals values here must be in `keyring`, and
 * the newest is recorded as one that does.
 */
export function prepareEncryption(sqlite: Database.Database, keyring: Keyring, now: Date): void {
  const known = () =>
    sqlite
      .prepare<[], { kid: string; retired: number }>(
        `SELECT ${column(dataKeys.kid)} AS kid, ${column(dataKeys.retiredAt)} IS NOT NULL AS retired FROM ${table(dataKeys.kid)}`,
      )
      .all();
  const seen = known();
  const current = seen.find((k) => k.kid === keyring.currentKid);
  if (seen.length > 0 && current !== undefined && !current.retired) {
    refuseMissingKeys(seen, keyring);
    return;
  }
  let sealed = false;
  sqlite
    .transaction(() => {
      const again = known();
      if (again.length === 0) {
        sealPlaintext(sqlite, keyring);
        sealed = true;
      }
      refuseMissingKeys(again, keyring);
      sqlite
        .prepare(
          `INSERT INTO ${table(dataKeys.kid)} (${column(dataKeys.kid)}, ${column(dataKeys.createdAt)}) VALUES (?, ?)
           ON CONFLICT (${column(dataKeys.kid)}) DO UPDATE SET ${column(dataKeys.retiredAt)} = NULL`,
        )
        .run(keyring.currentKid, now.getTime());
    })
    .immediate();
  if (sealed) sqlite.pragma('wal_checkpoint(TRUNCATE)');
}

/** Throws a `MissingDataKeyError` when a key that still seals values here (`known`) is not in `keyring`. */
export function refuseMissingKeys(
  known: { kid: string; retired: number | boolean }[],
  keyring: Keyring,
): void {
  const missing = known.filter((k) => !k.retired && !keyring.kids.includes(k.kid)).map((k) => k.kid);
  if (missing.length === 0) return;
  throw new MissingDataKeyError(
    `values in the database are sealed with data key ${missing.join(', ')}, which DATA_ENCRYPTION_KEY does not ` +
      `list (it lists ${keyring.kids.join(', ')}): list the key after the newest until re-encryption has moved them`,
  );
}

/** The statements that read a page of a sealed table and rewrite one row of it (SQLite: by rowid). */
interface PageStatements {
  spec: SealedTable;
  select: Statement<[number, number], unknown[]>;
  update: Statement<unknown[]>;
  /** For repositories: their daily aggregates follow the name key's change. */
  follow?: Statement<[string, string, number]>;
}

/** Rows per page: a page of finding texts may hold megabytes, one of the other tables a few kilobytes. */
const TEXT_PAGE_ROWS = 200;
const BYTES_PAGE_ROWS = 16;

export function pageRows(spec: SealedTable): number {
  return spec.bytes.length > 0 ? BYTES_PAGE_ROWS : TEXT_PAGE_ROWS;
}

/** The sealed columns of `spec`, in the order a page's rows hold them. */
export const sealedColumns = (spec: SealedTable): readonly SQLiteColumn[] => [...spec.text, ...spec.bytes];

/**
 * A page's columns (after the position it is read by): the row key, the sealed columns, the blind index;
 * and the assignments an update of one row makes, in the same order.
 */
export function pageSql(spec: SealedTable): { name: string; key: string; selected: string; sets: string } {
  const indexColumns = spec.index ? [spec.index.column] : [];
  return {
    name: table(spec.key),
    key: column(spec.key),
    selected: [spec.key, ...sealedColumns(spec), ...indexColumns].map(column).join(', '),
    sets: [...sealedColumns(spec), ...indexColumns].map((c) => `${column(c)} = ?`).join(', '),
  };
}

/**
 * Moves the daily aggregates of one repository (the row `repositoryRow` selects, by the last parameter) from
 * its old name key (the second) to its new one (the first).
 */
export function followSql(repositoryRow: string): string {
  const a = dailyAggregates;
  return `UPDATE ${table(a.repository)} SET ${column(a.repository)} = ? WHERE ${column(a.repository)} = ?
    AND ${column(a.accountId)} = (SELECT ${column(repositories.accountId)} FROM ${table(repositories.id)} WHERE ${repositoryRow})`;
}

function pageStatements(sqlite: Database.Database, spec: SealedTable): PageStatements {
  const { name, selected, sets } = pageSql(spec);
  return {
    spec,
    select: sqlite
      .prepare<[number, number], unknown[]>(
        `SELECT rowid, ${selected} FROM ${name} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      )
      .raw(),
    update: sqlite.prepare(`UPDATE ${name} SET ${sets} WHERE rowid = ?`),
    ...(spec.key === repositories.id ? { follow: sqlite.prepare(followSql('rowid = ?')) } : {}),
  };
}

type Stored = string | Uint8Array | null;

/** One row resealed: the values to write back (sealed columns, then the blind index when there is one). */
export interface Resealed {
  values: Stored[];
  /** Values resealed (columns that were null or under the newest key already are not). */
  resealed: number;
  /** The blind index before and after, for a table with one. */
  oldIndex?: string;
  newIndex?: string;
}

/**
 * Reseals one row (`row`: the key, the sealed columns, the blind index) with the newest key: every value
 * (`from: 'plaintext'`, a database from before encryption), or the values sealed with an older key. A
 * blind index is recomputed with the value it indexes, so both stay under one key. Undefined when nothing
 * in the row needs it.
 */
export function resealRow(
  spec: SealedTable,
  keyring: Keyring,
  row: readonly unknown[],
  from: 'plaintext' | 'older keys',
): Resealed | undefined {
  const columns = sealedColumns(spec);
  const key = row[0] as string;
  const stored = row.slice(1, 1 + columns.length) as Stored[];
  const oldIndex = row[1 + columns.length] as string | undefined;
  const plain = new Map<SQLiteColumn, string>();
  const values = stored.map((value, i) => {
    if (value === null) return null;
    const col = columns[i]!;
    const bytes = i >= spec.text.length;
    const aad = associatedData(columnLabel(col), key);
    let text: string;
    if (from === 'plaintext') text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    else if (kidOf(value) === keyring.currentKid) return value;
    else text = bytes ? keyring.openBytes(value as Uint8Array, aad) : keyring.openText(value as string, aad);
    plain.set(col, text);
    return bytes ? keyring.sealBytes(text, aad) : keyring.sealText(text, aad);
  });
  if (plain.size === 0) return undefined;
  if (!spec.index) return { values, resealed: plain.size };
  const indexed = plain.get(spec.index.of);
  const newIndex = indexed === undefined ? oldIndex : keyring.blindIndex(spec.index.domain, indexed);
  return { values: [...values, newIndex ?? null], resealed: plain.size, oldIndex, newIndex };
}

/**
 * Reseals one page of a table (`resealRow`); a repository's daily aggregates follow its new name key.
 * Returns the last rowid read (undefined past the end of the table) and how many values were resealed.
 */
function resealPage(
  statements: PageStatements,
  keyring: Keyring,
  after: number,
  from: 'plaintext' | 'older keys',
): { last: number | undefined; resealed: number } {
  const { spec, select, update, follow } = statements;
  const rows = select.all(after, pageRows(spec));
  let resealed = 0;
  for (const row of rows) {
    const rowid = row[0] as number;
    const done = resealRow(spec, keyring, row.slice(1), from);
    if (done === undefined) continue;
    resealed += done.resealed;
    if (follow && from === 'older keys' && done.newIndex !== done.oldIndex)
      follow.run(done.newIndex!, done.oldIndex!, rowid);
    update.run(...done.values, rowid);
  }
  return { last: rows.length === 0 ? undefined : (rows.at(-1)![0] as number), resealed };
}

/**
 * Seals everything a database from before encryption holds in plaintext (the caller's transaction). The
 * daily aggregates go first, all of them: their repository column held the lower-cased name the
 * repositories' name keys held, which the repositories' pass then replaces with the same blind index.
 */
function sealPlaintext(sqlite: Database.Database, keyring: Keyring): void {
  const a = dailyAggregates;
  const names = sqlite
    .prepare<[], string>(`SELECT DISTINCT ${column(a.repository)} FROM ${table(a.repository)}`)
    .pluck()
    .all();
  const rename = sqlite.prepare<[string, string]>(
    `UPDATE ${table(a.repository)} SET ${column(a.repository)} = ? WHERE ${column(a.repository)} = ?`,
  );
  for (const name of names) rename.run(keyring.blindIndex('repository', name), name);
  for (const spec of SEALED_TABLES) {
    const statements = pageStatements(sqlite, spec);
    for (let after = 0; ;) {
      const { last } = resealPage(statements, keyring, after, 'plaintext');
      if (last === undefined) break;
      after = last;
    }
  }
}

/** What a re-encryption did. */
export interface ReencryptResult {
  /** Values resealed with the newest key. */
  resealed: number;
  /** Keys that no longer seal anything here (they may now leave `DATA_ENCRYPTION_KEY`). */
  retired: string[];
}

/** The ids of the data keys the database was opened with, newest first (safe to log). */
export function dataKeyIds(db: DiffrayDb): readonly string[] {
  return db.keyring.kids;
}

/** Counts the keys besides the newest (`?`) that still seal values here. */
export const OLDER_KEYS_SQL = `SELECT count(*) AS n FROM ${table(dataKeys.kid)} WHERE ${column(dataKeys.retiredAt)} IS NULL AND ${column(dataKeys.kid)} <> ?`;
/** Retires (at `?`) every key but the newest (`?`), returning their ids. */
export const RETIRE_OLDER_SQL = `UPDATE ${table(dataKeys.kid)} SET ${column(dataKeys.retiredAt)} = ?
  WHERE ${column(dataKeys.retiredAt)} IS NULL AND ${column(dataKeys.kid)} <> ? RETURNING ${column(dataKeys.kid)} AS kid`;

/**
 * One engine's side of re-encryption. `page` reseals, in one transaction, the page of
 * `SEALED_TABLES[table]` after the position `after` (undefined: from the table's start) and returns the
 * position of its last row (undefined past the end of the table).
 */
export interface ReencryptionPasses {
  olderKeysInUse(): Promise<boolean>;
  page(table: number, after: unknown): Promise<{ last: unknown; resealed: number }>;
  retireOlder(now: number): Promise<string[]>;
}

/** SQLite's passes: pages by rowid on the serving connection, each an IMMEDIATE transaction. */
export function sqlitePasses(sqlite: Database.Database, keyring: Keyring): ReencryptionPasses {
  const statements = SEALED_TABLES.map((spec) => pageStatements(sqlite, spec));
  const page = sqlite.transaction((t: number, after: number) =>
    resealPage(statements[t]!, keyring, after, 'older keys'),
  );
  return {
    olderKeysInUse: async () =>
      sqlite.prepare<[string], { n: number }>(OLDER_KEYS_SQL).get(keyring.currentKid)!.n > 0,
    page: async (t, after) => page.immediate(t, (after as number | undefined) ?? 0),
    retireOlder: async (now) =>
      sqlite
        .prepare<[number, string], { kid: string }>(RETIRE_OLDER_SQL)
        .all(now, keyring.currentKid)
        .map((r) => r.kid),
  };
}
