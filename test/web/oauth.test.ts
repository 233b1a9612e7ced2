// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import {
  cookieFrom,
  get,
  grant,
  makeTestApp,
  PUBLIC_URL,
  seedAccount,
  setCookieLine,
  type TestApp,
} from './helpers.js';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tables } from '../../api/db/index.js';
import { testIndex } from '../api/helpers.js';

/**
 * A fake GitHub over real HTTP: the token endpoint checks client credentials, the code (single use), the
 * redirect URI and the PKCE verifier against the challenge the code was issued for; `/api/v3/user`
 * answers for the token it handed out (the GHES layout, since the base URL is not github.com).
 */
class FakeGitHub {
  server!: Server;
  url = '';
  readonly clientId = 'Iv1.fakeclient';
  readonly clientSecret = 'fake-client-secret';
  private codes = new Map<
    string,
    { challenge: string; redirectUri: string; user: { id: number; login: string } }
  >();
  private tokens = new Map<string, { id: number; login: string }>();
  tokenRequests = 0;

  async start() {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** What GitHub does when the user approves on /login/oauth/authorize: a code bound to the challenge. */
  approve(
    authorizeLocation: string,
    user: { id: number; login: string },
    challenge?: string,
  ): { code: string; state: string } {
    const url = new URL(authorizeLocation);
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, {
      challenge: challenge ?? url.searchParams.get('code_challenge')!,
      redirectUri: url.searchParams.get('redirect_uri')!,
      user,
    });
    return { code, state: url.searchParams.get('state')! };
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/login/oauth/access_token') {
      this.tokenRequests += 1;
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
        return json(200, { error: 'incorrect_client_credentials' });
      }
      const grant = this.codes.get(form.get('code') ?? '');
      if (!grant) return json(200, { error: 'bad_verification_code' });
      this.codes.delete(form.get('code')!);
      if (form.get('redirect_uri') !== grant.redirectUri)
        return json(200, { error: 'redirect_uri_mismatch' });
      const verifier = form.get('code_verifier') ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      if (computed !== grant.challenge)
        return json(200, { error: 'invalid_grant', error_description: 'PKCE' });
      const token = `gho_${randomBytes(12).toString('hex')}`;
      this.tokens.set(token, grant.user);
      return json(200, { access_token: token, token_type: 'bearer', scope: '' });
    }
    if (req.method === 'GET' && req.url === '/api/v3/user') {
      const user = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!user) return json(401, { message: 'Bad credentials' });
      return json(200, { id: user.id, login: user.login, name: 'The Octocat' });
    }
    json(404, { message: 'Not Found' });
  }
}

const gh = new FakeGitHub();
let t: TestApp;

beforeAll(() => gh.start());
afterAll(() => gh.stop());
beforeEach(() => {
  t = makeTestApp({
    config: { githubUrl: gh.url, githubOAuth: { clientId: gh.clientId, clientSecret: gh.clientSecret } },
  });
});
afterEach(() => t.close());

const OAUTH_COOKIE = '__Host-diffray_oauth';

async function startFlow(next?: string) {
  const res = await get(t, next ? `/auth/github?next=${encodeURIComponent(next)}` : '/auth/github');
  expect(res.status).toBe(302);
  const flowCookie = cookieFrom(res, OAUTH_COOKIE)!;
  expect(flowCookie).toBeTruthy();
  return { location: res.headers.get('location')!, flowCookie, setCookie: setCookieLine(res, OAUTH_COOKIE)! };
}

function callback(params: Record<string, string>, flowCookie?: string) {
  return t.app.request(`${PUBLIC_URL}/auth/github/callback?${new URLSearchParams(params).toString()}`, {
    headers: flowCookie ? { cookie: `${OAUTH_COOKIE}=${flowCookie}` } : {},
    redirect: 'manual',
  });
}

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
    const a = seedAccount(t, 'acme');
    grant(t, a.accountId, 'OctoCat', 'admin');
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
    const user = t.db.orm
      .select()
      .from(tables.users)
      .where(eq(tables.users.loginKey, testIndex('login', 'octocat')))
      .get()!;
    expect(user.githubId).toBe(OCTOCAT.id);
  });

  it('refuses a callback whose state differs from the cookie', async () => {
    seedAccount(t, 'acme');
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
    const a = seedAccount(t, 'acme');
    grant(t, a.accountId, 'octocat');
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
    const a = seedAccount(t, 'acme');
    grant(t, a.accountId, 'octocat');
    const { location, flowCookie } = await startFlow();
    const otherChallenge = createHash('sha256').update('someone-elses-verifier').digest('base64url');
    const { code, state } = gh.approve(location, OCTOCAT, otherChallenge);
    const res = await callback({ code, state }, flowCookie);
    expect(res.headers.get('location')).toBe('/sign-in?m=oauth-failed');
    expect(cookieFrom(res)).toBeUndefined();
    expect(t.logs.some((l) => l.reason === 'invalid_grant')).toBe(true);
  });

  it('refuses a user without a membership', async () => {
    seedAccount(t, 'acme');
    const { location, flowCookie } = await startFlow();
    const { code, state } = gh.approve(location, { id: 42, login: 'stranger' });
    const res = await callback({ code, state }, flowCookie);
    expect(res.headers.get('location')).toBe('/sign-in?m=not-member');
    expect(cookieFrom(res)).toBeUndefined();
    expect(await (await get(t, '/sign-in?m=not-member')).text()).toContain('not a member');
  });

  it('refuses a flow cookie older than ten minutes', async () => {
    const a = seedAccount(t, 'acme');
    grant(t, a.accountId, 'octocat');
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
    const plain = makeTestApp();
    try {
      expect((await get(plain, '/auth/github')).status).toBe(404);
    } finally {
      plain.close();
    }
  });
});
