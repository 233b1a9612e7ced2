import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Auth } from '../../auth/authenticate.js';
import { hashKey, isWellFormedKey } from '../../auth/key-format.js';
import {
  authorizeUrl,
  fetchGitHubUser,
  githubHostFor,
  OAuthError,
  randomToken,
  type OAuthClientConfig,
} from '../../auth/oauth.js';
import {
  OAUTH_COOKIE,
  OAUTH_TTL_SECONDS,
  openFlow,
  safeNext,
  sameState,
  sealFlow,
  UsedStates,
} from '../../auth/oauth-state.js';
import { startChoice } from '../../auth/account-choice.js';
import { clearSessionCookie, startPageSession, tokenContext } from '../../auth/page-session.js';
import { accountsOf, findKeyByHash, revokeSession, userForGitHub } from '../../db/index.js';
import type { AppEnv } from '../../types.js';
import { SIGN_IN_MESSAGES, SignInPage, type SignInMessage } from '../pages/sign-in.js';
import { pickNotice, type PageKit, type WebEnv } from './page-kit.js';

export interface SignInOptions {
  /** The fetch used for GitHub OAuth calls (tests point it at a fake server through the config URLs). */
  fetch?: typeof fetch;
}

/** Signing in (an admin key, or GitHub OAuth when configured) and out. */
export function signInPages(kit: PageKit, auth: Pick<Auth, 'noteFailedAuth'>, opts: SignInOptions) {
  const { deps } = kit;
  const { db, clock, config } = deps;
  const github = githubHostFor(config.githubUrl);
  const oauth: OAuthClientConfig | undefined = config.githubOAuth
    ? { ...github, ...config.githubOAuth }
    : undefined;
  const redirectUri = `${config.publicUrl}/auth/github/callback`;
  const usedStates = new UsedStates(db);
  const fetchImpl = opts.fetch ?? fetch;
  const tokens = (now: Date) => tokenContext(config, now);

  return new Hono<WebEnv>()
    .get('/sign-in', (c) => {
      const next = safeNext(c.req.query('next'));
      if (c.get('viewer')) return c.redirect(next, 302);
      const message = pickNotice<SignInMessage>(c.req.query('m'), SIGN_IN_MESSAGES);
      return kit.render(c, <SignInPage oauthEnabled={oauth !== undefined} next={next} message={message} />);
    })
    .post('/sign-in/key', async (c) => {
      const body = await c.req.parseBody({ all: true });
      const key = typeof body.key === 'string' ? body.key.trim() : '';
      const next = safeNext(body.next);
      const now = clock();
      const row = isWellFormedKey(key) ? await findKeyByHash(db, hashKey(key)) : undefined;
      const valid =
        row !== undefined &&
        row.revokedAt === null &&
        row.accountDeletedAt === null &&
        (row.expiresAt === null || row.expiresAt > now) &&
        row.scopes.includes('admin');
      if (!valid || !(await startPageSession(c, deps, { accountId: row.accountId, apiKeyId: row.id }))) {
        // The JSON API's failure limit, per client address, counted only for keys that fail (the context
        // variables it reads are a subset of ours).
        if ((await auth.noteFailedAuth(c as unknown as Context<AppEnv>)) > 0)
          return c.redirect('/sign-in?m=rate-limited', 303);
        return c.redirect(
          `/sign-in?m=bad-key${next === '/' ? '' : `&next=${encodeURIComponent(next)}`}`,
          303,
        );
      }
      await kit.audit(c, row.accountId, `key:${row.id}`, 'session.sign_in', 'key');
      return c.redirect(next, 303);
    })
    .get('/auth/github', async (c) => {
      if (!oauth) return kit.notFoundPage(c);
      const state = randomToken();
      const verifier = randomToken();
      const sealed = await sealFlow(
        { state, verifier, next: safeNext(c.req.query('next')) },
        tokens(clock()),
      );
      setCookie(c, OAUTH_COOKIE, sealed, {
        prefix: 'host',
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
        path: '/',
        maxAge: OAUTH_TTL_SECONDS,
      });
      return c.redirect(authorizeUrl(oauth, { state, verifier, redirectUri }), 302);
    })
    .get('/auth/github/callback', async (c) => {
      if (!oauth) return kit.notFoundPage(c);
      const now = clock();
      const flow = await openFlow(getCookie(c, OAUTH_COOKIE, 'host'), tokens(now));
      deleteCookie(c, OAUTH_COOKIE, {
        prefix: 'host',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      });
      const state = c.req.query('state');
      const code = c.req.query('code');
      const refuse = (reason: string, m: SignInMessage = 'oauth-failed') => {
        deps.log({ level: 'warn', msg: 'github sign-in refused', reason });
        return c.redirect(`/sign-in?m=${m}`, 302);
      };
      if (!flow) return refuse('missing or invalid flow cookie');
      if (!state || !sameState(state, flow.state)) return refuse('state mismatch');
      if (!(await usedStates.consume(flow.state, flow.exp))) return refuse('state replayed');
      if (!code || code.length > 200)
        return refuse(c.req.query('error') ? 'authorization denied' : 'no code');
      let gh;
      try {
        gh = await fetchGitHubUser(oauth, { code, verifier: flow.verifier, redirectUri }, fetchImpl);
      } catch (err) {
        return refuse(err instanceof OAuthError ? err.reason : 'unexpected error');
      }
      const userId = await userForGitHub(db, gh);
      const mine = userId ? await accountsOf(db, userId) : [];
      if (!userId || mine.length === 0) return refuse('not a member', 'not-member');
      // One account joined and nothing to answer: straight in. Otherwise the person chooses, and answers
      // invitations first: an admin's grant opens nothing until its person accepts it.
      const only = mine.length === 1 ? mine.find((m) => m.acceptedAt !== null) : undefined;
      if (only) {
        if (!(await startPageSession(c, deps, { accountId: only.accountId, userId })))
          return refuse('account locked');
        await kit.audit(c, only.accountId, `user:${userId}`, 'session.sign_in', 'github');
        return c.redirect(flow.next, 302);
      }
      // A session this browser still had (of someone, or of another account) ends with a new sign-in.
      const previous = c.get('viewer');
      if (previous) {
        await revokeSession(db, previous.sessionId, now);
        clearSessionCookie(c);
      }
      await startChoice(c, deps, { userId, login: gh.login, next: flow.next });
      return c.redirect('/accounts', 302);
    })
    .post('/sign-out', async (c) => {
      const page = await kit.signedIn(c);
      await revokeSession(db, page.session.sessionId, page.now);
      await page.audit('session.sign_out');
      clearSessionCookie(c);
      return c.redirect('/sign-in?m=signed-out', 303);
    });
}
