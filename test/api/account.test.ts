import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purge } from '../../api/db/index.js';
import { purgeCutoffs } from '../../api/retention.js';
import { DAY_MS } from '../../shared/index.js';
import {
  auditEntries,
  countRows,
  makeReport,
  rowsOf,
  seedAccount,
  seedKey,
  startServer,
  T0,
  testIndex,
  type TestServer,
} from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const count = (table: string, where = '1=1', ...args: unknown[]) => countRows(s.db, table, where, ...args);

describe('keys API', () => {
  it('creates a key shown once, lists keys without hashes, revokes', async () => {
    const a = await seedAccount(s.db, { name: 'keys' });
    const created = await s.call('POST', '/v1/keys', {
      key: a.key,
      body: { name: 'ci', scopes: ['reviews:write', 'config:read'], expiresInDays: 90 },
    });
    expect(created.status).toBe(201);
    const k = created.json as {
      id: string;
      key: string;
      prefix: string;
      expiresAt: string;
      scopes: string[];
    };
    expect(k.key).toMatch(/^dfr_[0-9A-Za-z]{28}$/);
    expect(k.key.startsWith(k.prefix)).toBe(true);
    expect(k.expiresAt).toBe(new Date(T0.getTime() + 90 * DAY_MS).toISOString());
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect((await s.call('POST', '/v1/reviews', { key: k.key, body: makeReport() })).status).toBe(201);

    const list = await s.call('GET', '/v1/keys', { key: a.key });
    expect(list.text).not.toContain(k.key);
    expect(list.text).not.toMatch(/"hash"/);
    const { hash } = (
      await rowsOf<{ hash: string }>(s.db, 'SELECT hash FROM api_keys WHERE id = ?', k.id)
    )[0]!;
    expect(list.text).not.toContain(hash);
    expect((list.json as { keys: { id: string }[] }).keys.map((x) => x.id)).toContain(k.id);

    expect((await s.call('DELETE', `/v1/keys/${k.id}`, { key: a.key })).status).toBe(204);
    expect((await s.call('POST', '/v1/reviews', { key: k.key, body: makeReport() })).status).toBe(401);
    const audit = (await auditEntries(s.db, a.accountId)).filter((e) => e.target === k.id);
    expect(audit.map((r) => r.action).sort()).toEqual(['key.create', 'key.revoke']);
  });

  it('refuses unknown scopes and fields', async () => {
    const a = await seedAccount(s.db, { name: 'keys2' });
    expect(
      (await s.call('POST', '/v1/keys', { key: a.key, body: { name: 'x', scopes: ['root'] } })).status,
    ).toBe(422);
    expect(
      (await s.call('POST', '/v1/keys', { key: a.key, body: { name: 'x', scopes: ['admin'], hash: 'h' } }))
        .status,
    ).toBe(422);
  });
});

describe('GET /v1/account/export', () => {
  it('returns everything the account holds, without key hashes or plaintext', async () => {
    const a = await seedAccount(s.db, { name: 'exporter' });
    const extra = await seedKey(s.db, a.accountId, ['reviews:read']);
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/exp' }) });
    await s.call('PUT', '/v1/config', {
      key: a.key,
      body: { repository: 'octo/exp', yaml: 'fail-on: high\n' },
    });
    const res = await s.call('GET', '/v1/account/export', { key: a.key });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const data = res.json as Record<string, unknown[]> & { account: { id: string }; reviews: unknown[] };
    expect(data.account.id).toBe(a.accountId);
    expect(data.reviews).toHaveLength(1);
    expect((data.reviews[0] as { findings: unknown[] }).findings).toHaveLength(1);
    expect(data.repositories).toHaveLength(1);
    expect(data.configs).toHaveLength(1);
    expect(data.keys).toHaveLength(2);
    expect(data.dailyAggregates).toHaveLength(1);
    const hashes = await rowsOf<{ hash: string }>(
      s.db,
      'SELECT hash FROM api_keys WHERE account_id = ?',
      a.accountId,
    );
    expect(hashes).toHaveLength(2);
    for (const { hash } of hashes) expect(res.text).not.toContain(hash);
    expect(res.text).not.toContain(a.key);
    expect(res.text).not.toContain(extra.key);
    expect(res.text).not.toMatch(/"hash"/);
    expect(await count('audit_log', "action = 'account.export' AND account_id = ?", a.accountId)).toBe(1);
  });
});

describe('DELETE /v1/repositories/:owner/:name', () => {
  it("deletes that repository's metadata, config, reviews, findings and aggregates at once, nothing else", async () => {
    const a = await seedAccount(s.db, { name: 'disconnect' });
    const gone = (
      (await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/gone' }) }))
        .json as { id: string }
    ).id;
    const kept = (
      (await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/kept' }) }))
        .json as { id: string }
    ).id;
    await s.call('PUT', '/v1/config', {
      key: a.key,
      body: { repository: 'octo/gone', yaml: 'fail-on: low\n' },
    });
    const res = await s.call('DELETE', '/v1/repositories/Octo/Gone', { key: a.key });
    expect(res.status).toBe(204);
    expect((await s.call('GET', `/v1/reviews/${gone}`, { key: a.key })).status).toBe(404);
    expect((await s.call('GET', `/v1/reviews/${kept}`, { key: a.key })).status).toBe(200);
    expect(await count('reviews', 'id = ?', gone)).toBe(0);
    expect(await count('findings', 'review_id = ?', gone)).toBe(0);
    const goneKey = testIndex('repository', 'octo/gone');
    expect(await count('repositories', 'account_id = ? AND name_key = ?', a.accountId, goneKey)).toBe(0);
    expect(await count('configs', 'account_id = ? AND repository_id IS NOT NULL', a.accountId)).toBe(0);
    expect(await count('daily_aggregates', 'account_id = ? AND repository = ?', a.accountId, goneKey)).toBe(
      0,
    );
    const keptKey = testIndex('repository', 'octo/kept');
    expect(await count('daily_aggregates', 'account_id = ? AND repository = ?', a.accountId, keptKey)).toBe(
      1,
    );
    expect((await s.call('DELETE', '/v1/repositories/octo/gone', { key: a.key })).status).toBe(404);
    const deletions = (await auditEntries(s.db, a.accountId)).filter((e) => e.action === 'repository.delete');
    expect(deletions.map((e) => e.target)).toEqual(['octo/gone']);
  });
});

describe('DELETE /v1/account', () => {
  it('revokes keys and ends sessions at once, then purges everything 30 days later', async () => {
    const a = await seedAccount(s.db, { name: 'leaver' });
    const other = await seedKey(s.db, a.accountId, ['reviews:read']);
    const survivor = await seedAccount(s.db, { name: 'stays' });
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/leaving' }) });
    await s.call('POST', '/v1/reviews', {
      key: survivor.key,
      body: makeReport({ repository: 'octo/leaving' }),
    });
    await rowsOf(
      s.db,
      'INSERT INTO sessions (id, account_id, session_version, created_at, expires_at) VALUES (?, ?, 1, ?, ?)',
      'sess-1',
      a.accountId,
      T0.getTime(),
      T0.getTime() + DAY_MS,
    );

    const res = await s.call('DELETE', '/v1/account', { key: a.key, body: { confirm: 'leaver' } });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      accountId: a.accountId,
      purgeAfter: new Date(T0.getTime() + 30 * DAY_MS).toISOString(),
    });
    expect((await s.call('GET', '/v1/reviews', { key: a.key })).status).toBe(401);
    expect((await s.call('GET', '/v1/reviews', { key: other.key })).status).toBe(401);
    expect(await count('sessions', 'id = ? AND revoked_at IS NOT NULL', 'sess-1')).toBe(1);
    expect(await count('accounts', 'id = ? AND session_version = 2', a.accountId)).toBe(1);
    expect(await count('api_keys', 'account_id = ? AND revoked_at IS NULL', a.accountId)).toBe(0);

    // 30 days minus one second: data still held (locked).
    await purge(s.db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS - 1_000)));
    expect(await count('accounts', 'id = ?', a.accountId)).toBe(1);
    expect(await count('api_keys', 'account_id = ?', a.accountId)).toBe(2);
    expect(await count('reviews', 'account_id = ?', a.accountId)).toBe(1);

    const result = await purge(s.db, purgeCutoffs(new Date(T0.getTime() + 30 * DAY_MS + 1_000)));
    expect(result.accounts).toBe(1);
    for (const table of [
      'accounts',
      'api_keys',
      'repositories',
      'reviews',
      'daily_aggregates',
      'audit_log',
      'sessions',
      'configs',
    ]) {
      const column = table === 'accounts' ? 'id' : 'account_id';
      expect(await count(table, `${column} = ?`, a.accountId)).toBe(0);
    }
    expect(await count('accounts', 'id = ?', survivor.accountId)).toBe(1);
    expect(await count('daily_aggregates', 'account_id = ?', survivor.accountId)).toBe(1);
  });
});
