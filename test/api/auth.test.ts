import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeKey, type Scope } from '../../api/db/index.js';
import { generateKey } from '../../api/auth/key-format.js';
import { DAY_MS } from '../../shared/index.js';
import { makeReport, seedAccount, seedKey, startServer, T0, type TestServer } from './helpers.js';

let s: TestServer;
let a: Awaited<ReturnType<typeof seedAccount>>;
let b: Awaited<ReturnType<typeof seedAccount>>;
let bReviewId: string;
let bKeyId: string;

interface RouteCase {
  method: string;
  path: () => string;
  scope: Scope;
  body?: () => unknown;
  /** A key with every scope but this route's (admin excluded: it holds all). */
  otherScopes: Scope[];
}

const routes: RouteCase[] = [
  {
    method: 'POST',
    path: () => '/v1/reviews',
    scope: 'reviews:write',
    body: () => makeReport(),
    otherScopes: ['reviews:read', 'config:read'],
  },
  {
    method: 'GET',
    path: () => '/v1/reviews',
    scope: 'reviews:read',
    otherScopes: ['reviews:write', 'config:read'],
  },
  {
    method: 'GET',
    path: () => `/v1/reviews/${bReviewId}`,
    scope: 'reviews:read',
    otherScopes: ['reviews:write', 'config:read'],
  },
  {
    method: 'GET',
    path: () => '/v1/config?repository=octo/hello',
    scope: 'config:read',
    otherScopes: ['reviews:write', 'reviews:read'],
  },
  {
    method: 'PUT',
    path: () => '/v1/config',
    scope: 'admin',
    body: () => ({ yaml: '' }),
    otherScopes: ['reviews:write', 'reviews:read', 'config:read'],
  },
  {
    method: 'POST',
    path: () => '/v1/keys',
    scope: 'admin',
    body: () => ({ name: 'k', scopes: ['admin'] }),
    otherScopes: ['reviews:write', 'reviews:read', 'config:read'],
  },
  {
    method: 'GET',
    path: () => '/v1/keys',
    scope: 'admin',
    otherScopes: ['reviews:write', 'reviews:read', 'config:read'],
  },
  {
    method: 'DELETE',
    path: () => `/v1/keys/${bKeyId}`,
    scope: 'admin',
    otherScopes: ['reviews:write', 'reviews:read', 'config:read'],
  },
  {
    method: 'GET',
    path: () => '/v1/account/export',
    scope: 'admin',
    otherScopes: ['reviews:write', 'reviews:read', 'config:read'],
  },
  {
    method: 'DELETE',
    path: () => '/v1/account',
    scope: 'admin',
    otherScopes: ['reviews:write', 'reviews:read', 'config:read'],
  },
  {
    method: 'DELETE',
    path: () => '/v1/repositories/octo/other-b',
    scope: 'admin',
    otherScopes: ['reviews:write', 'reviews:read', 'config:read'],
  },
];

beforeAll(async () => {
  s = await startServer({ config: { rateLimits: { perKeyPerMinute: 10_000, failedAuthPerMinute: 10_000 } } });
  a = await seedAccount(s.db, { name: 'A' });
  b = await seedAccount(s.db, { name: 'B' });
  const created = await s.call('POST', '/v1/reviews', {
    key: b.key,
    body: makeReport({ repository: 'octo/other-b' }),
  });
  expect(created.status).toBe(201);
  bReviewId = (created.json as { id: string }).id;
  bKeyId = (await seedKey(s.db, b.accountId, ['reviews:read'])).id;
});
afterAll(() => s.close());

describe.each(routes)('$method $scope route', (route) => {
  const call = (key: string | undefined, headers?: Record<string, string>) =>
    s.call(route.method, route.path(), {
      ...(key === undefined ? {} : { key }),
      ...(route.body ? { body: route.body() } : {}),
      ...(headers ? { headers } : {}),
    });

  it('refuses a request without a key (401, WWW-Authenticate: Bearer)', async () => {
    const res = await call(undefined);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses a key whose checksum does not match (401)', async () => {
    const good = generateKey();
    const flipped = good.slice(0, 10) + (good[10] === 'a' ? 'b' : 'a') + good.slice(11);
    expect((await call(flipped)).status).toBe(401);
  });

  it('refuses other authorization schemes (401)', async () => {
    const res = await call(undefined, {
      authorization: `Basic ${Buffer.from(`x:${a.key}`).toString('base64')}`,
    });
    expect(res.status).toBe(401);
  });

  it('refuses a well-formed unknown key (401)', async () => {
    expect((await call(generateKey())).status).toBe(401);
  });

  it('refuses a revoked key on its next request (401)', async () => {
    const k = await seedKey(s.db, a.accountId, [route.scope]);
    await revokeKey(s.db, k.id, T0);
    expect((await call(k.key)).status).toBe(401);
  });

  it('refuses an expired key (401)', async () => {
    const k = await seedKey(s.db, a.accountId, [route.scope], { expiresAt: new Date(T0.getTime() - 1) });
    expect((await call(k.key)).status).toBe(401);
  });

  it('refuses a key without the scope (403)', async () => {
    const k = await seedKey(s.db, a.accountId, route.otherScopes);
    const res = await call(k.key);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('refuses a key in the query string (400), even a valid one', async () => {
    const sep = route.path().includes('?') ? '&' : '?';
    const res = await s.call(
      route.method,
      `${route.path()}${sep}api_key=${a.key}`,
      route.body ? { body: route.body() } : {},
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'credential_in_query' } });
  });
});

describe('tenancy', () => {
  it("answers 404 for another account's review, exactly like a missing one", async () => {
    const other = await s.call('GET', `/v1/reviews/${bReviewId}`, { key: a.key });
    const missing = await s.call('GET', '/v1/reviews/00000000-0000-4000-8000-000000000000', { key: a.key });
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    const strip = (j: unknown) => ({ ...(j as { error: object }).error, requestId: undefined });
    expect(strip(other.json)).toEqual(strip(missing.json));
    // B still sees it.
    expect((await s.call('GET', `/v1/reviews/${bReviewId}`, { key: b.key })).status).toBe(200);
  });

  it("answers 404 when revoking another account's key, and the key keeps working", async () => {
    expect((await s.call('DELETE', `/v1/keys/${bKeyId}`, { key: a.key })).status).toBe(404);
    const bKey = await seedKey(s.db, b.accountId, ['reviews:read']);
    expect((await s.call('DELETE', `/v1/keys/${bKey.id}`, { key: a.key })).status).toBe(404);
    expect((await s.call('GET', '/v1/reviews', { key: bKey.key })).status).toBe(200);
  });

  it("answers 404 when disconnecting another account's repository, and keeps its data", async () => {
    expect((await s.call('DELETE', '/v1/repositories/octo/other-b', { key: a.key })).status).toBe(404);
    expect((await s.call('GET', `/v1/reviews/${bReviewId}`, { key: b.key })).status).toBe(200);
  });

  it("never lists another account's reviews", async () => {
    const res = await s.call('GET', '/v1/reviews?repository=octo/other-b', { key: a.key });
    expect(res.json).toEqual({ reviews: [], nextCursor: null });
  });

  it("never returns another account's config", async () => {
    await s.call('PUT', '/v1/config', {
      key: b.key,
      body: { repository: 'octo/other-b', yaml: 'fail-on: low\n' },
    });
    const res = await s.call('GET', '/v1/config?repository=octo/other-b', { key: a.key });
    expect(res.json).toMatchObject({ config: {}, yaml: { account: null, repository: null } });
  });
});

describe('keys for the action', () => {
  it('an action key (reviews:write, config:read) reports and reads config, nothing else', async () => {
    const k = await seedKey(s.db, a.accountId, ['reviews:write', 'config:read']);
    expect((await s.call('POST', '/v1/reviews', { key: k.key, body: makeReport() })).status).toBe(201);
    expect((await s.call('GET', '/v1/config?repository=octo/hello', { key: k.key })).status).toBe(200);
    expect((await s.call('GET', '/v1/reviews', { key: k.key })).status).toBe(403);
    expect((await s.call('GET', '/v1/keys', { key: k.key })).status).toBe(403);
    expect((await s.call('DELETE', '/v1/repositories/octo/hello', { key: k.key })).status).toBe(403);
  });

  it('revocation through the API takes effect on the next request', async () => {
    const k = await seedKey(s.db, a.accountId, ['reviews:read']);
    expect((await s.call('GET', '/v1/reviews', { key: k.key })).status).toBe(200);
    expect((await s.call('DELETE', `/v1/keys/${k.id}`, { key: a.key })).status).toBe(204);
    expect((await s.call('GET', '/v1/reviews', { key: k.key })).status).toBe(401);
  });

  it('a key expires at its expiry instant', async () => {
    const k = await seedKey(s.db, a.accountId, ['reviews:read'], {
      expiresAt: new Date(T0.getTime() + DAY_MS),
    });
    expect((await s.call('GET', '/v1/reviews', { key: k.key })).status).toBe(200);
    s.time.advance(DAY_MS);
    try {
      expect((await s.call('GET', '/v1/reviews', { key: k.key })).status).toBe(401);
    } finally {
      s.time.set(T0);
    }
  });

  it('records last use at most once a minute', async () => {
    const k = await seedKey(s.db, a.accountId, ['reviews:read']);
    const lastUsed = async () => {
      const keys = (await s.call('GET', '/v1/keys', { key: a.key })).json as {
        keys: { id: string; lastUsedAt: string | null }[];
      };
      return keys.keys.find((x) => x.id === k.id)?.lastUsedAt;
    };
    expect(await lastUsed()).toBeNull();
    await s.call('GET', '/v1/reviews', { key: k.key });
    expect(await lastUsed()).toBe(T0.toISOString());
    s.time.advance(30_000);
    await s.call('GET', '/v1/reviews', { key: k.key });
    expect(await lastUsed()).toBe(T0.toISOString());
    s.time.advance(31_000);
    await s.call('GET', '/v1/reviews', { key: k.key });
    expect(await lastUsed()).toBe(new Date(T0.getTime() + 61_000).toISOString());
    s.time.set(T0);
  });
});
