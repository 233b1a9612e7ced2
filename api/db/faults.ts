/**
 * Which errors mean "the database cannot answer now" (the app answers 503 with a request id, not 500):
 * SQLite's busy, locked, I/O, full, corrupt and cannot-open results (`SqliteError.code`, also carried by the
 * writer's `WriteError`), a closed connection, and the writer thread gone. Everything else (a constraint, a
 * bug) stays a 500. The PostgreSQL port adds its connection and admin-shutdown errors here.
 */
import Database from 'better-sqlite3';
import { WriteError } from './writer.js';

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CORRUPT|NOTADB|CANTOPEN|PROTOCOL|READONLY)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Database.SqliteError || error instanceof WriteError) {
    if (error.code !== undefined && UNAVAILABLE.test(error.code)) return true;
    // A WriteError without a code: the writer thread died or was stopped before it answered.
    return error instanceof WriteError && error.code === undefined;
  }
  return error instanceof TypeError && /database connection is not open/.test(error.message);
}
