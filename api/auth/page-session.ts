/**
 * Page sessions as a request sees them: started at sign-in (`startPageSession` sets the cookie), resolved
 * on every request to the visitor (`SessionPrincipal`, for the pages) or to a `Principal` (for the JSON
 * API, `sessionResolver`), and their cookie cleared when they end.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createSession, loadSession, type DiffrayDb, type Scope } from '../db/index.js';
import type { ApiConfig, AppDeps, Principal, SessionResolver } from '../types.js';
import {
  csrfTokenFor,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  signSession,
  verifySessionToken,
} from './session-token.js';
import type { TokenContext } from './signed-token.js';

/** A signed-in page visitor, resolved from the session cookie and re-checked in the database. */
export interface SessionPrincipal {
  kind: 'session';
  sessionId: string;
  accountId: string;
  accountName: string;
  /** Key sign-ins are admin (only admin keys may sign in); GitHub users have their membership's role. */
  role: 'admin' | 'member';
  /** For the audit log: `user:<id>` or `key:<id>`. */
  actor: string;
  via: 'github' | 'key';
  /** The person signed in with GitHub (absent for a key sign-in). */
  userId?: string;
  /** GitHub login, or the key's name. */
  displayName: string;
  /** The token every state-changing form must carry. */
  csrf: string;
}

/**
 * Resolves a session token to a principal, or undefined. The JWT must verify (HS256, iss, aud, exp), and
 * then, in the database: the session row exists, matches the token's account, is neither revoked nor
 * expired; the account is not deleted and its session version equals the token's and the row's; the key
 * that signed it in is still valid and admin, or the user is still a member who accepted the membership.
 */
export async function resolveSession(
  db: DiffrayDb,
  token: string | undefined,
  opts: TokenContext,
): Promise<SessionPrincipal | undefined> {
  if (!token) return undefined;
  const claims = await verifySessionToken(token, opts);
  if (!claims) return undefined;
  const row = await loadSession(db, claims.sid);
  if (!row) return undefined;
  const now = opts.now.getTime();
  if (row.accountId !== claims.acc) return undefined;
  if (row.revokedAt !== null || row.expiresAt.getTime() <= now) return undefined;
  if (row.accountDeletedAt !== null) return undefined;
  if (row.sessionVersion !== claims.sv || row.accountSessionVersion !== claims.sv) return undefined;

  const base = {
    kind: 'session' as const,
    sessionId: row.id,
    accountId: row.accountId,
    accountName: row.accountName,
    csrf: csrfTokenFor(opts.secret, row.id),
  };
  if (row.apiKeyId !== null) {
    if (row.keyName === null || row.keyRevokedAt !== null) return undefined;
    if (row.keyExpiresAt !== null && row.keyExpiresAt.getTime() <= now) return undefined;
    if (!row.keyScopes?.includes('admin')) return undefined;
    return { ...base, role: 'admin', actor: `key:${row.apiKeyId}`, via: 'key', displayName: row.keyName };
  }
  if (row.userId !== null) {
    if (row.memberRole === null || row.memberAcceptedAt === null || row.userLogin === null) return undefined;
    return {
      ...base,
      role: row.memberRole,
      actor: `user:${row.userId}`,
      via: 'github',
      userId: row.userId,
      displayName: row.userLogin,
    };
  }
  return undefined;
}

/** What signs and checks the page tokens of this server, at `now`. */
export function tokenContext(config: ApiConfig, now: Date): TokenContext {
  return {
    secret: config.sessionSecret,
    previous: config.previousSessionSecret,
    issuer: new URL(config.publicUrl).origin,
    now,
  };
}

/** Whether the request carries a session cookie at all (valid or not). */
export function hasSessionCookie(c: Context): boolean {
  return getCookie(c, SESSION_COOKIE, 'host') !== undefined;
}

/** The page session of a request, from its session cookie; undefined without a valid one. */
export async function pageSessionOf(c: Context, deps: AppDeps): Promise<SessionPrincipal | undefined> {
  const token = getCookie(c, SESSION_COOKIE, 'host');
  if (!token) return undefined;
  return resolveSession(deps.db, token, tokenContext(deps.config, deps.clock()));
}

/**
 * Starts a session of the account for the user or the key that signed in, and sets its cookie. False when
 * the account is locked (deleted).
 */
export async function startPageSession(
  c: Context,
  deps: AppDeps,
  input: { accountId: string; userId?: string; apiKeyId?: string },
): Promise<boolean> {
  const now = deps.clock();
  const created = await createSession(deps.db, {
    ...input,
    now,
    expiresAt: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000),
  });
  if (!created) return false;
  const token = await signSession(
    { sid: created.id, acc: input.accountId, sv: created.sessionVersion },
    tokenContext(deps.config, now),
  );
  setCookie(c, SESSION_COOKIE, token, {
    prefix: 'host',
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: SESSION_TTL_SECONDS,
  });
  return true;
}

/** Clears the session cookie (sign-out, a session that no longer holds, the visitor's own key revoked). */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, {
    prefix: 'host',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Lax',
  });
}

/**
 * The JSON API's `SessionResolver`: a page session acts as a principal with scopes from its role (admin:
 * all; member: read reviews and config).
 */
export const sessionResolver: SessionResolver = async (c, deps) => {
  const s = await pageSessionOf(c, deps);
  if (!s) return undefined;
  const scopes: Scope[] = s.role === 'admin' ? ['admin'] : ['reviews:read', 'config:read'];
  const principal: Principal = {
    kind: 'session',
    accountId: s.accountId,
    scopes: new Set(scopes),
    actor: s.actor,
    sessionId: s.sessionId,
  };
  if (s.userId !== undefined) principal.userId = s.userId;
  if (s.actor.startsWith('key:')) principal.keyId = s.actor.slice(4);
  return principal;
};
