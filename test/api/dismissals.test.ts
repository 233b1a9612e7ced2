import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DismissalReport } from '../../shared/index.js';
import { purge } from '../../api/db/index.js';
import { purgeCutoffs } from '../../api/retention.js';
import { countRows, seedAccount, seedKey, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let actionKey: string;

beforeAll(async () => {
  s = await startServer();
  acct = await seedAccount(s.db);
  actionKey = (await seedKey(s.db, acct.accountId, ['reviews:write', 'config:read'])).key;
});
afterAll(() => s.close());

const REPORT: DismissalReport = {
  repository: 'octo/hello',
  pullRequest: 7,
  fingerprint: '0123456789abcdef',
  category: 'correctness',
  severity: 'high',
  title: 'Off-by-one in count',
  pathPattern: 'src/**/*.ts',
  reason: 'callers subtract one ```const x = items.length - 1;``` as documented',
  by: 'maintainer',
};

describe('dismissals', () => {
  it('are stored without code, listed per repository with the instruction each would become', async () => {
    const created = await s.call('POST', '/v1/dismissals', { key: actionKey, body: REPORT });
    expect(created.status).toBe(201);
    const res = await s.call('GET', '/v1/dismissals?repository=Octo/Hello', { key: acct.key });
    expect(res.status).toBe(200);
    const [d] = (res.json as { dismissals: Record<string, unknown>[] }).dismissals;
    expect(d).toMatchObject({
      repository: 'octo/hello',
      category: 'correctness',
      pathPattern: 'src/**/*.ts',
      by: 'maintainer',
      acceptedAt: null,
      instruction: { paths: ['src/**/*.ts'], text: expect.stringContaining('Off-by-one in count') },
    });
    expect(String(d!.reason)).not.toContain('items.length');
  });

  it('refuses a report that is not one, and a key without the scope', async () => {
    const bad = await s.call('POST', '/v1/dismissals', {
      key: actionKey,
      body: { ...REPORT, category: 'vibes' },
    });
    expect(bad.status).toBe(422);
    const readOnly = (await seedKey(s.db, acct.accountId, ['reviews:read'])).key;
    expect((await s.call('POST', '/v1/dismissals', { key: readOnly, body: REPORT })).status).toBe(403);
    expect((await s.call('GET', '/v1/dismissals?repository=octo/hello', { key: actionKey })).status).toBe(
      403,
    );
  });

  it("become an instruction in the repository's hosted config when an admin accepts one", async () => {
    await s.call('PUT', '/v1/config', {
      key: acct.key,
      body: {
        repository: 'octo/hello',
        yaml: 'fail-on: high\ninstructions:\n  - paths: ["api/**"]\n    text: Check scopes.\n',
      },
    });
    const list = await s.call('GET', '/v1/dismissals?repository=octo/hello', { key: acct.key });
    const id = (list.json as { dismissals: { id: string }[] }).dismissals[0]!.id;
    expect((await s.call('POST', `/v1/dismissals/${id}/accept`, { key: actionKey })).status).toBe(403);

    const accepted = await s.call('POST', `/v1/dismissals/${id}/accept`, { key: acct.key });
    expect(accepted.status).toBe(200);
    const config = await s.call('GET', '/v1/config?repository=octo/hello', { key: actionKey });
    expect(config.json).toMatchObject({
      config: {
        'fail-on': 'high',
        instructions: [
          { paths: ['api/**'], text: 'Check scopes.' },
          { paths: ['src/**/*.ts'], text: expect.stringContaining('Do not report correctness findings') },
        ],
      },
    });
    const after = await s.call('GET', '/v1/dismissals?repository=octo/hello', { key: acct.key });
    expect(
      (after.json as { dismissals: { acceptedAt: string | null }[] }).dismissals[0]!.acceptedAt,
    ).not.toBeNull();
    expect((await s.call('POST', '/v1/dismissals/nope/accept', { key: acct.key })).status).toBe(404);
    // Accepted once: a second accept would add the same instruction again, and a decline comes too late.
    expect((await s.call('POST', `/v1/dismissals/${id}/accept`, { key: acct.key })).status).toBe(409);
    expect((await s.call('POST', `/v1/dismissals/${id}/decline`, { key: acct.key })).status).toBe(409);
  });

  it('are declined by an admin: listed as declined, the config untouched, and accepted later if wanted', async () => {
    const created = await s.call('POST', '/v1/dismissals', {
      key: actionKey,
      body: { ...REPORT, repository: 'octo/other' },
    });
    const { id } = created.json as { id: string };
    expect((await s.call('POST', `/v1/dismissals/${id}/decline`, { key: actionKey })).status).toBe(403);
    const declined = await s.call('POST', `/v1/dismissals/${id}/decline`, { key: acct.key });
    expect(declined.status).toBe(200);
    expect((await s.call('POST', `/v1/dismissals/${id}/decline`, { key: acct.key })).status).toBe(409);
    const list = await s.call('GET', '/v1/dismissals?repository=octo/other', { key: acct.key });
    expect((list.json as { dismissals: Record<string, unknown>[] }).dismissals[0]).toMatchObject({
      declinedAt: expect.any(String),
      acceptedAt: null,
    });
    expect((await s.call('GET', '/v1/config?repository=octo/other', { key: actionKey })).json).toMatchObject({
      yaml: { repository: null },
    });

    expect((await s.call('POST', `/v1/dismissals/${id}/accept`, { key: acct.key })).status).toBe(200);
    const after = await s.call('GET', '/v1/dismissals?repository=octo/other', { key: acct.key });
    expect((after.json as { dismissals: Record<string, unknown>[] }).dismissals[0]).toMatchObject({
      declinedAt: null,
      acceptedAt: expect.any(String),
    });
  });

  it('are accepted once when two admins accept together: one instruction in the config, one 409', async () => {
    const created = await s.call('POST', '/v1/dismissals', {
      key: actionKey,
      body: { ...REPORT, repository: 'octo/twice' },
    });
    const { id } = created.json as { id: string };
    const answers = await Promise.all(
      [0, 1].map(() => s.call('POST', `/v1/dismissals/${id}/accept`, { key: acct.key })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const config = await s.call('GET', '/v1/config?repository=octo/twice', { key: actionKey });
    expect((config.json as { config: { instructions: unknown[] } }).config.instructions).toHaveLength(1);
  });
});

describe('dismissals over time', () => {
  it('are in the account export, and purged with the reviews after 30 days', async () => {
    const exported = await s.call('GET', '/v1/account/export', { key: acct.key });
    expect((exported.json as { dismissals: unknown[] }).dismissals).not.toHaveLength(0);
    const result = await purge(s.db, purgeCutoffs(new Date(Date.now() + 31 * 86_400_000)));
    expect(result.dismissals).toBeGreaterThan(0);
    expect(await countRows(s.db, 'dismissals')).toBe(0);
  });
});
