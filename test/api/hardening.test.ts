import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../api/auth/key-format.js';
import { signPayload } from '../../api/github-webhook.js';
import { makeReport, seedAccount, startServer, type TestServer } from './helpers.js';

describe('headers, errors, CORS', () => {
  let s: TestServer;
  let acct: Awaited<ReturnType<typeof seedAccount>>;
  beforeAll(async () => {
    s = await startServer();
    acct = await seedAccount(s.db);
  });
  afterAll(() => s.close());

  it('sets security headers and an explicit CSP on API answers', async () => {
    const res = await s.call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const err = await s.call('GET', '/v1/reviews');
    expect(err.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers no CORS: no Access-Control headers, preflight not honoured', async () => {
    const res = await s.call('GET', '/v1/reviews', {
      key: acct.key,
      headers: { origin: 'https://evil.example' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const pre = await s.call('OPTIONS', '/v1/reviews', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.status).toBeGreaterThanOrEqual(400);
  });

  it('answers unknown routes and errors as JSON without internals', async () => {
    const res = await s.call('GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: 'not_found', message: 'Not found' } });
    const bad = await s.call('POST', '/v1/reviews', {
      key: acct.key,
      body: '{"x":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.text).not.toMatch(/at |node_modules|SyntaxError/);
  });
});

describe('request logs', () => {
  it('never contain keys, bodies or query strings', async () => {
    const s = await startServer();
    try {
      const acct = await seedAccount(s.db);
      const marker = 'UNIQUE_BODY_MARKER_31337';
      await s.call('POST', '/v1/reviews', { key: acct.key, body: makeReport({ model: marker }) });
      await s.call('GET', `/v1/reviews?repository=octo/hello&cursor=${marker}`, { key: acct.key });
      await s.call('GET', `/v1/reviews?token=${acct.key}`);
      await s.call('GET', '/v1/reviews', { key: generateKey() });
      const text = JSON.stringify(s.logs);
      expect(s.logs.filter((l) => l.msg === 'request')).toHaveLength(4);
      expect(text).not.toContain(acct.key);
      expect(text).not.toContain('dfr_');
      expect(text).not.toContain(marker);
      expect(text).not.toContain('?');
      expect(s.logs[0]).toMatchObject({
        method: 'POST',
        path: '/v1/reviews',
        status: 201,
        accountId: acct.accountId,
      });
    } finally {
      await s.close();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After to further failed authentications from an address that failed too often', async () => {
    const s = await startServer({
      config: { rateLimits: { perKeyPerMinute: 1_000, failedAuthPerMinute: 5 } },
    });
    try {
      for (let i = 0; i < 5; i += 1)
        expect((await s.call('GET', '/v1/reviews', { key: generateKey() })).status).toBe(401);
      const limited = await s.call('GET', '/v1/reviews', { key: generateKey() });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Malformed keys and other schemes count as failures too.
      expect((await s.call('GET', '/v1/reviews', { key: 'dfr_nope' })).status).toBe(429);
      expect((await s.call('GET', '/v1/reviews', { headers: { authorization: 'Basic eDp5' } })).status).toBe(
        429,
      );
      s.time.advance(60_000);
      expect((await s.call('GET', '/v1/reviews', { key: generateKey() })).status).toBe(401);
    } finally {
      await s.close();
    }
  });

  it("never refuses a valid key because of other callers' failures from the same address", async () => {
    // Behind a proxy without TRUST_PROXY every caller shares one address: one client's bad key must not
    // lock out everyone else's good ones.
    const s = await startServer({
      config: { rateLimits: { perKeyPerMinute: 1_000, failedAuthPerMinute: 5 } },
    });
    try {
      const acct = await seedAccount(s.db);
      for (let i = 0; i < 20; i += 1) await s.call('GET', '/v1/reviews', { key: generateKey() });
      expect((await s.call('GET', '/v1/reviews', { key: generateKey() })).status).toBe(429);
      expect((await s.call('GET', '/v1/reviews', { key: acct.key })).status).toBe(200);
      expect((await s.call('POST', '/v1/reviews', { key: acct.key, body: makeReport() })).status).toBe(201);
      // The failures still count: the next bad key is refused at once.
      expect((await s.call('GET', '/v1/reviews', { key: generateKey() })).status).toBe(429);
    } finally {
      await s.close();
    }
  });

  it('never refuses a webhook delivery with a valid signature because of bad signatures from its address', async () => {
    const secret = 'a-webhook-secret-of-some-length';
    const s = await startServer({
      config: { webhookSecrets: [secret], rateLimits: { perKeyPerMinute: 1_000, failedAuthPerMinute: 3 } },
    });
    try {
      const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
      const deliver = (signature: string) =>
        s.call('POST', '/v1/github/webhook', {
          body,
          headers: {
            'x-github-event': 'ping',
            'x-github-delivery': randomUUID(),
            'x-hub-signature-256': signature,
          },
        });
      const forged = signPayload('not-the-secret-at-all', body);
      for (let i = 0; i < 3; i += 1) expect((await deliver(forged)).status).toBe(401);
      expect((await deliver(forged)).status).toBe(429);
      const genuine = await deliver(signPayload(secret, body));
      expect(genuine.status).toBe(200);
      expect(genuine.json).toEqual({ status: 'ignored', deletedFrom: 0, movedIn: 0 });
      expect((await deliver(forged)).status).toBe(429);
    } finally {
      await s.close();
    }
  });

  it('answers 429 with Retry-After when one key sends too many requests, other keys unaffected', async () => {
    const s = await startServer({ config: { rateLimits: { perKeyPerMinute: 3, failedAuthPerMinute: 100 } } });
    try {
      const a = await seedAccount(s.db, { name: 'a' });
      const b = await seedAccount(s.db, { name: 'b' });
      for (let i = 0; i < 3; i += 1)
        expect((await s.call('GET', '/v1/reviews', { key: a.key })).status).toBe(200);
      const limited = await s.call('GET', '/v1/reviews', { key: a.key });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('20');
      expect(limited.json).toMatchObject({ error: { code: 'rate_limited' } });
      expect((await s.call('GET', '/v1/reviews', { key: b.key })).status).toBe(200);
      s.time.advance(20_000);
      expect((await s.call('GET', '/v1/reviews', { key: a.key })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('GET /v1/openapi.json', () => {
  it('documents every route from the validating schemas', async () => {
    const s = await startServer({ config: { webhookSecrets: ['a-webhook-secret-of-some-length'] } });
    try {
      const res = await s.call('GET', '/v1/openapi.json');
      expect(res.status).toBe(200);
      const doc = res.json as {
        openapi: string;
        paths: Record<
          string,
          Record<
            string,
            {
              requestBody?: {
                content: Record<
                  string,
                  { schema: { properties?: object; additionalProperties?: unknown; $ref?: string } }
                >;
              };
            }
          >
        >;
        components: { securitySchemes: object; schemas: Record<string, { additionalProperties?: unknown }> };
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          '/healthz',
          '/readyz',
          '/v1/account',
          '/v1/account/export',
          '/v1/answers',
          '/v1/config',
          '/v1/dismissals',
          '/v1/dismissals/{id}/accept',
          '/v1/dismissals/{id}/decline',
          '/v1/github/webhook',
          '/v1/keys',
          '/v1/keys/{id}',
          '/v1/me',
          '/v1/repositories/{owner}/{name}',
          '/v1/reviews',
          '/v1/reviews/{id}',
        ].sort(),
      );
      expect(Object.keys(doc.paths['/v1/reviews']!)).toEqual(expect.arrayContaining(['get', 'post']));
      const body = doc.paths['/v1/reviews']!.post!.requestBody!.content['application/json']!.schema;
      expect(body.properties).toHaveProperty('findings');
      expect(body.additionalProperties).toBe(false);
      expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
    } finally {
      await s.close();
    }
  });
});
