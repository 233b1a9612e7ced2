// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import {
  csrfOf,
  get,
  makeTestApp,
  personSession,
  postForm,
  seedAccount,
  signInWithKey,
  type TestApp,
} from './helpers.js';
import { and, asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The right to correct on the page: a person sees and corrects what the accounts hold about them (their
 * profile), an admin what the account holds about itself (settings); each change validated and audited by
 * the names of the fields it changed.
 */

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

/** The form token of the first form on a page. */
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

const auditFields = async (accountId: string, action: string) => {
  const { auditLog } = t.db.tables;
  const rows = await t.db.orm
    .select({ fields: auditLog.fields })
    .from(auditLog)
    .where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, action)))
    .orderBy(asc(auditLog.at));
  return rows.map((r) => r.fields);
};

describe('your profile', () => {
  it('shows a person what the accounts hold about them and lets them correct it, validated and audited', async () => {
    const a = await seedAccount(t, 'acme');
    const cookie = await personSession(t, a.accountId, 'octocat', 'member');
    const overview = await (await get(t, '/', cookie)).text();
    expect(overview).toContain('href="/profile"');
    const page = await (await get(t, '/profile', cookie)).text();
    expect(page).toContain('@octocat');
    expect(page).toContain('acme');
    const csrf = csrfIn(page);

    const save = (fields: Record<string, string>) =>
      postForm(t, '/profile', { _csrf: csrf, ...fields }, { cookie });
    const bad = await save({ displayName: 'Octo Cat', email: 'not-an-e-mail' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('E-mail: must be an e-mail address');
    expect(await auditFields(a.accountId, 'user.update')).toEqual([]);

    const ok = await save({ displayName: ' Octo Cat ', email: 'octo@example.com' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/profile?notice=saved');
    const saved = await (await get(t, '/profile?notice=saved', cookie)).text();
    expect(saved).toContain('value="Octo Cat"');
    expect(saved).toContain('value="octo@example.com"');
    expect(saved).toContain('Saved.');
    expect(await auditFields(a.accountId, 'user.update')).toEqual([['displayName', 'email']]);

    // The account's admins see what it holds about its members.
    const settings = await (await get(t, '/settings', await signInWithKey(t, a.key))).text();
    expect(settings).toContain('Octo Cat');
    expect(settings).toContain('octo@example.com');

    // An emptied field is cleared (a second later: the audit log is read in time order).
    t.clock.advance(1_000);
    expect((await save({ displayName: 'Octo Cat', email: '' })).status).toBe(303);
    expect(await (await get(t, '/profile', cookie)).text()).not.toContain('octo@example.com');
    expect(await auditFields(a.accountId, 'user.update')).toEqual([['displayName', 'email'], ['email']]);
    expect((await postForm(t, '/profile', { displayName: 'x' }, { cookie })).status).toBe(403);
  });

  it('is a person’s: a key sign-in has none', async () => {
    const a = await seedAccount(t, 'acme');
    expect((await get(t, '/profile', await signInWithKey(t, a.key))).status).toBe(404);
    expect((await get(t, '/profile')).status).toBe(302);
  });
});

describe("the account's details", () => {
  it('an admin corrects the name, company and contact e-mail in settings, validated and audited', async () => {
    const a = await seedAccount(t, 'acme');
    const cookie = await signInWithKey(t, a.key);
    const csrf = await csrfOf(t, cookie);
    const save = (fields: Record<string, string>) =>
      postForm(t, '/settings/account', { _csrf: csrf, ...fields }, { cookie });

    const noName = await save({ name: '  ', company: '', contactEmail: '' });
    expect(noName.status).toBe(422);
    expect(await noName.text()).toContain('Account name: must not be empty');
    const badEmail = await save({ name: 'acme', company: '', contactEmail: 'billing at acme' });
    expect(await badEmail.text()).toContain('Contact e-mail: must be an e-mail address');

    const ok = await save({
      name: 'Acme Ltd',
      company: 'Acme Holdings',
      contactEmail: 'billing@acme.example',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/settings?notice=account-saved#account');
    const settings = await (await get(t, '/settings?notice=account-saved', cookie)).text();
    expect(settings).toContain('The account’s details were saved.');
    expect(settings).toContain('value="Acme Holdings"');
    expect(settings).toContain('value="billing@acme.example"');
    expect(settings).toContain('<strong>Acme Ltd</strong>');
    expect(await auditFields(a.accountId, 'account.update')).toEqual([['name', 'company', 'contactEmail']]);

    // A member sees them, and cannot change them.
    const memberCookie = await personSession(t, a.accountId, 'reader', 'member');
    const memberSettings = await (await get(t, '/settings', memberCookie)).text();
    expect(memberSettings).toContain('Acme Holdings');
    expect(memberSettings).toContain('billing@acme.example');
    const refused = await postForm(
      t,
      '/settings/account',
      { _csrf: csrfIn(memberSettings), name: 'Mine now' },
      { cookie: memberCookie },
    );
    expect(refused.status).toBe(403);
    expect(await auditFields(a.accountId, 'account.update')).toHaveLength(1);
  });
});
