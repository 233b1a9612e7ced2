import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../shared/index.js';
import { makeFinding, makeReport, rowsOf, seedAccount, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let acct: Awaited<ReturnType<typeof seedAccount>>;

beforeAll(async () => {
  s = await startServer();
  acct = await seedAccount(s.db);
});
afterAll(() => s.close());

const FIRST_HEAD = 'c'.repeat(40);
const SECOND_HEAD = 'd'.repeat(40);
const fp = (n: number) => String(n).repeat(16);
const meta = { title: 'Fix the parser', branch: 'fix/parser', author: 'octocat' } as const;

async function post(body: unknown): Promise<string> {
  const res = await s.call('POST', '/v1/reviews', { key: acct.key, body });
  expect(res.status).toBe(201);
  return (res.json as { id: string }).id;
}

const aggregates = () =>
  rowsOf<Record<string, number>>(
    s.db,
    'SELECT reviews, critical, high, medium, low, fixed, dismissed, cost_micros, fixed_in_1d, fixed_in_3d, category_security FROM daily_aggregates',
  );

describe('a review is the pull request at its head', () => {
  let second: string;

  beforeAll(async () => {
    await post(
      makeReport({
        ...meta,
        event: 'push',
        headSha: FIRST_HEAD,
        findings: [
          makeFinding({ fingerprint: fp(1), state: 'new', firstSeen: FIRST_HEAD }),
          makeFinding({ fingerprint: fp(2), state: 'new', firstSeen: FIRST_HEAD, category: 'security' }),
          makeFinding({ fingerprint: fp(3), state: 'new', firstSeen: FIRST_HEAD, severity: 'low' }),
        ],
      }),
    );
    s.time.advance(2 * DAY_MS);
    second = await post(
      makeReport({
        ...meta,
        event: 're-run',
        headSha: SECOND_HEAD,
        conclusion: 'failure',
        reason: '1 finding at or above high',
        findings: [
          makeFinding({ fingerprint: fp(1), state: 'open', firstSeen: FIRST_HEAD }),
          makeFinding({ fingerprint: fp(2), state: 'fixed', firstSeen: FIRST_HEAD, category: 'security' }),
          makeFinding({
            fingerprint: fp(3),
            state: 'dismissed',
            firstSeen: FIRST_HEAD,
            severity: 'low',
            dismissal: { by: 'maintainer', reason: 'by design ```x = 1```' },
          }),
        ],
      }),
    );
  });

  it('GET /v1/reviews/:id gives each finding its state, the open counts, the PR and why it concluded so', async () => {
    const got = await s.call('GET', `/v1/reviews/${second}`, { key: acct.key });
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      counts: { critical: 0, high: 1, medium: 0, low: 0 },
      fixed: 1,
      dismissed: 1,
      pullRequestTitle: 'Fix the parser',
      branch: 'fix/parser',
      author: 'octocat',
      event: 're-run',
      reason: '1 finding at or above high',
    });
    const findings = (got.json as { findings: Record<string, unknown>[] }).findings;
    const byFp = new Map(findings.map((f) => [f.fingerprint, f]));
    expect(byFp.get(fp(1))).toMatchObject({ state: 'open', firstSeen: FIRST_HEAD });
    expect(byFp.get(fp(2))).toMatchObject({ state: 'fixed' });
    expect(byFp.get(fp(3))).toMatchObject({
      state: 'dismissed',
      dismissal: { by: 'maintainer', reason: 'by design [code omitted]' },
    });
  });

  it('lists reviews with the PR title, branch and author', async () => {
    const list = await s.call('GET', '/v1/reviews', { key: acct.key });
    const reviews = (list.json as { reviews: Record<string, unknown>[] }).reviews;
    expect(reviews[0]).toMatchObject({ ...{ pullRequestTitle: meta.title }, branch: meta.branch });
  });

  it('seals what names the PR and its people: no plaintext title, branch, login or reason in the database', async () => {
    const rows = await rowsOf<{ details: string }>(s.db, 'SELECT details FROM reviews');
    for (const { details } of rows) {
      expect(details).toMatch(/^v1\./);
      for (const word of ['Fix the parser', 'octocat', 'maintainer', 'by design'])
        expect(details).not.toContain(word);
    }
  });

  it('counts each finding once in the day counts: introduced, fixed (with how long it took), newly dismissed, cost', async () => {
    const rows = await aggregates();
    const sum = (k: string) => rows.reduce((n, r) => n + r[k]!, 0);
    expect(sum('reviews')).toBe(2);
    expect(sum('high') + sum('low')).toBe(3);
    expect(sum('category_security')).toBe(1);
    expect(sum('fixed')).toBe(1);
    expect(sum('fixed_in_3d')).toBe(1);
    expect(sum('dismissed')).toBe(1);
    expect(sum('cost_micros')).toBe(2 * 12_300);
  });

  it('counts a dismissal once when later runs report it again', async () => {
    await post(
      makeReport({
        headSha: SECOND_HEAD,
        event: 're-run',
        findings: [makeFinding({ fingerprint: fp(3), state: 'dismissed', severity: 'low' })],
      }),
    );
    expect((await aggregates()).reduce((n, r) => n + r.dismissed!, 0)).toBe(1);
  });

  it('still takes a report of an older action, whose findings are all new', async () => {
    const id = await post(makeReport());
    const got = await s.call('GET', `/v1/reviews/${id}`, { key: acct.key });
    expect(got.json).toMatchObject({
      pullRequestTitle: null,
      event: null,
      findings: [{ state: 'new', firstSeen: null }],
    });
  });
});
