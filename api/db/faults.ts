/**
 * Which errors mean "the database cannot answer now" (the app answers 503 with a request id, not 500).
 *
 * SQLite: busy, locked, I/O, full, corrupt and cannot-open results (`SqliteError.code`, also carried by the
 * writer's `WriteError`: its transaction rolled back, so a retry is safe), and a closed connection.
 * Everything else stays a 500: a constraint, a bug, and the writer thread gone without an answer (its
 * review may have committed before it died: the outcome is unknown, so it is not advertised as
 * retryable).
 *
 * PostgreSQL, by SQLSTATE: the server's equivalents of the SQLite results above, each a statement or
 * transaction that did nothing and may be retried as it is.
 * - class 08 (the connection failed or broke), 57P01/57P02/57P03 (the server is shutting down, crashed, or
 *   is starting or recovering), class 53 (out of connections, memory or disk, like SQLITE_FULL);
 * - 57014 (the statement timeout cancelled it) and 55P03 (a lock it needed was not free in time): SQLite's
 *   busy timeout, expired;
 * - 40001 and 40P01 (a serialization failure, a deadlock): the server rolled the whole transaction back,
 *   which is what SQLITE_BUSY means too. A deadlock is a bug to fix, but the answer to the client, "try
 *   again", is true all the same.
 * And without a SQLSTATE, because no server answered: the socket's ECONNREFUSED, ECONNRESET, ETIMEDOUT and
 * kin (a server down or restarting), node-postgres's "Connection terminated" (the server closed the
 * connection under a query), the pool's wait for a connection timed out, and the pool closed by a shutdown.
 * A connection lost during a COMMIT leaves the outcome unknown, as the writer thread gone does, but it is a
 * 503 all the same: node-postgres cannot tell it from a connection lost before the transaction did anything.
 * drizzle wraps a driver's error in a `DrizzleQueryError` (its query and parameters, the driver's error as
 * `cause`): the cause is what is judged, and what is logged (`faultDetail`), never the parameters.
 */
import Database from 'better-sqlite3';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import pg from 'pg';
import { WriteError } from './writer.js';

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CORRUPT|NOTADB|CANTOPEN|PROTOCOL|READONLY)/;

const PG_UNAVAILABLE = /^(08...|53...|57P0[123]|57014|55P03|40001|40P01)$/;
const SOCKET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const PG_CLIENT_UNAVAILABLE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DrizzleQueryError) return isDatabaseUnavailable(error.cause);
  if (error instanceof Database.SqliteError || error instanceof WriteError)
    return error.code !== undefined && UNAVAILABLE.test(error.code);
  if (error instanceof pg.DatabaseError) return error.code !== undefined && PG_UNAVAILABLE.test(error.code);
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && SOCKET_UNAVAILABLE.has(code)) return true;
  // Node reports a refused connection to a name with several addresses (localhost: ::1 and 127.0.0.1) as
  // an AggregateError of one error per address.
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return (
    PG_CLIENT_UNAVAILABLE.test(error.message) ||
    (error instanceof TypeError && /database connection is not open/.test(error.message))
  );
}

/**
 * What a log line says of `error`: its message, or for a query drizzle wrapped, the driver's message and
 * the statement, without the parameters (values a request sent, or sealed ones).
 */
export function faultDetail(error: Error): string {
  if (error instanceof DrizzleQueryError && error.cause instanceof Error)
    return `${error.cause.message} (in: ${error.query})`;
  return error.message;
}
