/**
 * Which errors mean "the database cannot answer now" (the app answers 503 with a request id, not 500):
 * SQLite's busy, locked, I/O, full, corrupt and cannot-open results (`SqliteError.code`, also carried by the
 * writer's `WriteError`: its transaction rolled back, so a retry is safe), and a closed connection.
 * Everything else stays a 500: a constraint, a bug, and the writer thread gone without an answer (its
 * review may have committed before it died: the outcome is unknown, so it is not advertised as
 * retryable). The PostgreSQL port adds its connection and admin-shutdown errors here.
 */
import Database from 'better-sqlite3';
import { WriteError } from './writer.js';

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CORRUPT|NOTADB|CANTOPEN|PROTOCOL|READONLY)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Database.SqliteError || error instanceof WriteError)
    return error.code !== undefined && UNAVAILABLE.test(error.code);
  return error instanceof TypeError && /database connection is not open/.test(error.message);
}
