/**
 * What a person may ask of the account over the JSON API: everything it holds (the export leaves nothing
 * out), its deletion only when they name it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, recordAudit } from '../../api/db/index.js';
import { DAY_MS } from '../../shared/index.js';
import { countRows, seedAccount, startServer, T0, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const count = (table: string, where?: string, ...args: unknown[]) => countRows(s.db, table, where, ...args);

describe('GET /v1/account/export', () => {
  it("holds the whole audit log, however long, and the account's sessions without their tokens", async () => {
    const a = seedAccount(s.db, { name: 'audited' });
    s.db.orm.transaction((tx) => {
      for (let i = 0; i < 1_100; i += 1)
        recordAudit(tx, {
          accountId: a.accountId,
          actor: 'cli',
          action: 'key.create',
          target: `k${i}`,
          at: T0,
        });
    });
    createSession(s.db.orm, {
      accountId: a.accountId,
      apiKeyId: a.keyId,
      now: T0,
      expiresAt: new Date(T0.getTime() + DAY_MS),
    });
    const res = await s.call('GET', '/v1/account/export', { key: a.key });
    expect(res.status).toBe(200);
    const data = res.json as { auditLog: { target: string | null }[]; sessions?: Record<string, unknown>[] };
    // 1,100 entries and the export's own.
    expect(data.auditLog).toHaveLength(1_101);
    expect(data.auditLog.filter((e) => e.target === 'k0')).toHaveLength(1);
    expect(data.sessions).toEqual([
      {
        userId: null,
        apiKeyId: a.keyId,
        createdAt: T0.toISOString(),
        expiresAt: new Date(T0.getTime() + DAY_MS).toISOString(),
        revokedAt: null,
      },
    ]);
  });
});

describe('DELETE /v1/account', () => {
  it("refuses without the account's name or id in the body (400 naming what it expects), deleting nothing", async () => {
    const a = seedAccount(s.db, { name: 'Careful Co' });
    for (const body of [
      undefined,
      {},
      { confirm: 'careful co' },
      { confirm: 'Other' },
      { confirm: 42 },
      '[',
    ]) {
      const res = await s.call('DELETE', '/v1/account', {
        key: a.key,
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json).toMatchObject({
        error: {
          code: 'confirmation_required',
          message: expect.stringContaining('{"confirm": "Careful Co"}') as unknown,
        },
      });
    }
    expect(count('accounts', 'id = ? AND deleted_at IS NULL', a.accountId)).toBe(1);
    expect(count('audit_log', "account_id = ? AND action = 'account.delete'", a.accountId)).toBe(0);
    expect((await s.call('GET', '/v1/keys', { key: a.key })).status).toBe(200);
  });

  it('deletes when the body names the account, by its name or by its id', async () => {
    const byName = seedAccount(s.db, { name: 'Leaving Ltd' });
    const res = await s.call('DELETE', '/v1/account', { key: byName.key, body: { confirm: 'Leaving Ltd' } });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accountId: byName.accountId });
    expect((await s.call('GET', '/v1/keys', { key: byName.key })).status).toBe(401);

    const byId = seedAccount(s.db, { name: 'Also Leaving' });
    const second = await s.call('DELETE', '/v1/account', {
      key: byId.key,
      body: { confirm: byId.accountId },
    });
    expect(second.status).toBe(202);
    expect(count('accounts', 'id = ? AND deleted_at IS NOT NULL', byId.accountId)).toBe(1);
  });

  it('is documented with its confirmation body', async () => {
    const doc = (await s.call('GET', '/v1/openapi.json')).json as {
      paths: Record<string, Record<string, { requestBody?: { required: boolean } }>>;
      components: { schemas: Record<string, { required?: string[]; additionalProperties?: unknown }> };
    };
    expect(doc.paths['/v1/account']!.delete!.requestBody).toMatchObject({ required: true });
    expect(doc.components.schemas.DeleteAccount).toMatchObject({
      required: ['confirm'],
      additionalProperties: false,
    });
  });
});
