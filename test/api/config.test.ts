import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, seedAccount, seedKey, startServer, type TestServer } from './helpers.js';

let s: TestServer;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let actionKey: string;

beforeAll(async () => {
  s = await startServer();
  acct = await seedAccount(s.db);
  actionKey = (await seedKey(s.db, acct.accountId, ['reviews:write', 'config:read'])).key;
});
afterAll(() => s.close());

describe('hosted config', () => {
  it('is empty before anything is stored', async () => {
    const res = await s.call('GET', '/v1/config?repository=octo/hello', { key: actionKey });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      repository: 'octo/hello',
      config: {},
      yaml: { account: null, repository: null },
    });
  });

  it("lays the account's per-repository config over its default, key by key", async () => {
    const put = await s.call('PUT', '/v1/config', {
      key: acct.key,
      body: {
        yaml: 'fail-on: high\nexclude:\n  - "*.lock"\nbudget:\n  max-cost-usd: 1\n  max-input-tokens: 90000\n',
      },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ repository: null, config: { 'fail-on': 'high' } });
    await s.call('PUT', '/v1/config', {
      key: acct.key,
      body: {
        repository: 'octo/hello',
        yaml: 'fail-on: none\nexclude: ["dist/**"]\nmodel: claude-x\nbudget:\n  max-cost-usd: 5\n',
      },
    });
    const res = await s.call('GET', '/v1/config?repository=Octo/Hello', { key: actionKey });
    expect(res.json).toMatchObject({
      // Both layers are the admin's: the more specific one wins, looser or not; nested keys one by one.
      config: {
        'fail-on': 'none',
        exclude: ['dist/**'],
        model: 'claude-x',
        budget: { 'max-cost-usd': 5, 'max-input-tokens': 90000 },
      },
      yaml: {
        account: expect.stringContaining('fail-on: high'),
        repository: expect.stringContaining('fail-on: none'),
      },
    });
    const other = await s.call('GET', '/v1/config?repository=octo/other', { key: actionKey });
    expect(other.json).toMatchObject({ config: { 'fail-on': 'high' }, yaml: { repository: null } });
    const none = await s.call('GET', '/v1/config', { key: actionKey });
    expect(none.json).toMatchObject({ repository: null, config: { 'fail-on': 'high' } });
  });

  it('replaces a stored config', async () => {
    await s.call('PUT', '/v1/config', { key: acct.key, body: { yaml: 'fail-on: low\n' } });
    const res = await s.call('GET', '/v1/config', { key: actionKey });
    expect(res.json).toMatchObject({ config: { 'fail-on': 'low' } });
  });

  it('refuses invalid YAML config with 422 and issues naming key and line', async () => {
    const res = await s.call('PUT', '/v1/config', {
      key: acct.key,
      body: { yaml: 'fail-on: high\nmax-comments: lots\nbogus: 1\n' },
    });
    expect(res.status).toBe(422);
    const issues = (res.json as { error: { code: string; issues: { key: string; line: number }[] } }).error;
    expect(issues.code).toBe('invalid_config');
    expect(issues.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'max-comments', line: 2 }),
        expect.objectContaining({ key: 'bogus', line: 3 }),
      ]),
    );
    const broken = await s.call('PUT', '/v1/config', { key: acct.key, body: { yaml: 'a: [\n' } });
    expect(broken.status).toBe(422);
  });

  it('refuses unknown body fields and bad repository names', async () => {
    expect(
      (await s.call('PUT', '/v1/config', { key: acct.key, body: { yaml: '', accountId: 'x' } })).status,
    ).toBe(422);
    expect(
      (await s.call('PUT', '/v1/config', { key: acct.key, body: { yaml: '', repository: '../etc' } })).status,
    ).toBe(422);
    expect((await s.call('GET', '/v1/config?repository=nope', { key: actionKey })).status).toBe(400);
  });

  it('writes an audit entry for each change', async () => {
    const rows = (await auditEntries(s.db, acct.accountId)).filter((e) => e.action === 'config.update');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.actor === `key:${acct.keyId}`)).toBe(true);
    expect(rows.map((r) => r.target)).toContain('octo/hello');
  });
});
