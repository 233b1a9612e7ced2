/**
 * A repository name that cannot exist on GitHub (`../..`, `./.`) is refused at ingest: stored, it could
 * never be filtered on or disconnected, since those routes refuse such names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, makeReport, seedAccount, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  s = await startServer();
  acct = await seedAccount(s.db);
});
afterAll(() => s.close());

describe('POST /v1/reviews: repository names', () => {
  it.each(['../..', './.', 'octo/..', '../hello', 'octo/hello.git', '-octo/hello'])(
    'refuses %s (422) and stores nothing',
    async (repository) => {
      const res = await s.call('POST', '/v1/reviews', { key: acct.key, body: makeReport({ repository }) });
      expect(res.status).toBe(422);
      expect(await countRows(s.db, 'repositories')).toBe(0);
    },
  );

  it('accepts a name GitHub allows, which the list can then be filtered on', async () => {
    const res = await s.call('POST', '/v1/reviews', {
      key: acct.key,
      body: makeReport({ repository: 'octo/.github' }),
    });
    expect(res.status).toBe(201);
    const list = await s.call('GET', '/v1/reviews?repository=octo%2F.github', { key: acct.key });
    expect(list.status).toBe(200);
    expect((list.json as { reviews: unknown[] }).reviews).toHaveLength(1);
  });
});
