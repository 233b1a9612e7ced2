/**
 * `createApp({ db, clock, config })`: the results API with everything injected. Small routers composed
 * with `app.route()`; the OpenAPI document is generated from the same zod schemas that validate requests.
 *
 * Seams for the pages (`pageOptions()` in `web/index.ts` fills both):
 * - `resolveSession`: turns a page session cookie into a `Principal`; the JSON API then accepts it where
 *   there is no `Authorization` header (state-changing requests must be same-origin).
 * - `web`: a Hono app mounted at `/` after the API routes, for the pages. It gets the page CSP by default
 *   (`PAGE_CSP`); it may set its own `Content-Security-Policy` header, which is then kept.
 */
import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { LIMITS } from '../shared/index.js';
import { faultDetail, isDatabaseUnavailable, type DiffrayDb } from './db/index.js';
import { ApiError, errorBody } from './errors.js';
import { createAuth, refuseKeysInQuery, type Auth } from './auth/authenticate.js';
import { accountRouter } from './routes/account.js';
import { configRouter } from './routes/config.js';
import { answersRouter } from './routes/answers.js';
import { dismissalsRouter } from './routes/dismissals.js';
import { healthRouter } from './routes/health.js';
import { keysRouter } from './routes/keys.js';
import { meRouter } from './routes/me.js';
import { repositoriesRouter } from './routes/repositories.js';
import { reviewsRouter } from './routes/reviews.js';
import { webhookRouter } from './routes/webhook.js';
import type { ApiConfig, AppDeps, AppEnv, LogFn, SessionResolver } from './types.js';

/** The JSON API loads nothing and may not be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/**
 * The pages' Content-Security-Policy: scripts, styles and images from us only (no inline script: the one
 * script, the copy button's, is a static file; every page works without it).
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Set on every answer, overwriting a route's own value: what Hono's `secureHeaders()` sets by default
 * (without `Cross-Origin-Embedder-Policy`), as one precomputed list, and no framing at all (the CSPs say
 * `frame-ancestors 'none'`; X-Frame-Options says the same to older browsers).
 */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'DENY'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

export interface CreateAppOptions {
  db: DiffrayDb;
  clock: () => Date;
  config: ApiConfig;
  /** Structured log sink; defaults to one JSON line per record on stdout. */
  log?: LogFn;
  resolveSession?: SessionResolver;
  /** Pages, mounted at `/` (see the module comment). Built by the caller from the same deps. */
  web?: (deps: AppDeps, auth: Auth) => Hono<AppEnv>;
  /** True once the server is shutting down: `/readyz` answers 503 so a load balancer stops sending. */
  draining?: () => boolean;
}

export const stdoutLog: LogFn = (record) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
};

function clientAddress(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const hops = c.req.header('x-forwarded-for')?.split(',');
    const last = hops?.at(-1)?.trim();
    if (last) return last;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by @hono/node-server (e.g. app.request in tests)
  }
}

export function createApp(options: CreateAppOptions) {
  const log = options.log ?? stdoutLog;
  const deps: AppDeps = { db: options.db, clock: options.clock, config: options.config, log };
  const auth = createAuth(deps, options.resolveSession);
  const app = new OpenAPIHono<AppEnv>();

  // One middleware for what every answer gets, so each request pays one async frame for it, not three.
  // Headers set after `next()` go straight onto `c.res.headers`: `c.header()` at that point would turn
  // @hono/node-server's lightweight response into a full WHATWG Response and re-stream its body.
  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('clientAddress', clientAddress(c, deps.config.trustProxy));
    c.header('X-Request-Id', requestId);
    await next();
    const headers = c.res.headers;
    const path = c.req.path;
    const isApi = path.startsWith('/v1/') || path === '/healthz' || path === '/readyz';
    // A route's own CSP and Cache-Control are kept (static assets are cacheable; every other answer is
    // private); the security headers below overwrite whatever a route set.
    if (!headers.has('Content-Security-Policy'))
      headers.set('Content-Security-Policy', isApi ? API_CSP : PAGE_CSP);
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
    for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
    headers.delete('X-Powered-By');
    // Method, path (never the query string), status, time: no body, no header, no credential.
    const principal = c.get('principal');
    log({
      level: 'info',
      msg: 'request',
      requestId,
      method: c.req.method,
      path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...(principal ? { accountId: principal.accountId, actor: principal.actor } : {}),
    });
  });
  const tooLarge = (c: Context<AppEnv>) => {
    // The rest of the body is never read: close the connection so no client reuses it mid-body.
    c.header('Connection', 'close');
    return c.json(
      errorBody('payload_too_large', `The body exceeds ${LIMITS.requestBodyBytes} bytes`, c.get('requestId')),
      413,
    );
  };
  const streamedBodyLimit = bodyLimit({ maxSize: LIMITS.requestBodyBytes, onError: tooLarge });
  app.use('*', async (c, next) => {
    // Hono's bodyLimit first reads `c.req.raw.body`, which turns @hono/node-server's lightweight request
    // into a full WHATWG Request on every request (GETs included) and loses its fast body read. The same
    // rule without that: no body on GET/HEAD; a declared length (not chunked) is checked as declared —
    // Node's parser never delivers more than Content-Length; a chunked body is counted as it streams.
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return parseInt(length || '0', 10) > LIMITS.requestBodyBytes ? tooLarge(c) : next();
    }
    return streamedBodyLimit(c, next);
  });
  app.use('/v1/*', refuseKeysInQuery());

  app.onError((error, c) => {
    const requestId = c.get('requestId');
    if (error instanceof ApiError) {
      if (error.status === 401) c.header('WWW-Authenticate', 'Bearer');
      if (error.details?.retryAfterSeconds !== undefined)
        c.header('Retry-After', String(error.details.retryAfterSeconds));
      const { issues, quota } = error.details ?? {};
      return c.json(errorBody(error.code, error.message, requestId, issues, quota), error.status);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(
        errorBody('bad_request', error.status === 413 ? 'Payload too large' : 'Bad request', requestId),
        error.status,
      );
    }
    if (isDatabaseUnavailable(error)) {
      // Busy past the timeout, I/O, a closed connection, the writer gone: the database, not this request.
      log({ level: 'error', msg: 'database unavailable', requestId, detail: faultDetail(error) });
      c.header('Retry-After', '1');
      return c.json(errorBody('unavailable', 'The database is unavailable; retry shortly', requestId), 503);
    }
    log({
      level: 'error',
      msg: 'unhandled error',
      requestId,
      error: error.name,
      detail: faultDetail(error),
      stack: error.stack?.replace(error.message, faultDetail(error)),
    });
    return c.json(errorBody('internal', 'Internal error', requestId), 500);
  });
  app.notFound((c) => c.json(errorBody('not_found', 'Not found', c.get('requestId')), 404));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A diffray API key (`dfr_…`) in `Authorization: Bearer`.',
  });
  app.route('/', healthRouter(deps, options.draining ?? (() => false)));
  app.route('/', reviewsRouter(deps, auth));
  app.route('/', configRouter(deps, auth));
  app.route('/', dismissalsRouter(deps, auth));
  app.route('/', answersRouter(deps, auth));
  app.route('/', keysRouter(deps, auth));
  app.route('/', accountRouter(deps, auth));
  app.route('/', meRouter(deps, auth));
  app.route('/', repositoriesRouter(deps, auth));
  if (deps.config.webhookSecrets.length > 0) app.route('/', webhookRouter(deps, auth));
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'diffray results API',
      version: '1',
      description: 'Findings only (never code). Keys as SHA-256 hashes; results kept 30 days.',
    },
    servers: [{ url: deps.config.publicUrl }],
  });
  if (options.web) app.route('/', options.web(deps, auth));
  return app;
}

export type DiffrayApp = ReturnType<typeof createApp>;
