/**
 * The middleware in front of the page routes (`createWebRoutes` in `../index.ts` says which paths get
 * which): same-origin forms, the visitor's session, form size, sign-in, the CSRF token and the admin role.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { clearSessionCookie, hasSessionCookie, pageSessionOf } from '../../auth/page-session.js';
import { csrfTokenMatches } from '../../auth/session-token.js';
import { getAccountDetails } from '../../db/index.js';
import { MemberSettingsPage } from '../pages/member-settings.js';
import type { PageKit, WebEnv } from './page-kit.js';

export function pageGuards(kit: PageKit) {
  const { deps, publicOrigin } = kit;

  const production = deps.config.production === true;

  /**
   * Cross-site form posts are refused before anything else: the request must say it comes from our origin
   * (Origin equal to PUBLIC_URL's, or Sec-Fetch-Site same-origin when Origin is absent). Outside
   * production, the page reached by another loopback name (127.0.0.1 for localhost) is our origin too.
   */
  const sameOriginOnly: MiddlewareHandler<WebEnv> = async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const ours = (o: string) => o === publicOrigin || (!production && loopbackTwins(o, publicOrigin));
      const ok =
        (site === undefined || site === 'same-origin') &&
        (origin !== undefined ? ours(origin) : site === 'same-origin');
      // Runs before the session is read, so the page has no top bar.
      if (!ok) {
        const why =
          origin !== undefined && site === 'same-origin'
            ? ` It came from ${origin}, but PUBLIC_URL says the page is at ${publicOrigin}: open the page there, or set PUBLIC_URL to the address you use.`
            : '';
        return kit.errorPage(
          c,
          403,
          'Request refused',
          `This form was not sent from diffray's own page.${why}`,
        );
      }
    }
    await next();
  };

  /** Sets `viewer` from the session cookie, and clears a cookie that no longer holds a session. */
  const loadViewer: MiddlewareHandler<WebEnv> = async (c, next) => {
    const hadCookie = hasSessionCookie(c);
    const viewer = await pageSessionOf(c, deps);
    c.set('viewer', viewer);
    if (hadCookie && !viewer) clearSessionCookie(c);
    await next();
  };

  const formLimit = bodyLimit({
    maxSize: 256 * 1024,
    onError: (c) => c.text('Form too large', 413),
  });

  /** Signed-in pages: a visitor without a valid session goes to the sign-in page. */
  const requireViewer: MiddlewareHandler<WebEnv> = async (c, next) => {
    const viewer = c.get('viewer');
    if (!viewer) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        const next = url.pathname === '/' ? '' : `?next=${encodeURIComponent(url.pathname + url.search)}`;
        return c.redirect(`/sign-in${next}`, 302);
      }
      return c.redirect('/sign-in?m=expired', 303);
    }
    await next();
  };

  /** State-changing forms of a signed-in visitor carry the per-session token. */
  const requireCsrfToken: MiddlewareHandler<WebEnv> = async (c, next) => {
    if (c.req.method === 'POST') {
      const viewer = c.get('viewer')!;
      const body = await c.req.parseBody({ all: true });
      if (!csrfTokenMatches(deps.config.sessionSecret, viewer.sessionId, body._csrf)) {
        return kit.errorPage(
          c,
          403,
          'Request refused',
          "The form's security token did not match. Reload the page and try again.",
        );
      }
    }
    await next();
  };

  /** Settings are an admin's; a member asking for `/settings` gets the page that says so. */
  const requireAdmin: MiddlewareHandler<WebEnv> = async (c, next) => {
    const viewer = c.get('viewer')!;
    if (viewer.role !== 'admin') {
      const asked = c.req.method === 'GET' && c.req.path === '/settings';
      const details = asked ? await getAccountDetails(deps.db, viewer.accountId) : undefined;
      if (details)
        return kit.render(c, <MemberSettingsPage viewer={await kit.viewerOf(viewer)} details={details} />);
      return kit.errorPage(c, 403, 'Admins only', 'Only admins of this account can do this.');
    }
    await next();
  };

  return { sameOriginOnly, loadViewer, formLimit, requireViewer, requireCsrfToken, requireAdmin };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Two origins that differ only in which loopback name they use (same scheme and port). */
export function loopbackTwins(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return (
      x.protocol === y.protocol && x.port === y.port && LOOPBACK.has(x.hostname) && LOOPBACK.has(y.hostname)
    );
  } catch {
    return false;
  }
}
