/**
 * `api/db/pg/schema.ts` must describe the same database as `api/db/schema.ts`, so that one query module
 * serves both engines: this walks both with drizzle's `getTableConfig` and names every difference (a table,
 * a column, its nullability, default, JavaScript type or enum, a primary key, an index, a foreign key).
 * Whoever adds a column to one schema and forgets the other is told here, before a query breaks at run time.
 */
import type { Table } from 'drizzle-orm';
import { getTableName, is, SQL } from 'drizzle-orm';
import { getTableConfig as pgTableConfig, PgDialect, PgTable, type PgColumn } from 'drizzle-orm/pg-core';
import {
  getTableConfig as sqliteTableConfig,
  SQLiteSyncDialect,
  SQLiteTable,
  type SQLiteColumn,
} from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pg from '../../api/db/pg/schema.js';
import * as sqlite from '../../api/db/schema.js';

type AnyColumn = SQLiteColumn | PgColumn;

/**
 * The JavaScript type a column gives: drizzle's `dataType`, except for PostgreSQL's custom columns, which
 * drizzle calls `custom` whatever they read as; ours are named by their SQL type.
 */
function jsType(column: AnyColumn): string {
  if (column.dataType !== 'custom') return column.dataType;
  const custom: Record<string, string> = { bigint: 'date', bytea: 'buffer' };
  return (
    custom[column.getSQLType()] ?? `custom ${column.getSQLType()} (teach pg-schema-parity.test.ts its type)`
  );
}

/** An index's `where`, rendered by its engine's dialect (both write identifiers in double quotes). */
function whereText(where: SQL | undefined, dialect: PgDialect | SQLiteSyncDialect): string | undefined {
  return where === undefined ? undefined : dialect.sqlToQuery(where).sql;
}

function columnNames(columns: readonly unknown[]): string[] {
  return columns.map((c) => (is(c, SQL) ? '(expression)' : (c as AnyColumn).name));
}

/** Everything the parity is about, of one table, as plain values with a description per entry. */
function describeTable(config: {
  columns: AnyColumn[];
  indexes: {
    config: { name?: string | undefined; columns: unknown[]; unique: boolean; where?: SQL | undefined };
  }[];
  foreignKeys: {
    reference: () => { columns: AnyColumn[]; foreignColumns: AnyColumn[]; foreignTable: Table };
    onDelete?: string | undefined;
    onUpdate?: string | undefined;
  }[];
  primaryKeys: { columns: AnyColumn[] }[];
  uniqueConstraints: { columns: AnyColumn[] }[];
  dialect: PgDialect | SQLiteSyncDialect;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of config.columns) {
    out[`column ${c.name}`] = {
      type: jsType(c),
      notNull: c.notNull,
      primaryKey: c.primary,
      unique: c.isUnique,
      default: c.hasDefault ? c.default : undefined,
      enum: c.enumValues,
    };
  }
  for (const pk of config.primaryKeys) out['primary key'] = pk.columns.map((c) => c.name);
  for (const u of config.uniqueConstraints) out[`unique (${u.columns.map((c) => c.name).join(', ')})`] = true;
  for (const { config: ix } of config.indexes) {
    out[`index ${ix.name ?? '(unnamed)'}`] = {
      columns: columnNames(ix.columns),
      unique: ix.unique,
      where: whereText(ix.where, config.dialect),
    };
  }
  for (const fk of config.foreignKeys) {
    const ref = fk.reference();
    out[`foreign key (${ref.columns.map((c) => c.name).join(', ')})`] = {
      references: `${getTableName(ref.foreignTable)} (${ref.foreignColumns.map((c) => c.name).join(', ')})`,
      onDelete: fk.onDelete ?? 'no action',
      onUpdate: fk.onUpdate ?? 'no action',
    };
  }
  return out;
}

function tablesOf(module: Record<string, unknown>, kind: typeof SQLiteTable | typeof PgTable) {
  return new Map(
    Object.entries(module).flatMap(([name, value]) => (is(value, kind) ? [[name, value as Table]] : [])),
  );
}

const sqliteTables = tablesOf(sqlite, SQLiteTable);
const pgTables = tablesOf(pg, PgTable);

describe('the PostgreSQL schema mirrors the SQLite schema', () => {
  it('exports the same tables under the same names and SQL names', () => {
    expect(sqliteTables.size).toBeGreaterThan(10);
    const names = (tables: Map<string, Table>) =>
      [...tables].map(([name, table]) => `${name} → ${getTableName(table)}`).sort();
    expect(names(pgTables)).toEqual(names(sqliteTables));
  });

  it('re-exports the shared constants rather than copies', () => {
    expect(pg.SCOPES).toBe(sqlite.SCOPES);
    expect(pg.MEMBER_ROLES).toBe(sqlite.MEMBER_ROLES);
  });

  for (const [name, sqliteTable] of sqliteTables) {
    it(`${name}: columns, keys, indexes and foreign keys`, () => {
      const pgTable = pgTables.get(name);
      expect(pgTable, `api/db/pg/schema.ts has no table ${name}`).toBeDefined();
      const s = sqliteTableConfig(sqliteTable);
      const p = pgTableConfig(pgTable!);
      const sqliteSide = describeTable({ ...s, dialect: new SQLiteSyncDialect() });
      const pgSide = describeTable({ ...p, dialect: new PgDialect() });
      // One assertion per entry, so the message names what differs (`column x`, `index y`), whichever side lacks it.
      for (const key of new Set([...Object.keys(sqliteSide), ...Object.keys(pgSide)]).values()) {
        expect(pgSide[key], `${name}: ${key} (PostgreSQL, then SQLite)`).toEqual(sqliteSide[key]);
      }
    });
  }
});
