import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getReview } from '../../api/db/index.js';
import { DAY_MS } from '../../shared/index.js';
import {
  countRows,
  makeFinding,
  makeReport,
  rawRequest,
  rowsOf,
  seedAccount,
  startServer,
  T0,
  type TestServer,
} from './helpers.js';

let s: TestServer;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  s = await startServer();
  acct = await seedAccount(s.db);
});
afterAll(() => s.close());

const post = (body: unknown) => s.call('POST', '/v1/reviews', { key: acct.key, body });

describe('POST /v1/reviews', () => {
  it('stores a review and answers 201 with its id and page URL', async () => {
    const res = await post(makeReport());
    expect(res.status).toBe(201);
    const { id, url } = res.json as { id: string; url: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(url).toBe(`https://diffray.test/reviews/${id}`);
    const got = await s.call('GET', `/v1/reviews/${id}`, { key: acct.key });
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      id,
      repository: 'octo/hello',
      pullRequest: 7,
      counts: { critical: 0, high: 1, medium: 0, low: 0 },
      tokens: { input: 1200, cacheRead: 800 },
      coverage: { filesReviewed: 3 },
      createdAt: T0.toISOString(),
      expiresAt: new Date(T0.getTime() + 30 * DAY_MS).toISOString(),
      findings: [{ path: 'src/app.ts', line: 10, severity: 'high', title: 'Null dereference' }],
    });
  });

  it('ids are random, never sequential', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => ((await post(makeReport())).json as { id: string }).id),
    );
    expect(new Set(ids).size).toBe(3);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('strips fenced code and suggestion blocks from finding text before storing it', async () => {
    const body =
      'Use a guard.\n```suggestion\nconst SECRET_CODE_42 = 1;\n```\nand\n~~~ts\nlet x = SECRET_CODE_43;\n~~~\nDone.';
    const res = await post(
      makeReport({ findings: [makeFinding({ body, title: 'Guard ```SECRET_CODE_44``` here' })] }),
    );
    const id = (res.json as { id: string }).id;
    const got = (await s.call('GET', `/v1/reviews/${id}`, { key: acct.key })).json as {
      findings: { body: string; title: string }[];
    };
    expect(got.findings[0]!.body).toBe('Use a guard.\n[code omitted]\nand\n[code omitted]\nDone.');
    expect(JSON.stringify(got)).not.toMatch(/SECRET_CODE_4[23]/);
    expect(got.findings[0]!.title).not.toContain('```');
    const stored = (await getReview(s.db, { accountId: acct.accountId, id, now: s.time.clock() }))!;
    expect(stored.findings.some((f) => f.body.includes('SECRET_CODE'))).toBe(false);
  });

  it('stores the walkthrough sealed, as prose only: code stripped, lines kept to one line; a review without one has none; GET shows it', async () => {
    const res = await post(
      makeReport({
        walkthrough: {
          overview: ['Adds parsing.\n```ts\nconst SECRET_CODE_45 = 1;\n```', '```\nSECRET_CODE_46\n```'],
          files: [
            { path: 'src/app.ts', summary: 'Trims\nparts.' },
            { path: 'src/gone.ts', summary: '```\nSECRET_CODE_47\n```' },
          ],
        },
      }),
    );
    expect(res.status).toBe(201);
    const id = (res.json as { id: string }).id;
    const raw = (
      await rowsOf<{ walkthrough: string }>(s.db, 'SELECT walkthrough FROM reviews WHERE id = ?', id)
    )[0]!;
    // Sealed at rest like the finding texts: neither the code nor the prose is in the column.
    expect(raw.walkthrough).not.toMatch(/SECRET_CODE|Adds parsing/);
    const stored = (await getReview(s.db, { accountId: acct.accountId, id, now: s.time.clock() }))!;
    expect(stored.walkthrough).toEqual({
      overview: ['Adds parsing. [code omitted]', '[code omitted]'],
      files: [
        { path: 'src/app.ts', summary: 'Trims parts.' },
        { path: 'src/gone.ts', summary: '[code omitted]' },
      ],
    });
    // GET /v1/reviews/:id shows it as the page does.
    const got = await s.call('GET', `/v1/reviews/${id}`, { key: acct.key });
    expect((got.json as { walkthrough: unknown }).walkthrough).toEqual(stored.walkthrough);
    const plain = await post(makeReport());
    const plainId = (plain.json as { id: string }).id;
    const none = (await rowsOf(s.db, 'SELECT walkthrough FROM reviews WHERE id = ?', plainId))[0];
    expect(none).toEqual({ walkthrough: null });
    const gotNone = await s.call('GET', `/v1/reviews/${plainId}`, { key: acct.key });
    expect((gotNone.json as { walkthrough: unknown }).walkthrough).toBeNull();
    // Over its limits, like a finding body: refused.
    const long = makeReport({ walkthrough: { overview: ['x'.repeat(601)], files: [] } });
    expect((await post(long)).status).toBe(422);
  });

  it('takes ids, account and timestamps from the server, never the body (unknown fields → 422)', async () => {
    for (const extra of [
      { id: 'mine' },
      { accountId: 'other' },
      { createdAt: '2020-01-01T00:00:00Z' },
      { expiresAt: 'x' },
    ]) {
      const res = await post({ ...makeReport(), ...extra });
      expect(res.status).toBe(422);
      expect(res.json).toMatchObject({ error: { code: 'invalid_request' } });
    }
    const res = await post(makeReport({ findings: [{ ...makeFinding(), suggestion: 'code' } as never] }));
    expect(res.status).toBe(422);
  });

  it('refuses more than 500 findings (422) and accepts exactly 500', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => makeFinding({ line: i + 1 }));
    expect((await post(makeReport({ findings: many(501) }))).status).toBe(422);
    expect((await post(makeReport({ findings: many(500) }))).status).toBe(201);
  });

  it('refuses over-long text (422) and malformed JSON (400)', async () => {
    expect((await post(makeReport({ findings: [makeFinding({ body: 'x'.repeat(4_001) })] }))).status).toBe(
      422,
    );
    expect((await post(makeReport({ model: 'm'.repeat(101) }))).status).toBe(422);
    const bad = await s.call('POST', '/v1/reviews', { key: acct.key, body: '{"repository":' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('refuses a body over 1 MB with 413, with Content-Length', async () => {
    const big = Buffer.alloc(1_048_577, 0x20);
    const res = await rawRequest(s.url, {
      method: 'POST',
      path: '/v1/reviews',
      headers: { authorization: `Bearer ${acct.key}`, 'content-type': 'application/json' },
      chunks: [big],
      contentLength: true,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('refuses a chunked body over 1 MB without Content-Length with 413, not 500', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const res = await rawRequest(s.url, {
      method: 'POST',
      path: '/v1/reviews',
      headers: { authorization: `Bearer ${acct.key}`, 'content-type': 'application/json' },
      chunks: Array.from({ length: 20 }, () => chunk),
      contentLength: false,
    });
    expect(res.status).toBe(413);
  });

  it('closes the connection after a 413, so a keep-alive client does not reuse it mid-body', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const headers = { authorization: `Bearer ${acct.key}`, 'content-type': 'application/json' };
    const good = Buffer.from(JSON.stringify(makeReport()));
    try {
      for (const contentLength of [true, false]) {
        const big = contentLength
          ? [Buffer.alloc(1_048_577, 0x20)]
          : Array.from({ length: 20 }, () => Buffer.alloc(65_536, 0x20));
        const tooBig = await rawRequest(s.url, {
          method: 'POST',
          path: '/v1/reviews',
          headers,
          chunks: big,
          contentLength,
          agent,
        });
        expect(tooBig.status).toBe(413);
        expect(tooBig.headers.connection).toBe('close');
        const next = await rawRequest(s.url, {
          method: 'POST',
          path: '/v1/reviews',
          headers,
          chunks: [good],
          contentLength: true,
          agent,
        });
        expect(next.status).toBe(201);
      }
    } finally {
      agent.destroy();
    }
  });

  it('accepts a chunked body under the limit', async () => {
    const json = Buffer.from(JSON.stringify(makeReport()));
    const res = await rawRequest(s.url, {
      method: 'POST',
      path: '/v1/reviews',
      headers: { authorization: `Bearer ${acct.key}`, 'content-type': 'application/json' },
      chunks: [json.subarray(0, 50), json.subarray(50)],
      contentLength: false,
    });
    expect(res.status).toBe(201);
  });
});

describe('GET /v1/reviews', () => {
  it('pages newest first with a cursor, per repository', async () => {
    const other = await seedAccount(s.db, { name: 'pager' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      s.time.advance(1_000);
      const res = await s.call('POST', '/v1/reviews', {
        key: other.key,
        body: makeReport({ repository: 'octo/paged', pullRequest: i + 1 }),
      });
      ids.push((res.json as { id: string }).id);
    }
    await s.call('POST', '/v1/reviews', {
      key: other.key,
      body: makeReport({ repository: 'octo/elsewhere' }),
    });
    s.time.set(T0);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/reviews?repository=OCTO/paged&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await s.call('GET', q, { key: other.key })).json as {
        reviews: { id: string }[];
        nextCursor: string | null;
      };
      expect(page.reviews.length).toBeLessThanOrEqual(2);
      seen.push(...page.reviews.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('caps the page size at 100 (400 above) and refuses a forged cursor', async () => {
    expect((await s.call('GET', '/v1/reviews?limit=100', { key: acct.key })).status).toBe(200);
    const over = await s.call('GET', '/v1/reviews?limit=101', { key: acct.key });
    expect(over.status).toBe(400);
    expect((await s.call('GET', '/v1/reviews?limit=0', { key: acct.key })).status).toBe(400);
    expect((await s.call('GET', '/v1/reviews?cursor=bm9wZQ', { key: acct.key })).status).toBe(400);
    expect((await s.call('GET', '/v1/reviews?unknown=1', { key: acct.key })).status).toBe(400);
  });
});

describe('retention of reviews', () => {
  it('a review is readable 30 days minus one second after creation and 404 one second after, before any purge', async () => {
    const r = await seedAccount(s.db, { name: 'retention' });
    const id = (
      (await s.call('POST', '/v1/reviews', { key: r.key, body: makeReport({ repository: 'octo/ret' }) }))
        .json as { id: string }
    ).id;
    try {
      s.time.set(new Date(T0.getTime() + 30 * DAY_MS - 1_000));
      expect((await s.call('GET', `/v1/reviews/${id}`, { key: r.key })).status).toBe(200);
      expect(
        (
          (await s.call('GET', '/v1/reviews?repository=octo/ret', { key: r.key })).json as {
            reviews: unknown[];
          }
        ).reviews,
      ).toHaveLength(1);
      s.time.set(new Date(T0.getTime() + 30 * DAY_MS + 1_000));
      expect((await s.call('GET', `/v1/reviews/${id}`, { key: r.key })).status).toBe(404);
      expect(
        (
          (await s.call('GET', '/v1/reviews?repository=octo/ret', { key: r.key })).json as {
            reviews: unknown[];
          }
        ).reviews,
      ).toHaveLength(0);
      // Not purged yet: the row is still there, just not served.
      expect(await countRows(s.db, 'reviews', 'id = ?', id)).toBe(1);
    } finally {
      s.time.set(T0);
    }
  });
});
