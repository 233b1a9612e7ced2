import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { parseConfigYaml, type ConfigIssue } from '../../shared/config.js';
import { DAY_MS, LIMITS } from '../../shared/limits.js';
import { RepositoryNameSchema } from '../../shared/report.js';
import {
  addMember,
  exportAccountData,
  findKeyByHash,
  findRepository,
  getConfigs,
  getReview,
  insertKey,
  listConfigs,
  listKeys,
  listMembers,
  listRepositories,
  listReviews,
  lockAccount,
  recordAudit,
  revokeKey,
  deleteRepository,
  putConfig,
  utcDay,
  MEMBER_ROLES,
  SCOPES,
  type MemberRole,
} from '../db/index.js';
import {
  createSession,
  dailyTotals,
  firstAggregateDay,
  membershipsOf,
  removeMember,
  reviewTotals,
  revokeSession,
  topRepositories,
  userForGitHub,
} from '../db/index.js';
import { displayPrefix, generateKey, hashKey, isWellFormedKey } from '../auth/key-format.js';
import type { Auth } from '../auth/authenticate.js';
import type { AppDeps, AppEnv } from '../types.js';
import {
  authorizeUrl,
  fetchGitHubUser,
  githubHostFor,
  OAuthError,
  randomToken,
  type OAuthClientConfig,
} from '../auth/oauth.js';
import {
  OAUTH_COOKIE,
  OAUTH_TTL_SECONDS,
  openFlow,
  safeNext,
  sameState,
  sealFlow,
  UsedStates,
} from '../auth/oauth-state.js';
import { pageSessionOf, sessionResolver, type SessionPrincipal } from '../auth/page-session.js';
import { csrfTokenMatches, SESSION_COOKIE, SESSION_TTL_SECONDS, signSession } from '../auth/session-token.js';
import { daysBetween, fillDays } from './chart.js';
import { GitHubLinks } from './components.js';
import type { LayoutViewer } from './layout.js';
import { OverviewPage } from './pages/overview.js';
import { RepositoryPage } from './pages/repository.js';
import { parseFilters, ReviewPage } from './pages/review.js';
import {
  ConfigPage,
  DisconnectPage,
  ErrorPage,
  MemberSettingsPage,
  SETTINGS_NOTICES,
  SettingsPage,
  type SettingsFormError,
  type SettingsNotice,
} from './pages/settings.js';
import { SIGN_IN_MESSAGES, SignInPage, type SignInMessage } from './pages/sign-in.js';
import { FAVICON_SVG, STYLESHEET, stylesheetPath } from './styles.js';

type WebEnv = { Variables: AppEnv['Variables'] & { viewer: SessionPrincipal | undefined } };
type WebContext = Context<WebEnv>;

const REPO_NAME = RepositoryNameSchema;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-_]{0,38})$/;
const MAX_CONFIG_CHARS = 65_536;
const REVIEWS_PAGE = 25;

export interface WebOptions {
  /** The fetch used for GitHub OAuth calls (tests point it at a fake server through the config URLs). */
  fetch?: typeof fetch;
}

function viewerOf(s: SessionPrincipal): LayoutViewer {
  return {
    accountName: s.accountName,
    displayName: s.displayName,
    via: s.via,
    csrf: s.csrf,
    isAdmin: s.role === 'admin',
  };
}

function page(c: WebContext, node: JSX.Element, status: 200 | 400 | 403 | 404 | 422 = 200) {
  return c.html(`<!doctype html>${String(node)}`, status);
}

function pickNotice<T extends string>(value: string | undefined, allowed: Record<T, unknown>): T | undefined {
  return value !== undefined && Object.hasOwn(allowed, value) ? (value as T) : undefined;
}

/** Builds the page routes; mount with `app.route('/', createWebRoutes(deps, auth))`. */
export function createWebRoutes(
  deps: AppDeps,
  auth: Pick<Auth, 'checkFailedAuth' | 'noteFailedAuth'>,
  opts: WebOptions = {},
) {
  const { db, clock, config } = deps;
  const orm = db.orm;
  const publicOrigin = new URL(config.publicUrl).origin;
  const links = new GitHubLinks(config.githubUrl.replace(/\/+$/, ''));
  const github = githubHostFor(config.githubUrl);
  const oauth: OAuthClientConfig | undefined = config.githubOAuth
    ? { ...github, ...config.githubOAuth }
    : undefined;
  const redirectUri = `${config.publicUrl}/auth/github/callback`;
  const usedStates = new UsedStates();
  const fetchImpl = opts.fetch ?? fetch;
  const web = new Hono<WebEnv>();

  const audit = (c: WebContext, accountId: string, actor: string, action: string, target?: string) =>
    recordAudit(orm, {
      accountId,
      actor,
      action,
      target,
      clientAddress: c.get('clientAddress'),
      at: clock(),
    });

  const setSessionCookie = (c: WebContext, token: string) =>
    setCookie(c, SESSION_COOKIE, token, {
      prefix: 'host',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
      maxAge: SESSION_TTL_SECONDS,
    });
  const clearSessionCookie = (c: WebContext) =>
    deleteCookie(c, SESSION_COOKIE, {
      prefix: 'host',
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
    });

  const startSession = async (
    c: WebContext,
    input: { accountId: string; userId?: string; apiKeyId?: string },
  ) => {
    const now = clock();
    const created = createSession(orm, {
      ...input,
      now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000),
    });
    if (!created) return false;
    const token = await signSession(
      { sid: created.id, acc: input.accountId, sv: created.sessionVersion },
      { secret: config.sessionSecret, issuer: publicOrigin, now },
    );
    setSessionCookie(c, token);
    return true;
  };

  // The sub-app is mounted at `/` beside the JSON API, so middleware is attached to the page paths only
  // (a `*` here would run on `/v1/*` too).
  // (`/x/*` also matches `/x`.)
  const PAGE_PATHS = [
    '/',
    '/sign-in/*',
    '/sign-out',
    '/auth/*',
    '/repositories/*',
    '/reviews/*',
    '/settings/*',
    '/static/*',
  ];
  const onPages = (...mw: MiddlewareHandler<WebEnv>[]) => {
    for (const path of PAGE_PATHS) web.use(path, ...mw);
  };

  // Static assets: the stylesheet (content-hashed name, cached a year) and the favicon.
  web.get('/static/:file', (c) => {
    const file = c.req.param('file');
    if (`/static/${file}` === stylesheetPath()) {
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
    }
    if (file === 'favicon.svg') {
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml' });
    }
    return c.text('Not found', 404);
  });

  /** An error page, with the top bar when the visitor is signed in. */
  const errorPage = (c: WebContext, status: 403 | 404, title: string, text: string) => {
    const viewer = c.get('viewer');
    return page(
      c,
      <ErrorPage viewer={viewer ? viewerOf(viewer) : undefined} status={status} title={title} text={text} />,
      status,
    );
  };
  const notFoundPage = (c: WebContext) =>
    errorPage(
      c,
      404,
      'Not found',
      'There is nothing here, or it belongs to another account, or it expired (results are kept 30 days).',
    );

  // Cross-site form posts are refused before anything else: the request must say it comes from our origin
  // (Origin equal to PUBLIC_URL's, or Sec-Fetch-Site same-origin when Origin is absent).
  const sameOriginOnly: MiddlewareHandler<WebEnv> = async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const ok =
        (site === undefined || site === 'same-origin') &&
        (origin !== undefined ? origin === publicOrigin : site === 'same-origin');
      // Runs before the session is read, so the page has no top bar.
      if (!ok) return errorPage(c, 403, 'Request refused', "This form was not sent from diffray's own page.");
    }
    await next();
  };

  const loadViewer: MiddlewareHandler<WebEnv> = async (c, next) => {
    const hadCookie = getCookie(c, SESSION_COOKIE, 'host') !== undefined;
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
      if (!csrfTokenMatches(config.sessionSecret, viewer.sessionId, body._csrf)) {
        return errorPage(
          c,
          403,
          'Request refused',
          "The form's security token did not match. Reload the page and try again.",
        );
      }
    }
    await next();
  };

  const requireAdmin: MiddlewareHandler<WebEnv> = async (c, next) => {
    const viewer = c.get('viewer')!;
    if (viewer.role !== 'admin') {
      if (c.req.method === 'GET' && c.req.path === '/settings')
        return page(c, <MemberSettingsPage viewer={viewerOf(viewer)} />);
      return errorPage(c, 403, 'Admins only', 'Only admins of this account can do this.');
    }
    await next();
  };

  onPages(sameOriginOnly, loadViewer);
  web.use('/sign-in/*', formLimit);
  web.use('/sign-out', formLimit, requireViewer, requireCsrfToken);
  for (const path of ['/', '/repositories/*', '/reviews/*']) web.use(path, requireViewer);
  web.use('/settings/*', formLimit, requireViewer, requireAdmin, requireCsrfToken);

  // ---- Sign-in, OAuth, sign-out ----

  web.get('/sign-in', (c) => {
    const next = safeNext(c.req.query('next'));
    if (c.get('viewer')) return c.redirect(next, 302);
    const message = pickNotice<SignInMessage>(c.req.query('m'), SIGN_IN_MESSAGES);
    return page(c, <SignInPage oauthEnabled={oauth !== undefined} next={next} message={message} />);
  });

  web.post('/sign-in/key', async (c) => {
    try {
      auth.checkFailedAuth(c as unknown as Context<AppEnv>);
    } catch {
      return c.redirect('/sign-in?m=rate-limited', 303);
    }
    const body = await c.req.parseBody({ all: true });
    const key = typeof body.key === 'string' ? body.key.trim() : '';
    const next = safeNext(body.next);
    const now = clock();
    const row = isWellFormedKey(key) ? findKeyByHash(orm, hashKey(key)) : undefined;
    const valid =
      row !== undefined &&
      row.revokedAt === null &&
      row.accountDeletedAt === null &&
      (row.expiresAt === null || row.expiresAt > now) &&
      row.scopes.includes('admin');
    if (!valid || !(await startSession(c, { accountId: row.accountId, apiKeyId: row.id }))) {
      auth.noteFailedAuth(c as unknown as Context<AppEnv>);
      return c.redirect(`/sign-in?m=bad-key${next === '/' ? '' : `&next=${encodeURIComponent(next)}`}`, 303);
    }
    audit(c, row.accountId, `key:${row.id}`, 'session.sign_in', 'key');
    return c.redirect(next, 303);
  });

  web.get('/auth/github', async (c) => {
    if (!oauth) return notFoundPage(c);
    const state = randomToken();
    const verifier = randomToken();
    const sealed = await sealFlow(
      { state, verifier, next: safeNext(c.req.query('next')) },
      { secret: config.sessionSecret, issuer: publicOrigin, now: clock() },
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
  });

  web.get('/auth/github/callback', async (c) => {
    if (!oauth) return notFoundPage(c);
    const now = clock();
    const flow = await openFlow(getCookie(c, OAUTH_COOKIE, 'host'), {
      secret: config.sessionSecret,
      issuer: publicOrigin,
      now,
    });
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
    if (!usedStates.consume(flow.state, flow.exp, Math.floor(now.getTime() / 1000)))
      return refuse('state replayed');
    if (!code || code.length > 200) return refuse(c.req.query('error') ? 'authorization denied' : 'no code');
    let gh;
    try {
      gh = await fetchGitHubUser(oauth, { code, verifier: flow.verifier, redirectUri }, fetchImpl);
    } catch (err) {
      return refuse(err instanceof OAuthError ? err.reason : 'unexpected error');
    }
    const userId = userForGitHub(orm, gh);
    const membership = userId ? membershipsOf(orm, userId)[0] : undefined;
    if (!userId || !membership) return refuse('not a member', 'not-member');
    if (!(await startSession(c, { accountId: membership.accountId, userId })))
      return refuse('account locked');
    audit(c, membership.accountId, `user:${userId}`, 'session.sign_in', 'github');
    return c.redirect(flow.next, 302);
  });

  web.post('/sign-out', (c) => {
    const viewer = c.get('viewer')!;
    revokeSession(orm, viewer.sessionId, clock());
    audit(c, viewer.accountId, viewer.actor, 'session.sign_out');
    clearSessionCookie(c);
    return c.redirect('/sign-in?m=signed-out', 303);
  });

  // ---- Overview, repository, review ----

  web.get('/', (c) => {
    const viewer = c.get('viewer')!;
    const now = clock();
    const from = new Date(now.getTime() - 29 * DAY_MS);
    const sinceDay = utcDay(from);
    const rows = dailyTotals(orm, { accountId: viewer.accountId, sinceDay });
    return page(
      c,
      <OverviewPage
        viewer={viewerOf(viewer)}
        now={now}
        publicUrl={config.publicUrl}
        links={links}
        chart={fillDays(daysBetween(from, now), rows)}
        top={topRepositories(orm, { accountId: viewer.accountId, sinceDay, limit: 6 })}
        latest={listReviews(orm, { accountId: viewer.accountId, limit: 8, now }).rows}
        totals={reviewTotals(orm, { accountId: viewer.accountId, now })}
      />,
    );
  });

  web.get('/repositories/:owner/:name', (c) => {
    const viewer = c.get('viewer')!;
    const fullName = `${c.req.param('owner')}/${c.req.param('name')}`;
    if (!REPO_NAME.safeParse(fullName).success) return notFoundPage(c);
    const repo = findRepository(orm, viewer.accountId, fullName);
    if (!repo) return notFoundPage(c);
    const now = clock();
    const cursor = parseCursor(c.req.query('after'));
    const list = listReviews(orm, {
      accountId: viewer.accountId,
      repository: fullName,
      cursor,
      limit: REVIEWS_PAGE,
      now,
    });
    // The trend comes from the daily aggregates, so it reaches back past the 30 days reviews are kept.
    const thirtyAgo = new Date(now.getTime() - 29 * DAY_MS);
    const first = firstAggregateDay(orm, viewer.accountId, fullName);
    const oldest = new Date(now.getTime() - 179 * DAY_MS);
    let from = first && first < utcDay(thirtyAgo) ? new Date(`${first}T00:00:00Z`) : thirtyAgo;
    if (from < oldest) from = oldest;
    const rows = dailyTotals(orm, {
      accountId: viewer.accountId,
      sinceDay: utcDay(from),
      repository: fullName,
    });
    return page(
      c,
      <RepositoryPage
        viewer={viewerOf(viewer)}
        now={now}
        links={links}
        fullName={repo.fullName}
        reviews={list.rows}
        nextCursor={list.next ? `${list.next.createdAt}.${list.next.id}` : undefined}
        trend={fillDays(daysBetween(from, now), rows)}
        trendFrom={utcDay(from)}
        totals={reviewTotals(orm, { accountId: viewer.accountId, now, repositoryId: repo.id })}
      />,
    );
  });

  web.get('/reviews/:id', (c) => {
    const viewer = c.get('viewer')!;
    const id = c.req.param('id');
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) return notFoundPage(c);
    const now = clock();
    const found = getReview(orm, { accountId: viewer.accountId, id, now });
    if (!found) return notFoundPage(c);
    const filters = parseFilters(c.req.queries('severity') ?? [], c.req.queries('category') ?? []);
    return page(
      c,
      <ReviewPage
        viewer={viewerOf(viewer)}
        now={now}
        links={links}
        review={found.review}
        findings={found.findings}
        filters={filters}
      />,
    );
  });

  // ---- Settings (admins) ----

  const settingsPage = (
    c: WebContext,
    extra: {
      notice?: SettingsNotice | undefined;
      createdKey?: { name: string; plaintext: string };
      formError?: SettingsFormError;
    } = {},
    status: 200 | 400 | 422 = 200,
  ) => {
    const viewer = c.get('viewer')!;
    const configs = listConfigs(orm, viewer.accountId);
    const withConfig = new Set(
      configs.filter((x) => x.repository !== null).map((x) => x.repository!.toLowerCase()),
    );
    return page(
      c,
      <SettingsPage
        viewer={viewerOf(viewer)}
        now={clock()}
        keys={listKeys(orm, viewer.accountId)}
        members={listMembers(orm, viewer.accountId).map((m) => ({
          userId: m.userId,
          login: m.login,
          role: m.role,
          signedIn: m.githubId !== null,
        }))}
        repositories={listRepositories(orm, viewer.accountId).map((r) => ({
          fullName: r.fullName,
          hasConfig: withConfig.has(r.fullName.toLowerCase()),
        }))}
        hasAccountConfig={configs.some((x) => x.repository === null)}
        {...extra}
      />,
      status,
    );
  };

  /** The settings page again, with `message` above the form of `section` that was refused. */
  const refuseForm = (c: WebContext, section: SettingsFormError['section'], message: string) =>
    settingsPage(c, { formError: { section, message } }, 422);

  web.get('/settings', (c) =>
    settingsPage(c, { notice: pickNotice<SettingsNotice>(c.req.query('notice'), SETTINGS_NOTICES) }),
  );

  web.post('/settings/keys', async (c) => {
    const viewer = c.get('viewer')!;
    const body = await c.req.parseBody({ all: true });
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const rawScopes = ([] as unknown[]).concat(body.scopes ?? []);
    const scopes = SCOPES.filter((s) => rawScopes.includes(s));
    const expiresDays =
      body.expires === 'never' || body.expires === undefined ? undefined : Number(body.expires);
    if (name.length === 0 || name.length > 100) {
      return refuseForm(c, 'keys', 'Give the key a name (up to 100 characters).');
    }
    if (scopes.length === 0 || rawScopes.length !== scopes.length) {
      return refuseForm(c, 'keys', 'Choose at least one scope.');
    }
    if (expiresDays !== undefined && ![30, 90, 365].includes(expiresDays)) {
      return refuseForm(c, 'keys', 'Choose an expiry from the list.');
    }
    const now = clock();
    const plaintext = generateKey();
    const created = insertKey(orm, {
      accountId: viewer.accountId,
      hash: hashKey(plaintext),
      prefix: displayPrefix(plaintext),
      name,
      scopes,
      expiresAt: expiresDays === undefined ? null : new Date(now.getTime() + expiresDays * DAY_MS),
      now,
    });
    audit(c, viewer.accountId, viewer.actor, 'key.create', created.id);
    return settingsPage(c, { createdKey: { name, plaintext } });
  });

  web.post('/settings/keys/:id/revoke', (c) => {
    const viewer = c.get('viewer')!;
    const id = c.req.param('id');
    if (!revokeKey(orm, id, clock(), viewer.accountId)) return notFoundPage(c);
    audit(c, viewer.accountId, viewer.actor, 'key.revoke', id);
    if (viewer.actor === `key:${id}`) {
      clearSessionCookie(c);
      return c.redirect('/sign-in?m=expired', 303);
    }
    return c.redirect('/settings?notice=key-revoked#keys', 303);
  });

  const repositoryParam = (value: unknown): string | undefined | null => {
    if (value === undefined || value === '') return undefined;
    return typeof value === 'string' && REPO_NAME.safeParse(value.trim()).success ? value.trim() : null;
  };

  web.get('/settings/config', (c) => {
    const viewer = c.get('viewer')!;
    const repository = repositoryParam(c.req.query('repository'));
    if (repository === null) return notFoundPage(c);
    const stored = getConfigs(orm, viewer.accountId, repository);
    const current = repository === undefined ? stored.account : stored.repository;
    const known = repository === undefined ? undefined : findRepository(orm, viewer.accountId, repository);
    return page(
      c,
      <ConfigPage
        viewer={viewerOf(viewer)}
        repository={known?.fullName ?? repository}
        yaml={current?.yaml ?? ''}
        issues={[]}
        saved={c.req.query('saved') === '1'}
        updatedAt={current?.updatedAt}
        now={clock()}
      />,
    );
  });

  web.post('/settings/config', async (c) => {
    const viewer = c.get('viewer')!;
    const body = await c.req.parseBody({ all: true });
    const repository = repositoryParam(body.repository);
    if (repository === null) return notFoundPage(c);
    const yaml = typeof body.yaml === 'string' ? body.yaml.replace(/\r\n/g, '\n') : '';
    let issues: ConfigIssue[] = [];
    if (yaml.length > MAX_CONFIG_CHARS) {
      issues = [
        {
          key: '(root)',
          line: undefined,
          message: `the config is longer than ${MAX_CONFIG_CHARS} characters`,
        },
      ];
    } else {
      const parsed = parseConfigYaml(yaml);
      if (!parsed.ok) issues = parsed.issues;
    }
    if (issues.length > 0) {
      return page(
        c,
        <ConfigPage
          viewer={viewerOf(viewer)}
          repository={repository}
          yaml={yaml.slice(0, MAX_CONFIG_CHARS)}
          issues={issues}
          saved={false}
          updatedAt={undefined}
          now={clock()}
        />,
        422,
      );
    }
    putConfig(orm, viewer.accountId, repository, yaml, clock());
    audit(c, viewer.accountId, viewer.actor, 'config.put', repository ?? '(account)');
    const query = repository === undefined ? '' : `repository=${encodeURIComponent(repository)}&`;
    return c.redirect(`/settings/config?${query}saved=1`, 303);
  });

  web.get('/settings/export', (c) => {
    const viewer = c.get('viewer')!;
    const now = clock();
    const data = exportAccountData(orm, viewer.accountId, now);
    if (!data) return notFoundPage(c);
    audit(c, viewer.accountId, viewer.actor, 'account.export');
    c.header('Content-Disposition', `attachment; filename="diffray-export-${utcDay(now)}.json"`);
    return c.body(JSON.stringify(data, null, 2), 200, { 'Content-Type': 'application/json; charset=utf-8' });
  });

  const repoFromParams = (c: WebContext) => {
    const fullName = `${c.req.param('owner')}/${c.req.param('name')}`;
    if (!REPO_NAME.safeParse(fullName).success) return undefined;
    return findRepository(orm, c.get('viewer')!.accountId, fullName);
  };

  web.get('/settings/repositories/:owner/:name/disconnect', (c) => {
    const repo = repoFromParams(c);
    if (!repo) return notFoundPage(c);
    return page(c, <DisconnectPage viewer={viewerOf(c.get('viewer')!)} fullName={repo.fullName} />);
  });

  web.post('/settings/repositories/:owner/:name/disconnect', async (c) => {
    const viewer = c.get('viewer')!;
    const repo = repoFromParams(c);
    if (!repo) return notFoundPage(c);
    const body = await c.req.parseBody({ all: true });
    if (
      typeof body.confirm !== 'string' ||
      body.confirm.trim().toLowerCase() !== repo.fullName.toLowerCase()
    ) {
      return page(
        c,
        <DisconnectPage
          viewer={viewerOf(viewer)}
          fullName={repo.fullName}
          error="The name you typed does not match. Nothing was deleted."
        />,
        422,
      );
    }
    deleteRepository(orm, viewer.accountId, repo.fullName);
    audit(c, viewer.accountId, viewer.actor, 'repository.delete', repo.fullName);
    return c.redirect('/settings?notice=repository-disconnected#config', 303);
  });

  web.post('/settings/members', async (c) => {
    const viewer = c.get('viewer')!;
    const body = await c.req.parseBody({ all: true });
    const login = typeof body.login === 'string' ? body.login.trim().replace(/^@/, '') : '';
    const role = (MEMBER_ROLES as readonly unknown[]).includes(body.role)
      ? (body.role as MemberRole)
      : undefined;
    if (!LOGIN.test(login) || !role) {
      return refuseForm(c, 'members', 'Enter a valid GitHub login and a role.');
    }
    const added = addMember(orm, { accountId: viewer.accountId, login, role, now: clock() });
    audit(c, viewer.accountId, viewer.actor, 'member.add', `user:${added.userId}`);
    return c.redirect('/settings?notice=member-added#members', 303);
  });

  web.post('/settings/members/:userId/remove', (c) => {
    const viewer = c.get('viewer')!;
    const userId = c.req.param('userId');
    if (!removeMember(orm, viewer.accountId, userId, clock())) return notFoundPage(c);
    audit(c, viewer.accountId, viewer.actor, 'member.remove', `user:${userId}`);
    if (viewer.actor === `user:${userId}`) {
      clearSessionCookie(c);
      return c.redirect('/sign-in?m=expired', 303);
    }
    return c.redirect('/settings?notice=member-removed#members', 303);
  });

  web.post('/settings/account/delete', async (c) => {
    const viewer = c.get('viewer')!;
    const body = await c.req.parseBody({ all: true });
    if (typeof body.confirm !== 'string' || body.confirm.trim() !== viewer.accountName) {
      return refuseForm(
        c,
        'delete',
        'The name you typed does not match the account name. Nothing was deleted.',
      );
    }
    const now = clock();
    lockAccount(
      orm,
      viewer.accountId,
      now,
      new Date(now.getTime() + LIMITS.deletedAccountGraceDays * DAY_MS),
    );
    audit(c, viewer.accountId, viewer.actor, 'account.delete');
    clearSessionCookie(c);
    return c.redirect('/sign-in?m=account-deleted', 303);
  });

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

function parseCursor(value: string | undefined) {
  if (!value) return undefined;
  const m = /^(\d{1,15})\.([A-Za-z0-9-]{1,64})$/.exec(value);
  return m ? { createdAt: Number(m[1]), id: m[2]! } : undefined;
}
