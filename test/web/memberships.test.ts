// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import {
  CHOICE_COOKIE,
  cookieFrom,
  get,
  grant,
  makeTestApp,
  member,
  postForm,
  PUBLIC_URL,
  seedAccount,
  SESSION_COOKIE_NAME,
  signInWithGitHub,
  signInWithKey,
  type TestApp,
} from './helpers.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signSession } from '../../api/auth/session-token.js';
import { createSession } from '../../api/db/index.js';
import { FakeGitHubOAuth } from '../fakes/github-oauth.js';
import { auditEntries, countRows } from '../api/helpers.js';

/**
 * Membership is the person's to accept: an admin's grant is an invitation, shown at the person's next
 * GitHub sign-in, that opens nothing until they accept it; a person in several accounts chooses which one
 * to open, and switches from the page's header.
 */

const gh = new FakeGitHubOAuth();
let t: TestApp;

beforeAll(() => gh.start());
afterAll(() => gh.close());
beforeEach(async () => {
  t = await makeTestApp({ config: gh.oauthConfig });
});
afterEach(() => t.close());

const VICTIM = { id: 1001, login: 'victim' };

const count = (table: string, where: string, ...args: unknown[]) => countRows(t.db, table, where, ...args);

/** The form token of the first form on a page. */
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** The claims of a session cookie's token. */
const claims = (cookie: string) =>
  JSON.parse(Buffer.from(cookie.split('.')[1]!, 'base64url').toString()) as { acc: string };

/** The waiting sign-in of a GitHub callback's answer, as a cookie to send back. */
function choiceOf(res: Response) {
  const value = cookieFrom(res, CHOICE_COOKIE);
  expect(value).toBeTruthy();
  return { [CHOICE_COOKIE]: value! };
}

describe('an invitation is for the person it names to accept', () => {
  it("an admin who adds someone's GitHub login gets no session of theirs: sign-in shows the invitation and opens nothing", async () => {
    const mallory = await seedAccount(t, 'Mallory Inc');
    await grant(t, mallory.accountId, 'victim', 'admin');
    const res = await signInWithGitHub(t, gh, VICTIM, '/settings');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/accounts');
    expect(cookieFrom(res)).toBeUndefined();
    expect(await count('sessions', 'account_id = ?', mallory.accountId)).toBe(0);

    const choice = choiceOf(res);
    const page = await get(t, '/accounts', choice);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Mallory Inc');
    expect(html).toContain('invites you');
    const csrf = csrfIn(html);
    // Until it is accepted, the invitation opens nothing, not even when asked to open that account.
    const open = await postForm(
      t,
      `/accounts/${mallory.accountId}/open`,
      { _csrf: csrf },
      { cookie: choice },
    );
    expect(open.status).toBe(404);
    expect(cookieFrom(open)).toBeUndefined();

    const decline = await postForm(
      t,
      `/accounts/${mallory.accountId}/decline`,
      { _csrf: csrf },
      { cookie: choice },
    );
    expect(decline.status).toBe(303);
    expect(await count('memberships', 'account_id = ?', mallory.accountId)).toBe(0);
    expect(await count('audit_log', "account_id = ? AND action = 'member.decline'", mallory.accountId)).toBe(
      1,
    );
    expect(await count('sessions', 'account_id = ?', mallory.accountId)).toBe(0);
  });

  it('sign-in never lands a person in an account they did not accept', async () => {
    // The attacker's grant comes first: sign-in used to open the oldest membership.
    const mallory = await seedAccount(t, 'Mallory Inc');
    await grant(t, mallory.accountId, 'victim', 'admin');
    t.clock.advance(60_000);
    const own = await seedAccount(t, 'Victim Co');
    await member(t, own.accountId, 'victim');

    for (const next of ['/', '/settings']) {
      const res = await signInWithGitHub(t, gh, VICTIM, next);
      expect(res.headers.get('location')).toBe('/accounts');
      expect(cookieFrom(res)).toBeUndefined();
      // Opening the account only invited into is refused from the waiting sign-in.
      const choice = choiceOf(res);
      const csrf = csrfIn(await (await get(t, '/accounts', choice)).text());
      const refused = await postForm(
        t,
        `/accounts/${mallory.accountId}/open`,
        { _csrf: csrf },
        { cookie: choice },
      );
      expect(refused.status).toBe(404);
      expect(cookieFrom(refused)).toBeUndefined();
      // Opening their own account works, and from there the switcher refuses the invitation's account too.
      const opened = await postForm(
        t,
        `/accounts/${own.accountId}/open`,
        { _csrf: csrf },
        { cookie: choice },
      );
      const session = cookieFrom(opened)!;
      expect(claims(session).acc).toBe(own.accountId);
      const header = await (await get(t, '/', session)).text();
      expect(header).not.toContain(`action="/accounts/${mallory.accountId}/open"`);
      const switched = await postForm(
        t,
        `/accounts/${mallory.accountId}/open`,
        { _csrf: csrfIn(header) },
        { cookie: session },
      );
      expect(switched.status).toBe(404);
      expect(cookieFrom(switched)).toBeUndefined();
    }
    expect(await count('sessions', 'account_id = ?', mallory.accountId)).toBe(0);
  });

  it('a pending invitation grants nothing, even to a session made for it', async () => {
    const a = await seedAccount(t, 'acme');
    const { userId } = await grant(t, a.accountId, 'victim', 'admin');
    const now = t.clock();
    const s = (await createSession(t.db, {
      accountId: a.accountId,
      userId,
      now,
      expiresAt: new Date(now.getTime() + 3_600_000),
    }))!;
    const cookie = await signSession(
      { sid: s.id, acc: a.accountId, sv: s.sessionVersion },
      { secret: t.config.sessionSecret, issuer: new URL(PUBLIC_URL).origin, now },
    );
    const res = await get(t, '/', cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/sign-in/);
    const api = await t.app.request(`${PUBLIC_URL}/v1/reviews`, {
      headers: { cookie: `${SESSION_COOKIE_NAME}=${cookie}` },
    });
    expect(api.status).toBe(401);
  });

  it('accepting joins the account and opens it, audited; the next sign-in goes straight in', async () => {
    const a = await seedAccount(t, 'acme');
    const { userId } = await grant(t, a.accountId, 'victim', 'member');
    const choice = choiceOf(await signInWithGitHub(t, gh, VICTIM, '/settings'));
    const csrf = csrfIn(await (await get(t, '/accounts', choice)).text());
    const forged = await postForm(
      t,
      `/accounts/${a.accountId}/accept`,
      { _csrf: 'forged' },
      { cookie: choice },
    );
    expect(forged.status).toBe(403);
    expect(await count('memberships', 'account_id = ? AND accepted_at IS NULL', a.accountId)).toBe(1);

    const accepted = await postForm(
      t,
      `/accounts/${a.accountId}/accept`,
      { _csrf: csrf },
      { cookie: choice },
    );
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe('/settings');
    expect(cookieFrom(accepted, CHOICE_COOKIE)).toBe('');
    const session = cookieFrom(accepted)!;
    expect(claims(session).acc).toBe(a.accountId);
    expect(await (await get(t, '/', session)).text()).toContain('@victim');
    const audit = (await auditEntries(t.db, a.accountId))
      .map(({ actor, action, target }) => ({ actor, action, target }))
      .sort((x, y) => x.action.localeCompare(y.action));
    expect(audit).toEqual([
      { actor: `user:${userId}`, action: 'member.accept', target: `user:${userId}` },
      { actor: `user:${userId}`, action: 'session.sign_in', target: 'github' },
    ]);

    const again = await signInWithGitHub(t, gh, VICTIM);
    expect(again.headers.get('location')).toBe('/');
    expect(claims(cookieFrom(again)!).acc).toBe(a.accountId);
  });

  it('a person in several accounts chooses one at sign-in and switches from the header, by POST with the form token', async () => {
    const a = await seedAccount(t, 'Acme');
    const b = await seedAccount(t, 'Bravo');
    await member(t, a.accountId, 'victim');
    await member(t, b.accountId, 'victim', 'member');
    const res = await signInWithGitHub(t, gh, VICTIM);
    expect(res.headers.get('location')).toBe('/accounts');
    expect(cookieFrom(res)).toBeUndefined();
    const choice = choiceOf(res);
    const chooser = await (await get(t, '/accounts', choice)).text();
    expect(chooser).toContain('Acme');
    expect(chooser).toContain('Bravo');
    const opened = await postForm(
      t,
      `/accounts/${b.accountId}/open`,
      { _csrf: csrfIn(chooser) },
      { cookie: choice },
    );
    expect(opened.status).toBe(303);
    const inB = cookieFrom(opened)!;
    expect(claims(inB).acc).toBe(b.accountId);

    // The header offers the other account, not the one open.
    const overview = await (await get(t, '/', inB)).text();
    expect(overview).toContain(`action="/accounts/${a.accountId}/open"`);
    expect(overview).not.toContain(`action="/accounts/${b.accountId}/open"`);
    const csrf = csrfIn(overview);
    const crossSite = await postForm(
      t,
      `/accounts/${a.accountId}/open`,
      { _csrf: csrf },
      { cookie: inB, origin: 'https://evil.example', site: 'cross-site' },
    );
    expect(crossSite.status).toBe(403);
    expect((await postForm(t, `/accounts/${a.accountId}/open`, {}, { cookie: inB })).status).toBe(403);

    const switched = await postForm(t, `/accounts/${a.accountId}/open`, { _csrf: csrf }, { cookie: inB });
    expect(switched.status).toBe(303);
    const inA = cookieFrom(switched)!;
    expect(claims(inA).acc).toBe(a.accountId);
    expect(await (await get(t, '/settings', inA)).text()).toContain(
      'Keys, config, members and data of Acme.',
    );
    // Switching ended the session of the account left.
    expect((await get(t, '/', inB)).status).toBe(302);
    expect(
      (await auditEntries(t.db, a.accountId)).filter(
        (e) => e.action === 'session.sign_in' && e.target === 'switch',
      ),
    ).toHaveLength(1);

    // An account the person is not a member of cannot be opened.
    const other = await seedAccount(t, 'Charlie');
    const refused = await postForm(
      t,
      `/accounts/${other.accountId}/open`,
      { _csrf: csrfIn(await (await get(t, '/', inA)).text()) },
      { cookie: inA },
    );
    expect(refused.status).toBe(404);
    expect(cookieFrom(refused)).toBeUndefined();
  });

  it('shows admins who has accepted, and invitations waiting, in the header of a signed-in person', async () => {
    const a = await seedAccount(t, 'Acme');
    const b = await seedAccount(t, 'Bravo');
    await member(t, a.accountId, 'victim');
    const admin = await signInWithKey(t, a.key);
    const csrf = csrfIn(await (await get(t, '/settings', admin)).text());
    const added = await postForm(
      t,
      '/settings/members',
      { _csrf: csrf, login: 'newcomer', role: 'member' },
      { cookie: admin },
    );
    expect(added.headers.get('location')).toBe('/settings?notice=member-added#members');
    const settings = await (await get(t, '/settings?notice=member-added', admin)).text();
    expect(settings).toContain('Invitation sent');
    expect(settings).toMatch(/@victim<\/td><td>admin<\/td><td[^>]*>joined/);
    expect(settings).toMatch(/@newcomer<\/td><td>member<\/td><td[^>]*>invited/);

    await grant(t, b.accountId, 'victim', 'member');
    const res = await signInWithGitHub(t, gh, VICTIM);
    // An invitation waits: the sign-in shows it before opening anything.
    expect(res.headers.get('location')).toBe('/accounts');
    const choice = choiceOf(res);
    const page = await (await get(t, '/accounts', choice)).text();
    const inA = cookieFrom(
      await postForm(t, `/accounts/${a.accountId}/open`, { _csrf: csrfIn(page) }, { cookie: choice }),
    )!;
    expect(await (await get(t, '/', inA)).text()).toContain('1 invitation');
    // Signed in with a key there is no person: no accounts page.
    expect((await get(t, '/accounts', admin)).status).toBe(404);
  });
});
