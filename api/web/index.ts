/**
 * The pages, mounted by `createApp` at `/` beside the JSON API: `pageOptions()` gives it the routes and the
 * page session as a JSON-API principal. The routes are split by area as `api/routes/` is (`routes/*.tsx`,
 * each from the `PageKit` of `routes/page-kit.tsx`); the guards in front of them are registered here, by
 * path, so which page needs what reads in one place.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Auth } from '../auth/authenticate.js';
import { sessionResolver } from '../auth/page-session.js';
import type { AppDeps, AppEnv } from '../types.js';
import { accountPages } from './routes/account.js';
import { accountsPages } from './routes/accounts.js';
import { configPages } from './routes/config.js';
import { dismissalsPages } from './routes/dismissals.js';
import { pageGuards } from './routes/guards.js';
import { keysPages } from './routes/keys.js';
import { membersPages } from './routes/members.js';
import { overviewPages } from './routes/overview.js';
import { createPageKit, type WebEnv } from './routes/page-kit.js';
import { profilePages } from './routes/profile.js';
import { repositoriesPages } from './routes/repositories.js';
import { reviewsPages } from './routes/reviews.js';
import { settingsPages } from './routes/settings.js';
import { signInPages, type SignInOptions } from './routes/sign-in.js';
import { staticPages } from './routes/static.js';

export type WebOptions = SignInOptions;

/**
 * The sub-app is mounted at `/` beside the JSON API, so middleware is attached to the page paths only (a
 * `*` here would run on `/v1/*` too). `/x/*` also matches `/x`.
 */
const PAGE_PATHS = [
  '/',
  '/sign-in/*',
  '/sign-out',
  '/auth/*',
  '/accounts/*',
  '/profile',
  '/repositories/*',
  '/reviews/*',
  '/dismissals',
  '/settings/*',
  '/static/*',
];

/** Builds the page routes; mount with `app.route('/', createWebRoutes(deps, auth))`. */
export function createWebRoutes(deps: AppDeps, auth: Pick<Auth, 'noteFailedAuth'>, opts: WebOptions = {}) {
  const kit = createPageKit(deps);
  const guard = pageGuards(kit);
  const web = new Hono<WebEnv>();
  const onPages = (...mw: MiddlewareHandler<WebEnv>[]) => {
    for (const path of PAGE_PATHS) web.use(path, ...mw);
  };

  onPages(guard.sameOriginOnly, guard.loadViewer);
  web.use('/sign-in/*', guard.formLimit);
  web.use('/accounts/*', guard.formLimit);
  web.use('/sign-out', guard.formLimit, guard.requireViewer, guard.requireCsrfToken);
  for (const path of ['/', '/repositories/*', '/reviews/*', '/dismissals'])
    web.use(path, guard.requireViewer);
  web.use('/profile', guard.formLimit, guard.requireViewer, guard.requireCsrfToken);
  web.use('/settings/*', guard.formLimit, guard.requireViewer, guard.requireAdmin, guard.requireCsrfToken);

  web.route('/', staticPages());
  web.route('/', signInPages(kit, auth, opts));
  web.route('/', accountsPages(kit));
  web.route('/', profilePages(kit));
  web.route('/', overviewPages(kit));
  web.route('/', repositoriesPages(kit));
  web.route('/', reviewsPages(kit));
  web.route('/', dismissalsPages(kit));
  web.route('/', settingsPages(kit));
  web.route('/', keysPages(kit));
  web.route('/', configPages(kit));
  web.route('/', membersPages(kit));
  web.route('/', accountPages(kit));
  // Any other address a browser asks for is a page that does not exist: an HTML 404, not the API's JSON.
  web.get('*', (c, next) =>
    c.req.path.startsWith('/v1/') || !(c.req.header('accept') ?? '').includes('text/html')
      ? next()
      : kit.notFoundPage(c),
  );

  // Mounted into the API app, whose context variables are a subset of ours.
  return web as unknown as Hono<AppEnv>;
}

/** What `createApp` needs to serve the pages: `createApp({ db, clock, config, ...pageOptions() })`. */
export function pageOptions(opts: WebOptions = {}) {
  return {
    resolveSession: sessionResolver,
    web: (deps: AppDeps, auth: Auth) => createWebRoutes(deps, auth, opts),
  };
}
