/**
 * `isDatabaseUnavailable` on PostgreSQL's errors, as node-postgres builds them (the real server's are in
 * test/api/postgres-infra.test.ts): the "cannot answer now" ones are 503s, everything else stays a 500,
 * whether drizzle wrapped them or not; what is logged of a wrapped one leaves its parameters out.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { faultDetail, isDatabaseUnavailable } from '../../../api/db/faults.js';

function serverError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError('server says no', 0, 'error');
  error.code = code;
  return error;
}

function socketError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });
}

describe('isDatabaseUnavailable on PostgreSQL', () => {
  it.each([
    ['08006', 'connection failure'],
    ['08001', 'cannot establish a connection'],
    ['57P01', 'admin shutdown (a terminated backend, a restart)'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'starting up or in recovery'],
    ['53300', 'too many connections'],
    ['53100', 'disk full'],
    ['57014', 'statement timeout'],
    ['55P03', 'lock timeout'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock, rolled back'],
  ])('%s (%s) is a 503', (code) => {
    expect(isDatabaseUnavailable(serverError(code))).toBe(true);
  });

  it.each([
    ['23505', 'unique violation'],
    ['23503', 'foreign key violation'],
    ['42P01', 'undefined table: a bug or a missing migration'],
    ['22P02', 'invalid input'],
    ['42501', 'permission denied'],
  ])('%s (%s) stays a 500', (code) => {
    expect(isDatabaseUnavailable(serverError(code))).toBe(false);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])(
    'a socket error %s is a 503',
    (code) => {
      expect(isDatabaseUnavailable(socketError(code))).toBe(true);
    },
  );

  it('a refused connection to every address of a name (an AggregateError) is a 503', () => {
    const error = new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')]);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([new Error('bug')]))).toBe(false);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
    'Client was closed and is not queryable',
    'Cannot use a pool after calling end on the pool',
  ])('node-postgres\'s "%s" is a 503', (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  });

  it('other errors stay 500s', () => {
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('no file'), { code: 'ENOENT' }))).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated')).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('a driver error drizzle wrapped (DrizzleQueryError)', () => {
  const wrapped = (cause: unknown) =>
    new DrizzleQueryError('select "id" from "api_keys" where "hash" = $1', ['the-parameter'], cause as Error);

  it('is judged by its cause', () => {
    expect(isDatabaseUnavailable(wrapped(socketError('ECONNREFUSED')))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(serverError('57P01')))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(serverError('23505')))).toBe(false);
    expect(isDatabaseUnavailable(wrapped(undefined))).toBe(false);
  });

  it("is logged as its cause's message and the statement, never the parameters", () => {
    const detail = faultDetail(wrapped(socketError('ECONNREFUSED')));
    expect(detail).toBe(
      'connect ECONNREFUSED 127.0.0.1:5432 (in: select "id" from "api_keys" where "hash" = $1)',
    );
    expect(detail).not.toContain('the-parameter');
    expect(faultDetail(new Error('boom'))).toBe('boom');
  });
});
