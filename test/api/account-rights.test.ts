/**
 * What a person may ask of the account over the JSON API: everything it holds (the export leaves nothing
 * out), to see and correct what it holds about the account and about them, and its deletion only when they
 * name it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionResolver } from '../../api/auth/page-session.js';
import { signSession } from '../../api/auth/session-token.js';
import { sqliteOf } from '../../api/db/connection.js';
import { acceptInvitation, addMember, createSession, recordAudit } from '../../api/db/index.js';
import { DAY_MS } from '../../shared/index.js';
import {
  auditEntries,
  countRows,
  ON_SQLITE,
  seedAccount,
  seedKey,
  startServer,
  T0,
  testConfig,
  type TestServer,
} from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  // Page sessions act on the JSON API too: /v1/me answers for the person signed in with GitHub.
  s = await startServer({ app: { resolveSession: sessionResolver } });
});
afterAll(() => s.close());

const count = (table: string, where?: string, ...args: unknown[]) => countRows(s.db, table, where, ...args);

describe('GET /v1/account/export', () => {
  it("holds the whole audit log, however long, and the account's sessions without their tokens", async () => {
    const a = await seedAccount(s.db, { name: 'audited' });
    await s.db.transaction(async (tx) => {
      for (let i = 0; i < 1_100; i += 1)
        await recordAudit(tx, {
          accountId: a.accountId,
          actor: 'cli',
          action: 'key.create',
          target: `k${i}`,
          at: T0,
        });
    });
    await createSession(s.db, {
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
    const a = await seedAccount(s.db, { name: 'Careful Co' });
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
    expect(await count('accounts', 'id = ? AND deleted_at IS NULL', a.accountId)).toBe(1);
    expect(await count('audit_log', "account_id = ? AND action = 'account.delete'", a.accountId)).toBe(0);
    expect((await s.call('GET', '/v1/keys', { key: a.key })).status).toBe(200);
  });

  it('deletes when the body names the account, by its name or by its id', async () => {
    const byName = await seedAccount(s.db, { name: 'Leaving Ltd' });
    const res = await s.call('DELETE', '/v1/account', { key: byName.key, body: { confirm: 'Leaving Ltd' } });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ accountId: byName.accountId });
    expect((await s.call('GET', '/v1/keys', { key: byName.key })).status).toBe(401);

    const byId = await seedAccount(s.db, { name: 'Also Leaving' });
    const second = await s.call('DELETE', '/v1/account', {
      key: byId.key,
      body: { confirm: byId.accountId },
    });
    expect(second.status).toBe(202);
    expect(await count('accounts', 'id = ? AND deleted_at IS NOT NULL', byId.accountId)).toBe(1);
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

/** A GitHub user who joined the account, and the headers of their page session on the JSON API. */
async function personSession(accountId: string, login: string, role: 'admin' | 'member' = 'member') {
  const { userId } = await addMember(s.db, { accountId, login, role, now: T0 });
  await acceptInvitation(s.db, { accountId, userId, now: T0 });
  const session = (await createSession(s.db, {
    accountId,
    userId,
    now: T0,
    expiresAt: new Date(T0.getTime() + DAY_MS),
  }))!;
  const token = await signSession(
    { sid: session.id, acc: accountId, sv: session.sessionVersion },
    { secret: testConfig().sessionSecret, issuer: 'https://diffray.test', now: T0 },
  );
  return { userId, headers: { cookie: `__Host-diffray_session=${token}`, 'sec-fetch-site': 'same-origin' } };
}

/** The audit entries of an account for `action` (sealed values opened), with the fields they name. */
const auditOf = async (accountId: string, action: string) =>
  (await auditEntries(s.db, accountId))
    .filter((e) => e.action === action)
    .map(({ actor, target, fields }) => ({ actor, target, fields }));

/** Every byte of the database files, where an audit entry could have kept a value. */
const storedBytes = () =>
  ['diffray.db', 'diffray.db-wal', 'diffray.db-shm']
    .map((f) => {
      try {
        return readFileSync(join(s.dir, f)).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('');

describe('GET and PATCH /v1/account: what the account holds about itself', () => {
  it('shows the account and corrects its name, company and contact e-mail, audited by field name only', async () => {
    const a = await seedAccount(s.db, { name: 'Initech' });
    const before = await s.call('GET', '/v1/account', { key: a.key });
    expect(before.status).toBe(200);
    expect(before.json).toEqual({
      id: a.accountId,
      name: 'Initech',
      company: null,
      contactEmail: null,
      createdAt: T0.toISOString(),
    });

    const res = await s.call('PATCH', '/v1/account', {
      key: a.key,
      body: { company: '  Initech GmbH ', contactEmail: 'billing-canary@initech.example' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: 'Initech',
      company: 'Initech GmbH',
      contactEmail: 'billing-canary@initech.example',
    });
    expect((await s.call('GET', '/v1/account', { key: a.key })).json).toMatchObject({
      company: 'Initech GmbH',
    });
    expect(await auditOf(a.accountId, 'account.update')).toEqual([
      { actor: `key:${a.keyId}`, target: a.accountId, fields: ['company', 'contactEmail'] },
    ]);

    const renamed = await s.call('PATCH', '/v1/account', {
      key: a.key,
      body: { name: 'Initrode', contactEmail: null },
    });
    expect(renamed.json).toMatchObject({ name: 'Initrode', company: 'Initech GmbH', contactEmail: null });
    // Both entries carry the server's clock (fixed here): in either order.
    expect((await auditOf(a.accountId, 'account.update')).map((e) => e.fields)).toEqual(
      expect.arrayContaining([
        ['company', 'contactEmail'],
        ['name', 'contactEmail'],
      ]),
    );
    // The same values again change nothing and record nothing.
    await s.call('PATCH', '/v1/account', { key: a.key, body: { name: 'Initrode' } });
    expect(await auditOf(a.accountId, 'account.update')).toHaveLength(2);
    // The files are SQLite's to read here; PostgreSQL's sealed values are the encryption-at-rest suite's.
    if (ON_SQLITE) {
      sqliteOf(s.db).pragma('wal_checkpoint(TRUNCATE)');
      expect(storedBytes()).not.toContain('billing-canary');
    }
  });

  it('refuses what is not a name, a company or an e-mail (422 naming the field), and changes nothing', async () => {
    const a = await seedAccount(s.db, { name: 'Strict' });
    for (const body of [
      { name: '' },
      { name: '   ' },
      { name: null },
      { name: 'a\u0000b' },
      { name: 'x'.repeat(101) },
      { company: 'Line\nbreak' },
      { contactEmail: 'not an e-mail' },
      { contactEmail: `${'x'.repeat(250)}@a.example` },
      { plan: 'enterprise' },
    ]) {
      const res = await s.call('PATCH', '/v1/account', { key: a.key, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect((await s.call('GET', '/v1/account', { key: a.key })).json).toMatchObject({
      name: 'Strict',
      company: null,
    });
    expect(await auditOf(a.accountId, 'account.update')).toEqual([]);
  });

  it("is an admin's: other keys and members' sessions are refused", async () => {
    const a = await seedAccount(s.db, { name: 'Scoped' });
    const reader = await seedKey(s.db, a.accountId, ['reviews:read', 'config:read']);
    expect((await s.call('GET', '/v1/account', { key: reader.key })).status).toBe(403);
    expect((await s.call('PATCH', '/v1/account', { key: reader.key, body: { name: 'x' } })).status).toBe(403);
    const { headers } = await personSession(a.accountId, 'reader-person');
    expect((await s.call('PATCH', '/v1/account', { headers, body: { name: 'x' } })).status).toBe(403);
  });
});

describe('GET and PATCH /v1/me: what the accounts hold about the person', () => {
  it('shows the person signed in with GitHub and their memberships, and corrects their name and e-mail', async () => {
    const a = await seedAccount(s.db, { name: 'Hooli' });
    const b = await seedAccount(s.db, { name: 'Pied Piper' });
    const { userId, headers } = await personSession(a.accountId, 'Richard', 'member');
    await acceptInvitation(s.db, {
      accountId: b.accountId,
      userId: (await addMember(s.db, { accountId: b.accountId, login: 'richard', role: 'admin', now: T0 }))
        .userId,
      now: T0,
    });
    const c = await seedAccount(s.db, { name: 'Not yet' });
    await addMember(s.db, { accountId: c.accountId, login: 'richard', role: 'member', now: T0 });

    const me = await s.call('GET', '/v1/me', { headers });
    expect(me.status).toBe(200);
    expect(me.json).toEqual({
      id: userId,
      login: 'Richard',
      displayName: null,
      email: null,
      memberships: [
        {
          accountId: a.accountId,
          accountName: 'Hooli',
          role: 'member',
          invitedAt: T0.toISOString(),
          joinedAt: T0.toISOString(),
        },
        {
          accountId: c.accountId,
          accountName: 'Not yet',
          role: 'member',
          invitedAt: T0.toISOString(),
          joinedAt: null,
        },
        {
          accountId: b.accountId,
          accountName: 'Pied Piper',
          role: 'admin',
          invitedAt: T0.toISOString(),
          joinedAt: T0.toISOString(),
        },
      ],
    });

    const res = await s.call('PATCH', '/v1/me', {
      headers,
      body: { displayName: 'Richard Hendricks', email: 'person-canary@piedpiper.example' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      displayName: 'Richard Hendricks',
      email: 'person-canary@piedpiper.example',
    });
    // Audited, by field name, in every account the person joined (not the one still inviting them).
    for (const accountId of [a.accountId, b.accountId]) {
      expect(await auditOf(accountId, 'user.update')).toEqual([
        { actor: `user:${userId}`, target: `user:${userId}`, fields: ['displayName', 'email'] },
      ]);
    }
    expect(await auditOf(c.accountId, 'user.update')).toEqual([]);
    // The account's admins see what it holds about its members.
    const exported = (await s.call('GET', '/v1/account/export', { key: a.key })).json as {
      members: { login: string; displayName: string | null; email: string | null }[];
    };
    expect(exported.members).toEqual([
      expect.objectContaining({
        login: 'Richard',
        displayName: 'Richard Hendricks',
        email: 'person-canary@piedpiper.example',
      }),
    ]);
    // An account that only invited the person (anyone can invite any login) sees the login alone.
    const inviting = (await s.call('GET', '/v1/account/export', { key: c.key })).json as {
      members: { login: string; displayName: string | null; email: string | null }[];
    };
    expect(inviting.members).toEqual([
      expect.objectContaining({ login: 'Richard', displayName: null, email: null }),
    ]);

    const cleared = await s.call('PATCH', '/v1/me', { headers, body: { email: null } });
    expect(cleared.json).toMatchObject({ displayName: 'Richard Hendricks', email: null });
    expect((await s.call('PATCH', '/v1/me', { headers, body: { email: 'nope' } })).status).toBe(422);
    expect((await s.call('PATCH', '/v1/me', { headers, body: { login: 'someone-else' } })).status).toBe(422);
    expect((await auditOf(a.accountId, 'user.update')).map((e) => e.fields)).toEqual(
      expect.arrayContaining([['displayName', 'email'], ['email']]),
    );
  });

  it('answers 403 for a key: a key is no person', async () => {
    const a = await seedAccount(s.db, { name: 'Keyed' });
    const res = await s.call('GET', '/v1/me', { key: a.key });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: { code: 'person_required' } });
    expect((await s.call('PATCH', '/v1/me', { key: a.key, body: { displayName: 'x' } })).status).toBe(403);
    expect((await s.call('GET', '/v1/me')).status).toBe(401);
  });
});

describe('the corrections in the OpenAPI document', () => {
  it('documents GET and PATCH /v1/account and /v1/me from the schemas that validate them', async () => {
    const doc = (await s.call('GET', '/v1/openapi.json')).json as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
      components: {
        schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }>;
      };
    };
    expect(Object.keys(doc.paths['/v1/account']!)).toEqual(
      expect.arrayContaining(['get', 'patch', 'delete']),
    );
    expect(Object.keys(doc.paths['/v1/me']!)).toEqual(expect.arrayContaining(['get', 'patch']));
    expect(doc.paths['/v1/me']!.patch!.requestBody!.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/PersonPatch',
    });
    const { AccountPatch, PersonPatch, Person, AccountDetails } = doc.components.schemas;
    expect(Object.keys(AccountPatch!.properties!).sort()).toEqual(['company', 'contactEmail', 'name']);
    expect(Object.keys(PersonPatch!.properties!).sort()).toEqual(['displayName', 'email']);
    for (const patch of [AccountPatch, PersonPatch]) expect(patch!.additionalProperties).toBe(false);
    expect(Object.keys(Person!.properties!)).toEqual(
      expect.arrayContaining(['login', 'displayName', 'email', 'memberships']),
    );
    expect(Object.keys(AccountDetails!.properties!)).toEqual(
      expect.arrayContaining(['name', 'company', 'contactEmail']),
    );
  });
});
