/**
 * What every query function reaches through the drizzle handle it is given (the database's handle or a
 * transaction on it): the better-sqlite3 connection under it, statements compiled once per connection, and
 * the data keys the connection seals and opens values with (attached by `openDatabase`).
 */
import Database from 'better-sqlite3';
import type { RunResult } from 'better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Keyring } from './envelope.js';
import type * as schema from './schema.js';

/** The drizzle handle or a transaction on it: every query function takes either. */
export type Orm = BaseSQLiteDatabase<'sync', RunResult, typeof schema>;

/** The better-sqlite3 connection under a drizzle handle or a transaction on it (they share one session). */
export function clientOf(orm: Orm): Database.Database {
  const client = (orm as unknown as { session?: { client?: unknown } }).session?.client;
  if (!(client instanceof Database)) throw new Error('not a better-sqlite3 drizzle handle');
  return client;
}

/**
 * Memoises `build` per connection: statements of the hot paths are compiled once per open database
 * (drizzle's `.prepare()` with placeholders, or raw better-sqlite3 statements), not on every request.
 */
export function perDatabase<T>(build: (orm: Orm, sqlite: Database.Database) => T): (orm: Orm) => T {
  const cache = new WeakMap<Database.Database, T>();
  return (orm) => {
    const sqlite = clientOf(orm);
    let built = cache.get(sqlite);
    if (built === undefined) {
      built = build(orm, sqlite);
      cache.set(sqlite, built);
    }
    return built;
  };
}

const keyrings = new WeakMap<Database.Database, Keyring>();

export function attachKeyring(sqlite: Database.Database, keyring: Keyring): void {
  keyrings.set(sqlite, keyring);
}

/** The data keys of the connection under `orm`. */
export function keyringOf(orm: Orm): Keyring {
  const keyring = keyrings.get(clientOf(orm));
  if (keyring === undefined) throw new Error('the database was opened without its data keys');
  return keyring;
}
