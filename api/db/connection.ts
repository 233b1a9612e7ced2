/**
 * The storage interface: every query function takes an open database (`DiffrayDb`, or a transaction on it,
 * which is one too), is asynchronous, and reaches its tables through `db.tables`. What differs between
 * engines sits behind the handle's named seams (transactions, review ingest, shared state, erasing deleted
 * bytes, `ping`); the queries themselves are written once with drizzle's common query builder.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { RunResult } from 'better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Keyring } from './envelope.js';
import type { IngestRow } from './ingest.js';
import type * as schema from './schema.js';

/**
 * The drizzle query builder (the database's, or a transaction's). It is typed as SQLite's: each engine's
 * schema exports the same tables with the same JS value types, so a query built from `db.tables` reads and
 * writes the same values on either, and this is the one place that relies on it. Queries await the builder
 * (`.limit(1)` and `[0]` for one row, `.returning()` to count what a write changed); `.all()`, `.get()`,
 * `.run()` and raw SQL are better-sqlite3's alone.
 */
export type Orm = BaseSQLiteDatabase<'sync', RunResult, typeof schema>;

/** The tables of the open database (`schema.ts`'s, or the PostgreSQL schema's of the same names). */
export type Tables = typeof schema;

export interface BucketRule {
  capacity: number;
  perMinute: number;
}

/** What `takeTokens` granted: `granted` tokens (0 to `want`), and when none, the seconds until one. */
export interface TakeResult {
  granted: number;
  retryAfterSeconds: number;
}

/**
 * What several `serve` processes on one database must agree on, each operation atomic across them
 * (`shared-state.ts` holds the rules; times are epoch milliseconds).
 */
export interface SharedState {
  takeTokens(bucket: string, rule: BucketRule, want: number, now: number): Promise<TakeResult>;
  /** Inserts the state's hash unless present; false when it was. */
  consumeState(hash: string, expiresAt: number): Promise<boolean>;
  acquireLease(
    name: string,
    holder: string,
    now: number,
    ttlMs: number,
    dueAfterMs: number,
  ): Promise<boolean>;
  renewLease(name: string, holder: string, until: number): Promise<boolean>;
  releaseLease(name: string, holder: string, now: number): Promise<void>;
  sweep(idleBefore: number, now: number): Promise<{ rateBuckets: number; oauthStates: number }>;
}

/** An open results database, or a transaction on one (the same interface: query functions take either). */
export interface DiffrayDb {
  readonly engine: 'sqlite' | 'postgres';
  readonly orm: Orm;
  readonly tables: Tables;
  /** The data keys values are sealed and opened with (`encryption.ts`). */
  readonly keyring: Keyring;
  /** The migrations this open applied (tags, oldest first); empty when another process had applied them. */
  readonly migrationsApplied: readonly string[];
  /**
   * Runs `body` in one transaction on `tx`: committed when it resolves, rolled back when it rejects. Inside
   * a transaction, `tx.transaction` runs its body in the same one. The body awaits storage calls on `tx`
   * only, one after the other (SQLite: `client.ts` says why).
   */
  transaction<T>(body: (tx: DiffrayDb) => Promise<T>): Promise<T>;
  /** Rejects unless the database answers a query (`/readyz`). */
  ping(): Promise<void>;
  /**
   * Writes one review, its findings, texts, repository and day aggregates in one transaction (use
   * `insertReview`, which builds the row). Resolves once it is committed, so the next read sees it;
   * rejects for this review alone.
   */
  ingest(row: IngestRow): Promise<void>;
  /** Called after every write that deleted or overwrote stored text, so the engine lets go of its bytes. */
  eraseDeleted(): Promise<void>;
  readonly shared: SharedState;
  /** Lets in-flight writes finish, then closes every connection. */
  close(): Promise<void>;
}

/**
 * Memoises `build` per query builder: statements of the hot paths are compiled once per open database
 * (drizzle's `.prepare()` with placeholders, run with `.execute()`), not on every request. A PostgreSQL
 * transaction has a builder of its own (its statements must run on its connection), so it compiles anew.
 */
export function perDatabase<T>(build: (db: DiffrayDb) => T): (db: DiffrayDb) => T {
  const cache = new WeakMap<object, T>();
  return (db) => {
    let built = cache.get(db.orm);
    if (built === undefined) {
      built = build(db);
      cache.set(db.orm, built);
    }
    return built;
  };
}

/**
 * A SQLite results database. `ingest` runs on the writer thread (`writer.ts`): it resolves once the review
 * is committed, so the next read on `sqlite` sees it, and rejects with a `WriteError` for this review alone.
 * Every other write runs on `sqlite`: they are rare, and the busy timeout covers the contention.
 * `eraseDeleted`: `secure_delete` has zeroed deleted text in the database's pages, but the WAL still holds
 * the pages as they were until it is copied back and truncated. With background checkpoints the checkpointer
 * thread does that within a tick (the truncating pass waits for the writer and for readers: not on the event
 * loop); otherwise (the CLI) it runs now.
 */
export interface SqliteDb extends DiffrayDb {
  readonly engine: 'sqlite';
  /** The serving connection: the engine-specific code (purge batches, data-key pages) and tests reach it. */
  readonly sqlite: Database.Database;
  readonly path: string;
}

/** The serving connection of a SQLite database, for its engine-specific code; throws for another engine. */
export function sqliteOf(db: DiffrayDb): Database.Database {
  if (db.engine !== 'sqlite') throw new Error(`not a SQLite database (${db.engine})`);
  return (db as SqliteDb).sqlite;
}

/** A PostgreSQL results database: the pool its queries and its engine-specific code (the purge) run on. */
export interface PgDb extends DiffrayDb {
  readonly engine: 'postgres';
  readonly pool: pg.Pool;
}

/** The pool of a PostgreSQL database, for its engine-specific code; throws for another engine. */
export function pgOf(db: DiffrayDb): pg.Pool {
  if (db.engine !== 'postgres') throw new Error(`not a PostgreSQL database (${db.engine})`);
  return (db as PgDb).pool;
}
