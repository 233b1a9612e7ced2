/**
 * Authentication and authorisation of the JSON API's requests; the pages' key sign-in and the webhook share
 * its limit on failed authentications (`noteFailedAuth`, `refuseFailedAuth`).
 *
 * Only `Authorization: Bearer <key>` is read (never a query string, never logged). A key is checked in
 * this order: format and checksum (no database), SHA-256 lookup, revoked / expired / account locked → 401;
 * then the route's scope → 403. Without an `Authorization` header, a page session resolver (when one is
 * installed: `sessionResolver` in `page-session.ts`) may supply the principal instead.
 *
 * The failure limit is per client address and applies to failing attempts only: the credential is checked
 * first (cheap: a checksum, then one hashed lookup), and a valid one is never refused because of others'
 * failures from the same address (behind a proxy without TRUST_PROXY, every caller shares one). Past the
 * limit, further failures answer 429 at once. Keys carry 128+ random bits, so what guessing the limit no
 * longer slows (a valid key from a limited address still answers) cannot succeed anyway.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { findKeyByHash, touchKey, type Scope } from '../db/index.js';
import { ApiError, forbidden, tooManyRequests, unauthorized } from '../errors.js';
import { hashKey, isWellFormedKey } from './key-format.js';
import { addressBucket, SharedTokenBuckets } from '../rate-limit.js';
import type { AppDeps, AppEnv, Principal, SessionResolver } from '../types.js';

/** `admin` holds every scope. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has('admin');
}

/** Route middleware: 403 unless the authenticated principal holds `scope` (run after `requireAuth`). */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasScope(c.get('principal'), scope)) throw forbidden(scope);
    await next();
  };
}

const BEARER = /^Bearer ([^\s]+)$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Auth {
  /** Resolves the caller or throws 401/429. Does not check scopes. */
  resolvePrincipal(c: Context<AppEnv>): Promise<Principal>;
  /** Route middleware: sets `c.var.principal`. */
  requireAuth: MiddlewareHandler<AppEnv>;
  /**
   * Counts one failed authentication (bad key, bad webhook signature) against the client address: 0 while
   * the address is within its limit, else the seconds it must wait. Call it only once the credential was
   * checked and found wanting.
   */
  noteFailedAuth(c: Context<AppEnv>): Promise<number>;
  /** Counts one failed authentication and throws: 401, or 429 once the address has failed too often. */
  refuseFailedAuth(c: Context<AppEnv>, message?: string): Promise<never>;
}

export function createAuth(deps: AppDeps, resolveSession?: SessionResolver): Auth {
  const { db, clock, config } = deps;
  // In the database, shared by every instance (`rate-limit.ts`).
  const failures = new SharedTokenBuckets(
    db,
    'fail',
    { capacity: config.rateLimits.failedAuthPerMinute, perMinute: config.rateLimits.failedAuthPerMinute },
    clock,
  );
  const perPrincipal = new SharedTokenBuckets(
    db,
    'principal',
    { capacity: config.rateLimits.perKeyPerMinute, perMinute: config.rateLimits.perKeyPerMinute },
    clock,
  );

  const noteFailedAuth = (c: Context<AppEnv>) => failures.take(addressBucket(c.get('clientAddress')));
  const refuseFailedAuth = async (c: Context<AppEnv>, message?: string): Promise<never> => {
    const wait = await noteFailedAuth(c);
    throw wait > 0 ? tooManyRequests(wait) : unauthorized(message);
  };
  const limit = async (principal: Principal) => {
    const wait = await perPrincipal.take(principal.keyId ?? principal.sessionId ?? principal.actor);
    if (wait > 0) throw tooManyRequests(wait);
  };

  async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal> {
    const header = c.req.header('authorization');
    if (header === undefined) {
      const session = resolveSession ? await resolveSession(c, deps) : undefined;
      if (!session) throw unauthorized();
      if (!SAFE_METHODS.has(c.req.method) && !isSameOrigin(c, config.publicUrl)) {
        throw new ApiError(403, 'cross_site', 'Cross-site request refused');
      }
      await limit(session);
      return session;
    }
    const key = BEARER.exec(header)?.[1];
    if (key === undefined || !isWellFormedKey(key)) return refuseFailedAuth(c);
    const row = await findKeyByHash(db, hashKey(key));
    const now = clock();
    if (!row || row.revokedAt || row.accountDeletedAt || (row.expiresAt && row.expiresAt <= now))
      return refuseFailedAuth(c);
    const principal: Principal = {
      kind: 'key',
      accountId: row.accountId,
      scopes: new Set(row.scopes),
      actor: `key:${row.id}`,
      keyId: row.id,
    };
    await limit(principal);
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= 60_000)
      await touchKey(db, row.id, now);
    return principal;
  }

  return {
    resolvePrincipal,
    requireAuth: async (c, next) => {
      c.set('principal', await resolvePrincipal(c));
      await next();
    },
    noteFailedAuth,
    refuseFailedAuth,
  };
}

/** A state-changing request with a session cookie must come from our own page. */
function isSameOrigin(c: Context<AppEnv>, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  return origin !== undefined && origin === new URL(publicUrl).origin;
}

/** Query parameters that look like credentials: refused (400) so keys never sit in URLs and logs. */
const CREDENTIAL_PARAMS = new Set([
  'key',
  'api_key',
  'apikey',
  'api-key',
  'token',
  'access_token',
  'auth',
  'authorization',
]);

export function refuseKeysInQuery(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.req.url.includes('?')) return next(); // no query string: nothing to parse
    const url = new URL(c.req.url);
    for (const [name, value] of url.searchParams) {
      if (CREDENTIAL_PARAMS.has(name.toLowerCase()) || value.includes('dfr_')) {
        throw new ApiError(
          400,
          'credential_in_query',
          'Send the key in the Authorization header, never in the URL',
        );
      }
    }
    await next();
  };
}
