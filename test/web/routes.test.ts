// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import {
  addKey,
  cookieFrom,
  csrfOf,
  get,
  grant,
  makeFinding,
  makeReport,
  makeTestApp,
  personSession,
  postForm,
  PUBLIC_URL,
  seedAccount,
  seedReview,
  setCookieLine,
  signInWithKey,
  type TestApp,
} from './helpers.js';
import { sign } from 'hono/jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_AUDIENCE } from '../../api/auth/session-token.js';
import { deriveKey, sessionKeyId } from '../../api/auth/signed-token.js';
import { bumpSessionVersion, getKey, lockAccount } from '../../api/db/index.js';
import type { ReportedFinding } from '../../shared/report.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

/** A session for a GitHub user who joined the account, as the OAuth callback would create it. */
const userSession = async (accountId: string, login: string, role: 'admin' | 'member') =>
  await personSession(t, accountId, login, role);

/** The acme account's admin, signed in with its key, and the form token of that session. */
async function signedInAdmin() {
  const a = await seedAccount(t, 'acme');
  const cookie = await signInWithKey(t, a.key);
  return { a, cookie, csrf: await csrfOf(t, cookie) };
}

/** A review of acme/widgets#7 holding exactly `findings`; returns its id. */
async function seedFindings(accountId: string, ...findings: Partial<ReportedFinding>[]) {
  return await seedReview(t, accountId, makeReport({ findings: findings.map((f) => makeFinding(f)) }));
}

function expectSignInRedirect(res: Response) {
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toMatch(/^\/sign-in/);
}

describe('signed out', () => {
  it.each([
    '/',
    '/repositories/acme/widgets',
    '/reviews/00000000-0000-4000-8000-000000000000',
    '/settings',
    '/settings/config',
  ])('redirects %s to the sign-in page', async (path) => {
    const res = await get(t, path);
    expectSignInRedirect(res);
    // The overview is where a sign-in goes anyway: it gets no `next`.
    const next = path === '/' ? '' : `?next=${encodeURIComponent(path)}`;
    expect(res.headers.get('location')).toBe(`/sign-in${next}`);
  });

  it('shows the sign-in page with the key form, and GitHub only when OAuth is configured', async () => {
    const res = await get(t, '/sign-in');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Sign in with an admin API key');
    expect(html).not.toContain('Sign in with GitHub');
    const withOAuth = await makeTestApp({
      config: { githubOAuth: { clientId: 'id', clientSecret: 'secret' } },
    });
    try {
      expect(await (await get(withOAuth, '/sign-in')).text()).toContain('Sign in with GitHub');
    } finally {
      await withOAuth.close();
    }
  });

  it('serves pages with a strict CSP and no inline script', async () => {
    const res = await get(t, '/sign-in');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).not.toMatch(/<script|style=/i);
    const css = html.match(/href="(\/static\/app\.[a-f0-9]+\.css)"/)![1]!;
    const sheet = await get(t, css);
    expect(sheet.headers.get('content-type')).toContain('text/css');
    expect(sheet.headers.get('cache-control')).toContain('immutable');
  });

  it('does not put page middleware on the JSON API', async () => {
    const res = await t.app.request(`${PUBLIC_URL}/v1/reviews?repository=acme/widgets`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
  });
});

describe('sign-in with an API key', () => {
  it('sets a __Host- session cookie: HttpOnly, Secure, SameSite=Lax, Path=/', async () => {
    const a = await seedAccount(t, 'acme');
    const res = await postForm(t, '/sign-in/key', { key: a.key });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const line = setCookieLine(res)!;
    expect(line).toMatch(/^__Host-diffray_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(line).toContain('HttpOnly');
    expect(line).toContain('Secure');
    expect(line).toContain('SameSite=Lax');
    expect(line).toContain('Path=/');
    expect(line).not.toMatch(/Domain=/i);
  });

  it('goes back to the page that asked for sign-in, but never off-site', async () => {
    const a = await seedAccount(t, 'acme');
    const res = await postForm(t, '/sign-in/key', { key: a.key, next: '/settings' });
    expect(res.headers.get('location')).toBe('/settings');
    const evil = await postForm(t, '/sign-in/key', { key: a.key, next: '//evil.example/x' });
    expect(evil.headers.get('location')).toBe('/');
  });

  it.each([
    ['a malformed key', () => 'dfr_nope'],
    ['a key with a bad checksum', (k: string) => `${k.slice(0, -1)}${k.endsWith('A') ? 'B' : 'A'}`],
  ])('refuses %s', async (_name, mangle) => {
    const a = await seedAccount(t, 'acme');
    const res = await postForm(t, '/sign-in/key', { key: mangle(a.key) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('m=bad-key');
    expect(cookieFrom(res)).toBeUndefined();
  });

  it('refuses a key without the admin scope, a revoked key and an expired key', async () => {
    const a = await seedAccount(t, 'acme');
    const action = await addKey(t, a.accountId, ['reviews:write', 'config:read']);
    const expired = await addKey(t, a.accountId, ['admin'], new Date(t.clock().getTime() - 1000));
    const revoked = await addKey(t, a.accountId, ['admin']);
    const cookie = await signInWithKey(t, a.key);
    await postForm(
      t,
      `/settings/keys/${revoked.keyId}/revoke`,
      { _csrf: await csrfOf(t, cookie) },
      { cookie },
    );
    for (const key of [action.key, expired.key, revoked.key]) {
      const res = await postForm(t, '/sign-in/key', { key });
      expect(res.headers.get('location')).toContain('m=bad-key');
      expect(cookieFrom(res)).toBeUndefined();
    }
  });

  it('rate-limits failed attempts per client address, never a valid key', async () => {
    const limited = await makeTestApp({
      config: { rateLimits: { perKeyPerMinute: 600, failedAuthPerMinute: 3 } },
    });
    try {
      const a = await seedAccount(limited, 'acme');
      for (let i = 0; i < 3; i += 1) await postForm(limited, '/sign-in/key', { key: 'dfr_wrong' });
      const res = await postForm(limited, '/sign-in/key', { key: 'dfr_wrong' });
      expect(res.headers.get('location')).toBe('/sign-in?m=rate-limited');
      // Someone else's failures from the same address (a shared proxy) do not lock the admin out.
      const good = await postForm(limited, '/sign-in/key', { key: a.key });
      expect(good.headers.get('location')).toBe('/');
      expect(cookieFrom(good)).toBeTruthy();
      const again = await postForm(limited, '/sign-in/key', { key: 'dfr_wrong' });
      expect(again.headers.get('location')).toBe('/sign-in?m=rate-limited');
    } finally {
      await limited.close();
    }
  });
});

describe('pages of a signed-in admin', () => {
  it('shows the overview with a chart, top repositories and latest reviews', async () => {
    const a = await seedAccount(t, 'acme');
    await seedReview(t, a.accountId);
    const cookie = await signInWithKey(t, a.key);
    const res = await get(t, '/', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<svg');
    expect(html).toContain('class="sev-fill-high"');
    expect(html).toContain('acme/widgets');
    expect(html).toContain('#7');
  });

  it('shows the workflow snippet when there are no reviews yet', async () => {
    const a = await seedAccount(t, 'acme');
    const html = await (await get(t, '/', await signInWithKey(t, a.key))).text();
    expect(html).toContain('uses: diffray/action@v1');
    expect(html).toContain('anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}');
    expect(html).toContain('pull-requests: write');
    expect(html).toContain('checks: write');
    expect(html).toContain('contents: read');
    expect(html).toContain(`api-url: ${PUBLIC_URL}`);
    expect(html).toContain('cancel-in-progress: true');
    expect(html).toContain('persist-credentials: false');
    expect(html).toContain('this API must be reachable from them');
    expect(html).toContain('only reachable from this machine');
  });

  it('shows a repository with its reviews and a trend reaching past 30 days', async () => {
    const a = await seedAccount(t, 'acme');
    await seedReview(t, a.accountId);
    t.clock.advance(60 * 86_400_000);
    await seedReview(
      t,
      a.accountId,
      makeReport({ pullRequest: 8, findings: [makeFinding({ severity: 'critical' })] }),
    );
    const cookie = await signInWithKey(t, a.key);
    const html = await (await get(t, '/repositories/acme/widgets', cookie)).text();
    expect(html).toContain('#8');
    expect(html).not.toContain('>#7<'); // the old review expired
    expect(html).toContain('since 2025-06-15'); // but its counts stay in the trend
    expect(html).toContain('$0.08');
  });

  it("totals the last 30 days' reviews, failed checks and cost from the daily aggregates", async () => {
    const a = await seedAccount(t, 'acme');
    await seedReview(t, a.accountId, makeReport({ pullRequest: 6, costUsd: 1 }));
    t.clock.advance(40 * 86_400_000);
    await seedReview(t, a.accountId, makeReport({ pullRequest: 7, costUsd: 0.25 }));
    await seedReview(t, a.accountId, makeReport({ pullRequest: 8, costUsd: 0.5, conclusion: 'success' }));
    const cookie = await signInWithKey(t, a.key);
    for (const path of ['/', '/repositories/acme/widgets']) {
      const html = await (await get(t, path, cookie)).text();
      // The review of 40 days ago is outside the window: two reviews, one failed, $0.75.
      expect(html).toMatch(/<dt>Reviews[^<]*<\/dt><dd>2<\/dd>/);
      expect(html).toContain('<dt>Failed checks</dt><dd>1</dd>');
      expect(html).toContain('<dt>Model cost</dt><dd>$0.75</dd>');
    }
  });

  it('shows a review with findings grouped by file, GitHub links and filters without JavaScript', async () => {
    const a = await seedAccount(t, 'acme');
    const id = await seedFindings(
      a.accountId,
      {
        path: 'src/a.ts',
        startLine: 4,
        line: 6,
        severity: 'critical',
        category: 'security',
        title: 'SQL injection',
      },
      { path: 'src/a.ts', line: 20, severity: 'low', category: 'style', title: 'Naming nit' },
      { path: 'docs/x.md', line: 2, severity: 'medium', category: 'documentation', title: 'Stale doc' },
    );
    const cookie = await signInWithKey(t, a.key);
    const html = await (await get(t, `/reviews/${id}`, cookie)).text();
    expect(html).toContain('href="https://github.com/acme/widgets/pull/7"');
    expect(html).toContain(`href="https://github.com/acme/widgets/blob/${'a'.repeat(40)}/src/a.ts#L4-L6"`);
    expect(html).toContain('SQL injection');
    expect(html).toContain('Naming nit');
    expect(html).toContain('420 of 450 (93%)');
    const filtered = await (await get(t, `/reviews/${id}?severity=critical&severity=medium`, cookie)).text();
    expect(filtered).toContain('SQL injection');
    expect(filtered).toContain('Stale doc');
    expect(filtered).not.toContain('Naming nit');
    expect(filtered).toContain('2 of 3 shown');
    const byCategory = await (await get(t, `/reviews/${id}?category=style`, cookie)).text();
    expect(byCategory).toContain('Naming nit');
    expect(byCategory).not.toContain('SQL injection');
  });

  it("shows the run's walkthrough, its model text escaped, and nothing of it without one", async () => {
    const a = await seedAccount(t, 'acme');
    const id = await seedReview(
      t,
      a.accountId,
      makeReport({
        walkthrough: {
          overview: ['Adds widget parsing. <script>alert(1)</script>'],
          files: [
            { path: 'src/app.ts', summary: 'parse() trims each part.' },
            { path: 'docs/guide.md', summary: 'Documents the trimming.' },
          ],
        },
      }),
    );
    const cookie = await signInWithKey(t, a.key);
    const html = await (await get(t, `/reviews/${id}`, cookie)).text();
    expect(html).toContain('What this pull request changes');
    expect(html).toContain('Adds widget parsing. &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html.indexOf('src/app.ts')).toBeLessThan(html.indexOf('docs/guide.md'));
    expect(html).toContain('parse() trims each part.');
    const plain = await seedReview(t, a.accountId);
    expect(await (await get(t, `/reviews/${plain}`, cookie)).text()).not.toContain(
      'What this pull request changes',
    );
  });

  it('links to the configured GitHub Enterprise host', async () => {
    const ghes = await makeTestApp({ config: { githubUrl: 'https://ghe.example.com' } });
    try {
      const a = await seedAccount(ghes, 'acme');
      const id = await seedReview(ghes, a.accountId);
      const html = await (await get(ghes, `/reviews/${id}`, await signInWithKey(ghes, a.key))).text();
      expect(html).toContain('href="https://ghe.example.com/acme/widgets/pull/7"');
      expect(html).not.toContain('https://github.com/');
    } finally {
      await ghes.close();
    }
  });

  it('escapes model text and links only to the GitHub host', async () => {
    const a = await seedAccount(t, 'acme');
    const id = await seedFindings(a.accountId, {
      title: '<script>alert(1)</script>',
      body: '<img src=x onerror=alert(1)> [click](javascript:alert(1)) ![pic](https://evil.example/p.png) see https://github.com/acme/widgets/issues/1 and https://evil.example/x',
    });
    const html = await (await get(t, `/reviews/${id}`, await signInWithKey(t, a.key))).text();
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).not.toContain('href="https://evil.example');
    expect(html).not.toMatch(/<img[^>]*evil/);
    expect(html).toContain('href="https://github.com/acme/widgets/issues/1"');
  });
});

describe('tenants', () => {
  it("never shows account A's review, repository or key to a user of account B", async () => {
    const a = await seedAccount(t, 'acme');
    const b = await seedAccount(t, 'bravo');
    const reviewId = await seedReview(t, a.accountId);
    const cookieB = await signInWithKey(t, b.key);
    expect((await get(t, `/reviews/${reviewId}`, cookieB)).status).toBe(404);
    expect((await get(t, '/repositories/acme/widgets', cookieB)).status).toBe(404);
    expect((await get(t, '/settings/repositories/acme/widgets/disconnect', cookieB)).status).toBe(404);
    const csrf = await csrfOf(t, cookieB);
    expect(
      (await postForm(t, `/settings/keys/${a.keyId}/revoke`, { _csrf: csrf }, { cookie: cookieB })).status,
    ).toBe(404);
    expect((await getKey(t.db, a.keyId))!.revokedAt).toBeNull();
    // Bravo's own pages, so that what they leave out is meaningful.
    const settings = await (await get(t, '/settings', cookieB)).text();
    expect(settings).toContain('Keys, config, members and data of bravo.');
    expect(settings).not.toContain(a.key.slice(0, 12));
    expect(settings).not.toContain('acme');
    const overview = await (await get(t, '/', cookieB)).text();
    expect(overview).toContain('Reviews of the last 30 days for bravo.');
    expect(overview).not.toContain('acme/widgets');
    // The JSON API accepts the page session and answers 404 too.
    const api = await t.app.request(`${PUBLIC_URL}/v1/reviews/${reviewId}`, {
      headers: { cookie: `__Host-diffray_session=${cookieB}` },
    });
    expect(api.status).toBe(404);
    // And A sees it.
    expect((await get(t, `/reviews/${reviewId}`, await signInWithKey(t, a.key))).status).toBe(200);
  });

  it("refuses to remove another account's member", async () => {
    const a = await seedAccount(t, 'acme');
    const b = await seedAccount(t, 'bravo');
    const { userId } = await grant(t, a.accountId, 'octocat');
    const cookieB = await signInWithKey(t, b.key);
    const res = await postForm(
      t,
      `/settings/members/${userId}/remove`,
      { _csrf: await csrfOf(t, cookieB) },
      { cookie: cookieB },
    );
    expect(res.status).toBe(404);
  });
});

describe('session tokens', () => {
  /** A token of `payload` signed as the server signs (its key named in the header), or with `opts`. */
  async function forged(
    payload: Record<string, unknown>,
    opts: { key?: string; alg?: 'HS256' | 'HS512' } = {},
  ) {
    const key = opts.key ?? deriveKey(t.config.sessionSecret, 'session');
    const alg = opts.alg ?? 'HS256';
    const kid = sessionKeyId(t.config.sessionSecret);
    return sign(payload, { kty: 'oct', k: Buffer.from(key).toString('base64url'), alg, kid });
  }

  async function validClaims() {
    const a = await seedAccount(t, 'acme');
    const cookie = await signInWithKey(t, a.key);
    const [, payload] = cookie.split('.');
    return {
      cookie,
      claims: JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>,
    };
  }

  it('accepts the token it issued', async () => {
    const { cookie } = await validClaims();
    expect((await get(t, '/', cookie)).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    const { cookie } = await validClaims();
    t.clock.advance(12 * 3_600_000 + 1000);
    const res = await get(t, '/', cookie);
    expectSignInRedirect(res);
    expect(cookieFrom(res)).toBe(''); // and clears the cookie
  });

  it('refuses a tampered token', async () => {
    const { cookie, claims } = await validClaims();
    const other = await seedAccount(t, 'other');
    const [h, , s] = cookie.split('.');
    const payload = Buffer.from(JSON.stringify({ ...claims, acc: other.accountId })).toString('base64url');
    expectSignInRedirect(await get(t, '/', `${h}.${payload}.${s}`));
    const flipped = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA');
    expectSignInRedirect(await get(t, '/', flipped));
  });

  it('refuses alg: none', async () => {
    const { claims } = await validClaims();
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expectSignInRedirect(await get(t, '/', `${header}.${payload}.`));
    expectSignInRedirect(await get(t, '/', `${header}.${payload}`));
  });

  it('refuses another algorithm even with the right key', async () => {
    const { claims } = await validClaims();
    expectSignInRedirect(await get(t, '/', await forged(claims, { alg: 'HS512' })));
  });

  it('refuses a wrong audience, a wrong issuer, and a token without exp, iss or aud', async () => {
    const { claims } = await validClaims();
    const { exp: _exp, ...noExp } = claims;
    const { aud: _aud, ...noAud } = claims;
    const { iss: _iss, ...noIss } = claims;
    for (const payload of [
      { ...claims, aud: 'diffray-api' },
      { ...claims, aud: [SESSION_AUDIENCE, 'x'] },
      { ...claims, iss: 'https://evil.example' },
      noExp,
      noAud,
      noIss,
      { ...claims, exp: String(claims.exp) },
    ]) {
      expectSignInRedirect(await get(t, '/', await forged(payload)));
    }
    // Control: the same forging with valid claims is accepted, so the refusals above are about the claims.
    expect((await get(t, '/', await forged(claims))).status).toBe(200);
  });

  it('refuses a token not valid before a time still to come, or with an nbf that is not a time', async () => {
    const { claims } = await validClaims();
    const now = Math.floor(t.clock().getTime() / 1000);
    expectSignInRedirect(await get(t, '/', await forged({ ...claims, nbf: now + 3_600 })));
    expectSignInRedirect(await get(t, '/', await forged({ ...claims, nbf: String(now) })));
    // The clock-skew leeway of `iat` applies: a second server's clock may run a little ahead.
    expect((await get(t, '/', await forged({ ...claims, nbf: now + 30 }))).status).toBe(200);
    expect((await get(t, '/', await forged({ ...claims, nbf: now }))).status).toBe(200);
  });

  it('refuses a token signed with another secret', async () => {
    const { claims } = await validClaims();
    expectSignInRedirect(
      await get(
        t,
        '/',
        await forged(claims, { key: deriveKey('another-secret-of-enough-length-000000', 'session') }),
      ),
    );
  });
});

describe('ending sessions', () => {
  it('sign-out (POST) ends the session at once', async () => {
    const { cookie, csrf } = await signedInAdmin();
    const res = await postForm(t, '/sign-out', { _csrf: csrf }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sign-in?m=signed-out');
    expect(cookieFrom(res)).toBe('');
    expectSignInRedirect(await get(t, '/', cookie));
  });

  it('sign-out by GET does nothing', async () => {
    const a = await seedAccount(t, 'acme');
    const cookie = await signInWithKey(t, a.key);
    await get(t, '/sign-out', cookie);
    expect((await get(t, '/', cookie)).status).toBe(200);
  });

  it('revoking the key that signed in ends its sessions', async () => {
    const a = await seedAccount(t, 'acme');
    const second = await addKey(t, a.accountId, ['admin']);
    const cookie = await signInWithKey(t, second.key);
    const admin = await signInWithKey(t, a.key);
    await postForm(
      t,
      `/settings/keys/${second.keyId}/revoke`,
      { _csrf: await csrfOf(t, admin) },
      { cookie: admin },
    );
    expectSignInRedirect(await get(t, '/', cookie));
    expect((await get(t, '/', admin)).status).toBe(200);
  });

  it('deleting the account ends every session of it', async () => {
    const a = await seedAccount(t, 'acme');
    const other = await signInWithKey(t, a.key);
    const cookie = await signInWithKey(t, a.key);
    const csrf = await csrfOf(t, cookie);
    const wrong = await postForm(t, '/settings/account/delete', { _csrf: csrf, confirm: 'nope' }, { cookie });
    expect(wrong.status).toBe(422);
    expect((await get(t, '/', cookie)).status).toBe(200);
    const res = await postForm(t, '/settings/account/delete', { _csrf: csrf, confirm: 'acme' }, { cookie });
    expect(res.headers.get('location')).toBe('/sign-in?m=account-deleted');
    expectSignInRedirect(await get(t, '/', cookie));
    expectSignInRedirect(await get(t, '/', other));
    const again = await postForm(t, '/sign-in/key', { key: a.key });
    expect(again.headers.get('location')).toContain('m=bad-key');
  });

  it('a bumped account session version ends every session', async () => {
    const a = await seedAccount(t, 'acme');
    const cookie = await signInWithKey(t, a.key);
    await bumpSessionVersion(t.db, a.accountId);
    expectSignInRedirect(await get(t, '/', cookie));
  });

  it('an account locked by the API ends the sessions too', async () => {
    const a = await seedAccount(t, 'acme');
    const cookie = await signInWithKey(t, a.key);
    await lockAccount(t.db, a.accountId, t.clock(), new Date(t.clock().getTime() + 1000));
    expectSignInRedirect(await get(t, '/', cookie));
  });

  it('removing a member ends their sessions', async () => {
    const a = await seedAccount(t, 'acme');
    const memberCookie = await userSession(a.accountId, 'octocat', 'member');
    expect((await get(t, '/', memberCookie)).status).toBe(200);
    const admin = await signInWithKey(t, a.key);
    const settings = await (await get(t, '/settings', admin)).text();
    const userId = /\/settings\/members\/([^/]+)\/remove/.exec(settings)![1]!;
    const res = await postForm(
      t,
      `/settings/members/${userId}/remove`,
      { _csrf: await csrfOf(t, admin) },
      { cookie: admin },
    );
    expect(res.status).toBe(303);
    expectSignInRedirect(await get(t, '/', memberCookie));
  });
});

describe('cross-site forms', () => {
  it('outside production takes a form from the page reached by another loopback name', async () => {
    const a = await seedAccount(t, 'acme');
    const twin = PUBLIC_URL.replace('localhost', '127.0.0.1');
    const res = await postForm(t, '/sign-in/key', { key: a.key }, { origin: twin });
    expect(res.status).toBe(303);
    expect(cookieFrom(res)).toBeDefined();
  });

  it('in production names what origin came and which was expected', async () => {
    const prod = await makeTestApp({ config: { production: true } });
    try {
      const a = await seedAccount(prod, 'acme');
      const twin = PUBLIC_URL.replace('localhost', '127.0.0.1');
      const res = await postForm(prod, '/sign-in/key', { key: a.key }, { origin: twin });
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain(`It came from ${twin}, but PUBLIC_URL says the page is at ${PUBLIC_URL}`);
    } finally {
      await prod.close();
    }
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example', site: 'cross-site' }],
    ['a foreign Origin without fetch metadata', { origin: 'https://evil.example', site: null }],
    ['Sec-Fetch-Site cross-site', { origin: null, site: 'cross-site' }],
    ['Sec-Fetch-Site same-site', { origin: null, site: 'same-site' }],
    ['Origin null', { origin: 'null', site: null }],
    ['neither Origin nor fetch metadata', { origin: null, site: null }],
  ] as const)('refuses a form post with %s', async (_name, headers) => {
    const { a, cookie, csrf } = await signedInAdmin();
    const res = await postForm(
      t,
      '/settings/keys',
      { _csrf: csrf, name: 'x', scopes: 'admin' },
      { cookie, ...headers },
    );
    expect(res.status).toBe(403);
    const signOut = await postForm(t, '/sign-out', { _csrf: csrf }, { cookie, ...headers });
    expect(signOut.status).toBe(403);
    const signIn = await postForm(t, '/sign-in/key', { key: a.key }, headers);
    expect(signIn.status).toBe(403);
    expect(cookieFrom(signIn)).toBeUndefined();
    expect((await get(t, '/', cookie)).status).toBe(200);
    expect(await (await get(t, '/settings', cookie)).text()).not.toContain('>x<');
  });

  it('refuses a same-origin form without the session token, or with another session’s', async () => {
    const a = await seedAccount(t, 'acme');
    const cookie = await signInWithKey(t, a.key);
    const other = await signInWithKey(t, a.key);
    expect((await postForm(t, '/settings/keys', { name: 'x', scopes: 'admin' }, { cookie })).status).toBe(
      403,
    );
    const foreign = await csrfOf(t, other);
    expect(
      (await postForm(t, '/settings/keys', { _csrf: foreign, name: 'x', scopes: 'admin' }, { cookie }))
        .status,
    ).toBe(403);
    expect((await postForm(t, '/sign-out', {}, { cookie })).status).toBe(403);
    expect((await get(t, '/', cookie)).status).toBe(200);
  });

  it('refuses a cross-site state change through the JSON API with a session cookie', async () => {
    const a = await seedAccount(t, 'acme');
    const cookie = await signInWithKey(t, a.key);
    const res = await t.app.request(`${PUBLIC_URL}/v1/account`, {
      method: 'DELETE',
      headers: {
        cookie: `__Host-diffray_session=${cookie}`,
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    expect(res.status).toBe(403);
    expect((await get(t, '/', cookie)).status).toBe(200);
  });
});

describe('settings', () => {
  it('creates a key, shows the plaintext once, and revokes it', async () => {
    const { a, cookie, csrf } = await signedInAdmin();
    const res = await postForm(
      t,
      '/settings/keys',
      { _csrf: csrf, name: 'CI', scopes: ['reviews:write', 'config:read'], expires: '90' },
      { cookie },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    // In a read-only field; its copy button is shown by the page's one script, a static file.
    const plaintext = /<input id="new-key"[^>]*readonly[^>]*value="(dfr_[0-9A-Za-z]+)"/.exec(html)![1]!;
    const script = /<script src="(\/static\/copy\.[a-f0-9]{12}\.js)" defer=""><\/script>/.exec(html)![1]!;
    const served = await get(t, script, cookie);
    expect(served.headers.get('content-type')).toContain('text/javascript');
    expect(await served.text()).toContain('navigator.clipboard.writeText');
    // The new key works against the API with its scopes only.
    const ok = await t.app.request(`${PUBLIC_URL}/v1/config?repository=acme/widgets`, {
      headers: { authorization: `Bearer ${plaintext}` },
    });
    expect(ok.status).toBe(200);
    const list = await (await get(t, '/settings', cookie)).text();
    expect(list).not.toContain(plaintext);
    expect(list).toContain(plaintext.slice(0, 12));
    const keyId = [...list.matchAll(/\/settings\/keys\/([^/]+)\/revoke/g)]
      .map((m) => m[1]!)
      .find((id) => id !== a.keyId)!;
    const revoked = await postForm(t, `/settings/keys/${keyId}/revoke`, { _csrf: csrf }, { cookie });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/settings?notice=key-revoked#keys');
    const after = await t.app.request(`${PUBLIC_URL}/v1/config?repository=acme/widgets`, {
      headers: { authorization: `Bearer ${plaintext}` },
    });
    expect(after.status).toBe(401);
  });

  it('refuses a key without a name or scopes', async () => {
    const { cookie, csrf } = await signedInAdmin();
    expect(
      (await postForm(t, '/settings/keys', { _csrf: csrf, name: '', scopes: 'admin' }, { cookie })).status,
    ).toBe(422);
    expect((await postForm(t, '/settings/keys', { _csrf: csrf, name: 'x' }, { cookie })).status).toBe(422);
    expect(
      (await postForm(t, '/settings/keys', { _csrf: csrf, name: 'x', scopes: 'root' }, { cookie })).status,
    ).toBe(422);
  });

  it('validates config YAML with errors naming key and line, and saves valid config', async () => {
    const { a, cookie, csrf } = await signedInAdmin();
    const bad = await postForm(
      t,
      '/settings/config',
      { _csrf: csrf, repository: 'acme/widgets', yaml: 'fail-on: high\nmax-comments: 5\nfail-onn: low\n' },
      { cookie },
    );
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('Line 3: <code>fail-onn</code>');
    expect(html).toContain('fail-onn: low'); // the text is kept for fixing
    const bad2 = await postForm(
      t,
      '/settings/config',
      { _csrf: csrf, yaml: 'fail-on: sometimes\n' },
      { cookie },
    );
    expect(await bad2.text()).toMatch(/Line 1: <code>fail-on<\/code>/);
    const good = await postForm(
      t,
      '/settings/config',
      { _csrf: csrf, repository: 'acme/widgets', yaml: 'fail-on: high\n' },
      { cookie },
    );
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/settings/config?repository=acme%2Fwidgets&saved=1');
    const api = await t.app.request(`${PUBLIC_URL}/v1/config?repository=acme/widgets`, {
      headers: { authorization: `Bearer ${a.key}` },
    });
    expect(JSON.stringify(await api.json())).toContain('high');
    const editor = await (await get(t, good.headers.get('location')!, cookie)).text();
    expect(editor).toContain('Config saved.');
    expect(editor).toContain('fail-on: high');
  });

  it('shows the effective hosted config with where each value comes from, and the schema’s keys', async () => {
    const { cookie, csrf } = await signedInAdmin();
    const save = (yaml: string, repository?: string) =>
      postForm(
        t,
        '/settings/config',
        { _csrf: csrf, yaml, ...(repository ? { repository } : {}) },
        { cookie },
      );
    expect((await save('fail-on: medium\nmax-comments: 5\n')).status).toBe(303);
    expect((await save('max-comments: 2\nexclude: ["gen/**", "*.snap"]\n', 'acme/widgets')).status).toBe(303);

    const html = await (await get(t, '/settings/config?repository=acme/widgets', cookie)).text();
    const effective = html.slice(html.indexOf('Effective hosted config for acme/widgets'));
    const row = (key: string) =>
      new RegExp(`<th scope="row"><code>${key}</code></th><td class="mono">([^<]*)</td><td>([^<]*)</td>`)
        .exec(effective)
        ?.slice(1);
    expect(row('fail-on')).toEqual(['medium', 'account default']);
    expect(row('max-comments')).toEqual(['2', 'this repository']);
    expect(row('exclude')).toEqual(['gen/**, *.snap', 'this repository']);
    // Every key of the JSON Schema, nested ones dotted, with what it takes and its description.
    expect(html).toContain('<code>validation.threshold</code></th><td>a whole number from 0 to 100</td>');
    expect(html).toMatch(
      /<code>enabled<\/code><\/th><td>true or false<\/td><td>false: diffray does not review/,
    );
  });

  it('turns reviews off and on from the settings page, as enabled in the hosted config', async () => {
    const { a, cookie, csrf } = await signedInAdmin();
    const served = async () =>
      (await (
        await t.app.request(`${PUBLIC_URL}/v1/config?repository=acme/widgets`, {
          headers: { authorization: `Bearer ${a.key}` },
        })
      ).json()) as { config: { enabled?: boolean }; yaml: { repository: string | null } };
    const toggle = (enabled: boolean, repository?: string) =>
      postForm(
        t,
        '/settings/config/enabled',
        { _csrf: csrf, enabled: String(enabled), ...(repository ? { repository } : {}) },
        { cookie },
      );
    await postForm(
      t,
      '/settings/config',
      { _csrf: csrf, repository: 'acme/widgets', yaml: '# ours\nfail-on: high\n' },
      { cookie },
    );

    const off = await toggle(false, 'acme/widgets');
    expect(off.status).toBe(303);
    expect(off.headers.get('location')).toBe('/settings?notice=reviews-disabled#config');
    expect(await served()).toMatchObject({
      config: { enabled: false, 'fail-on': 'high' },
      yaml: { repository: '# ours\nfail-on: high\nenabled: false\n' },
    });
    const settings = await (await get(t, '/settings', cookie)).text();
    expect(settings).toMatch(/acme\/widgets<\/a><\/td><td class="muted">set<\/td><td>off<\/td>/);
    expect(settings).toContain('aria-label="Enable reviews of acme/widgets"');

    // Back on under a default that reviews: the repository's config keeps no leftover key.
    await toggle(true, 'acme/widgets');
    expect(await served()).toMatchObject({ yaml: { repository: '# ours\nfail-on: high\n' } });
    expect((await served()).config.enabled).toBeUndefined();

    // Off by default, on for one repository: its config says so explicitly.
    await toggle(false);
    await toggle(true, 'acme/widgets');
    expect((await served()).config.enabled).toBe(true);
    const audit = await (await get(t, '/settings/export', cookie)).text();
    expect(audit).toContain('config.disable');
  });

  it('grants membership by GitHub login', async () => {
    const { cookie, csrf } = await signedInAdmin();
    expect(
      (
        await postForm(
          t,
          '/settings/members',
          { _csrf: csrf, login: 'not a login', role: 'admin' },
          { cookie },
        )
      ).status,
    ).toBe(422);
    const res = await postForm(
      t,
      '/settings/members',
      { _csrf: csrf, login: '@Octo-Cat', role: 'member' },
      { cookie },
    );
    expect(res.status).toBe(303);
    expect(await (await get(t, '/settings', cookie)).text()).toContain('@Octo-Cat');
  });

  it('exports the data as a JSON download without key hashes', async () => {
    const a = await seedAccount(t, 'acme');
    await seedReview(t, a.accountId);
    const cookie = await signInWithKey(t, a.key);
    const res = await get(t, '/settings/export', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="diffray-export-2025-06-15\.json"/,
    );
    const text = await res.text();
    const data = JSON.parse(text) as { reviews: unknown[] };
    expect(data.reviews).toHaveLength(1);
    expect(text).not.toMatch(/[a-f0-9]{64}/);
  });

  it('disconnects a repository after typing its name', async () => {
    const { a, cookie, csrf } = await signedInAdmin();
    const id = await seedReview(t, a.accountId);
    const page = '/settings/repositories/acme/widgets/disconnect';
    const disconnect = (confirm: string) => postForm(t, page, { _csrf: csrf, confirm }, { cookie });
    expect((await get(t, page, cookie)).status).toBe(200);
    const wrong = await disconnect('acme/other');
    expect(wrong.status).toBe(422);
    expect((await get(t, `/reviews/${id}`, cookie)).status).toBe(200);
    const res = await disconnect('acme/widgets');
    expect(res.status).toBe(303);
    expect((await get(t, `/reviews/${id}`, cookie)).status).toBe(404);
    expect((await get(t, '/repositories/acme/widgets', cookie)).status).toBe(404);
  });

  it('lets members read but not manage', async () => {
    const a = await seedAccount(t, 'acme');
    const id = await seedReview(t, a.accountId);
    const cookie = await userSession(a.accountId, 'reader', 'member');
    expect((await get(t, `/reviews/${id}`, cookie)).status).toBe(200);
    const settings = await get(t, '/settings', cookie);
    expect(await settings.text()).toContain('Only admins');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await get(t, '/', cookie)).text())![1]!;
    expect(
      (await postForm(t, '/settings/keys', { _csrf: csrf, name: 'x', scopes: 'admin' }, { cookie })).status,
    ).toBe(403);
    expect((await get(t, '/settings/export', cookie)).status).toBe(403);
  });
});
