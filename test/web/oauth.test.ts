// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import {
  cookieFrom,
  get,
  gitHubCallback,
  member,
  makeTestApp,
  OAUTH_COOKIE,
  PUBLIC_URL,
  seedAccount,
  startGitHubFlow,
  type TestApp,
} from './helpers.js';
import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testIndex } from '../api/helpers.js';
import { FakeGitHubOAuth } from '../fakes/github-oauth.js';

const gh = new FakeGitHubOAuth();
let t: TestApp;

beforeAll(() => gh.start());
afterAll(() => gh.close());
beforeEach(async () => {
  t = await makeTestApp({ config: gh.oauthConfig });
});
afterEach(() => t.close());

async function startFlow(next?: string) {
  const flow = await startGitHubFlow(t, next);
  expect(flow.flowCookie).toBeTruthy();
  return flow;
}

const callback = (params: Record<string, string>, flowCookie?: string) =>
  gitHubCallback(t, params, flowCookie);

const OCTOCAT = { id: 583231, login: 'octocat' };

describe('GitHub OAuth', () => {
  it('redirects to GitHub with state and a PKCE S256 challenge, keeping both in a short-lived __Host- cookie', async () => {
    const { location, setCookie } = await startFlow();
    const url = new URL(location);
    expect(url.origin + url.pathname).toBe(`${gh.url}/login/oauth/authorize`);
    expect(url.searchParams.get('client_id')).toBe(gh.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/github/callback`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(location).not.toContain('client_secret');
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Max-Age=600/);
  });

  it('signs in a member and binds their GitHub id', async () => {
    const a = await seedAccount(t, 'acme');
    await member(t, a.accountId, 'OctoCat', 'admin');
    const { location, flowCookie } = await startFlow('/settings');
    const { code, state } = gh.approve(location, OCTOCAT);
    const res = await callback({ code, state }, flowCookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/settings');
    expect(cookieFrom(res, OAUTH_COOKIE)).toBe(''); // flow cookie cleared
    const session = cookieFrom(res)!;
    expect(session).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const page = await get(t, '/', session);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('@octocat');
    const { users } = t.db.tables;
    const [user] = await t.db.orm
      .select()
      .from(users)
      .where(eq(users.loginKey, testIndex('login', 'octocat')))
      .limit(1);
    expect(user!.githubId).toBe(OCTOCAT.id);
  });

  it('refuses a callback whose state differs from the cookie', async () => {
    await seedAccount(t, 'acme');
    const { location, flowCookie } = await startFlow();
    const { code } = gh.approve(location, OCTOCAT);
    const before = gh.tokenRequests;
    const res = await callback({ code, state: randomBytes(32).toString('base64url') }, flowCookie);
    expect(res.headers.get('location')).toBe('/sign-in?m=oauth-failed');
    expect(cookieFrom(res)).toBeUndefined();
    expect(gh.tokenRequests).toBe(before); // refused before any call to GitHub
  });

  it('refuses a callback without the flow cookie (another browser)', async () => {
    const { location } = await startFlow();
    const { code, state } = gh.approve(location, OCTOCAT);
    const res = await callback({ code, state });
    expect(res.headers.get('location')).toBe('/sign-in?m=oauth-failed');
    expect(cookieFrom(res)).toBeUndefined();
  });

  it('refuses a replayed state', async () => {
    const a = await seedAccount(t, 'acme');
    await member(t, a.accountId, 'octocat');
    const { location, flowCookie } = await startFlow();
    const { code, state } = gh.approve(location, OCTOCAT);
    const first = await callback({ code, state }, flowCookie);
    expect(cookieFrom(first)).toBeTruthy();
    const before = gh.tokenRequests;
    const replay = await callback({ code, state }, flowCookie);
    expect(replay.headers.get('location')).toBe('/sign-in?m=oauth-failed');
    expect(cookieFrom(replay)).toBeUndefined();
    expect(gh.tokenRequests).toBe(before);
    expect(t.logs.some((l) => l.reason === 'state replayed')).toBe(true);
  });

  it('refuses a code issued for another PKCE challenge (wrong verifier)', async () => {
    const a = await seedAccount(t, 'acme');
    await member(t, a.accountId, 'octocat');
    const { location, flowCookie } = await startFlow();
    const otherChallenge = createHash('sha256').update('someone-elses-verifier').digest('base64url');
    const { code, state } = gh.approve(location, OCTOCAT, otherChallenge);
    const res = await callback({ code, state }, flowCookie);
    expect(res.headers.get('location')).toBe('/sign-in?m=oauth-failed');
    expect(cookieFrom(res)).toBeUndefined();
    expect(t.logs.some((l) => l.reason === 'invalid_grant')).toBe(true);
  });

  it('refuses a user without a membership', async () => {
    await seedAccount(t, 'acme');
    const { location, flowCookie } = await startFlow();
    const { code, state } = gh.approve(location, { id: 42, login: 'stranger' });
    const res = await callback({ code, state }, flowCookie);
    expect(res.headers.get('location')).toBe('/sign-in?m=not-member');
    expect(cookieFrom(res)).toBeUndefined();
    expect(await (await get(t, '/sign-in?m=not-member')).text()).toContain('not a member');
  });

  it('refuses a flow cookie older than ten minutes', async () => {
    const a = await seedAccount(t, 'acme');
    await member(t, a.accountId, 'octocat');
    const { location, flowCookie } = await startFlow();
    const { code, state } = gh.approve(location, OCTOCAT);
    t.clock.advance(11 * 60_000);
    const res = await callback({ code, state }, flowCookie);
    expect(res.headers.get('location')).toBe('/sign-in?m=oauth-failed');
  });

  it('refuses when the user denied access on GitHub', async () => {
    const { flowCookie, location } = await startFlow();
    const state = new URL(location).searchParams.get('state')!;
    const res = await callback({ error: 'access_denied', state }, flowCookie);
    expect(res.headers.get('location')).toBe('/sign-in?m=oauth-failed');
  });

  it('has no OAuth routes when no OAuth app is configured', async () => {
    const plain = await makeTestApp();
    try {
      expect((await get(plain, '/auth/github')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
