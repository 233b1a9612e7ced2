/**
 * The data keys' life in a database: which keys have sealed values here (`data_keys`), the check at open
 * that every one of them is still given, the one-time sealing of a database from before encryption, and
 * re-encryption after a new key is added, in pages, while the server runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { and, getTableName, isNull, ne } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { sqliteOf, type DiffrayDb } from './connection.js';
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

/** Where a pass over the sealed tables is: the table (index in `SEALED_TABLES`) and the last rowid done. */
interface Cursor {
  table: number;
  after: number;
}

/** The statements that read a page of a sealed table and rewrite one row of it. */
interface PageStatements {
  spec: SealedTable;
  columns: readonly SQLiteColumn[];
  select: Statement<[number, number], unknown[]>;
  update: Statement<unknown[]>;
  /** For repositories: their daily aggregates follow the name key's change. */
  follow?: Statement<[string, string, number]>;
  pageRows: number;
}

/** Rows per page: a page of finding texts may hold megabytes, one of the other tables a few kilobytes. */
const TEXT_PAGE_ROWS = 200;
const BYTES_PAGE_ROWS = 16;

function pageStatements(sqlite: Database.Database, spec: SealedTable): PageStatements {
  const columns = [...spec.text, ...spec.bytes];
  const name = table(spec.key);
  const indexColumns = spec.index ? [spec.index.column] : [];
  const selected = [spec.key, ...columns, ...indexColumns].map(column).join(', ');
  const sets = [...columns, ...indexColumns].map((c) => `${column(c)} = ?`).join(', ');
  const a = dailyAggregates;
  return {
    spec,
    columns,
    select: sqlite
      .prepare<[number, number], unknown[]>(
        `SELECT rowid, ${selected} FROM ${name} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      )
      .raw(),
    update: sqlite.prepare(`UPDATE ${name} SET ${sets} WHERE rowid = ?`),
    ...(spec.key === repositories.id
      ? {
          follow: sqlite.prepare<[string, string, number]>(
            `UPDATE ${table(a.repository)} SET ${column(a.repository)} = ? WHERE ${column(a.repository)} = ?
             AND ${column(a.accountId)} = (SELECT ${column(repositories.accountId)} FROM ${name} WHERE rowid = ?)`,
          ),
        }
      : {}),
    pageRows: spec.bytes.length > 0 ? BYTES_PAGE_ROWS : TEXT_PAGE_ROWS,
  };
}

type Stored = string | Uint8Array | null;

/**
 * Reseals one page of a table with the newest key: every value (`from: 'plaintext'`, a database from
 * before encryption), or the values sealed with an older key. A blind index is recomputed with the value
 * it indexes, so both stay under one key; a repository's daily aggregates follow its new name key.
 * Returns the last rowid read (undefined past the end of the table) and how many values were resealed.
 */
function resealPage(
  statements: PageStatements,
  keyring: Keyring,
  after: number,
  from: 'plaintext' | 'older keys',
): { last: number | undefined; resealed: number } {
  const { spec, columns, select, update, follow } = statements;
  const rows = select.all(after, statements.pageRows);
  let resealed = 0;
  for (const row of rows) {
    const [rowid, key] = row as [number, string];
    const stored = row.slice(2, 2 + columns.length) as Stored[];
    const oldIndex = row[2 + columns.length] as string | undefined;
    const plain = new Map<SQLiteColumn, string>();
    const values = stored.map((value, i) => {
      if (value === null) return null;
      const col = columns[i]!;
      const bytes = i >= spec.text.length;
      const aad = associatedData(columnLabel(col), key);
      let text: string;
      if (from === 'plaintext')
        text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
      else if (kidOf(value) === keyring.currentKid) return value;
      else
        text = bytes ? keyring.openBytes(value as Uint8Array, aad) : keyring.openText(value as string, aad);
      plain.set(col, text);
      return bytes ? keyring.sealBytes(text, aad) : keyring.sealText(text, aad);
    });
    if (plain.size === 0) continue;
    resealed += plain.size;
    const indexed = spec.index && plain.get(spec.index.of);
    const newIndex = indexed === undefined ? oldIndex : keyring.blindIndex(spec.index!.domain, indexed);
    if (follow && from === 'older keys' && newIndex !== oldIndex) follow.run(newIndex!, oldIndex!, rowid);
    update.run(...values, ...(spec.index ? [newIndex] : []), rowid);
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

/**
 * Whether values here may still be sealed with a key older than the newest: a key not retired other than
 * the newest. Written once for both engines (`serve` asks at every start).
 */
export async function needsReencryption(db: DiffrayDb): Promise<boolean> {
  const k = db.tables.dataKeys;
  const [older] = await db.orm
    .select({ kid: k.kid })
    .from(k)
    .where(and(isNull(k.retiredAt), ne(k.kid, db.keyring.currentKid)))
    .limit(1);
  return older !== undefined;
}

/**
 * Reseals every value sealed with an older key, one page per transaction (a few milliseconds each), then
 * retires the older keys. Between pages it pauses `pauseFactor` times as long as the page took (at least
 * `minPauseMs`), so the writer thread, whose ingest waits for the same lock, gets it in between. Every
 * connection seals new values with the newest key, so once a pass is over nothing is left under an older
 * one. `signal` stops it between pages (a later run starts over; what was resealed stays).
 */
export async function reencrypt(
  db: DiffrayDb,
  opts: { now: () => Date; signal?: AbortSignal; pauseFactor?: number; minPauseMs?: number },
): Promise<ReencryptResult> {
  const sqlite = sqliteOf(db);
  const keyring = db.keyring;
  const pauseFactor = opts.pauseFactor ?? 4;
  const minPauseMs = opts.minPauseMs ?? 10;
  let resealed = 0;
  const cursor: Cursor = { table: 0, after: 0 };
  const statements = SEALED_TABLES.map((spec) => pageStatements(sqlite, spec));
  const page = sqlite.transaction(() =>
    resealPage(statements[cursor.table]!, keyring, cursor.after, 'older keys'),
  );
  while (cursor.table < statements.length) {
    if (opts.signal?.aborted) return { resealed, retired: [] };
    const started = performance.now();
    const done = page.immediate();
    resealed += done.resealed;
    if (done.last === undefined) {
      cursor.table += 1;
      cursor.after = 0;
    } else cursor.after = done.last;
    await sleep(Math.max(minPauseMs, (performance.now() - started) * pauseFactor));
  }
  const retired = sqlite
    .prepare<[number, string], string>(
      `UPDATE ${table(dataKeys.kid)} SET ${column(dataKeys.retiredAt)} = ?
       WHERE ${column(dataKeys.retiredAt)} IS NULL AND ${column(dataKeys.kid)} <> ? RETURNING ${column(dataKeys.kid)}`,
    )
    .pluck()
    .all(opts.now().getTime(), keyring.currentKid);
  return { resealed, retired };
}
