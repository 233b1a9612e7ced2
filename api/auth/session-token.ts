import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey, signToken, verifyToken, type TokenContext, type TokenKind } from './signed-token.js';

/**
 * Page sessions: a short JWT in a `__Host-` cookie. The token alone is never enough: every request also
 * checks the session row and the account's session version in the database (`page-session.ts`), so
 * sign-out, key revocation and account deletion end a session on its next request.
 */

/** The cookie name without its prefix; Hono's `prefix: 'host'` adds `__Host-`. */
export const SESSION_COOKIE = 'diffray_session';
export const SESSION_AUDIENCE = 'diffray-web';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

const SESSION_TOKEN: TokenKind = {
  purpose: 'session',
  audience: SESSION_AUDIENCE,
  ttlSeconds: SESSION_TTL_SECONDS,
  maxLength: 4096,
};

/** What a session token carries. `sv` is the account's session version when it was issued. */
export interface SessionClaims {
  /** Session id (a row in `sessions`). */
  sid: string;
  /** Account id. */
  acc: string;
  /** Account session version at issuance. */
  sv: number;
  iat: number;
  exp: number;
}

/** Signs a session token (`signToken`). */
export async function signSession(
  claims: Pick<SessionClaims, 'sid' | 'acc' | 'sv'>,
  context: TokenContext,
): Promise<string> {
  return signToken(SESSION_TOKEN, { sid: claims.sid, acc: claims.acc, sv: claims.sv }, context);
}

/** Verifies a session token (`verifyToken`) and its claims. Returns `undefined` for any invalid token. */
export async function verifySessionToken(
  token: string,
  context: TokenContext,
): Promise<SessionClaims | undefined> {
  const claims = await verifyToken(SESSION_TOKEN, token, context);
  if (!claims) return undefined;
  const { sid, acc, sv, iat, exp } = claims;
  if (typeof sid !== 'string' || sid.length === 0 || sid.length > 100) return undefined;
  if (typeof acc !== 'string' || acc.length === 0 || acc.length > 100) return undefined;
  if (typeof sv !== 'number' || !Number.isInteger(sv)) return undefined;
  return { sid, acc, sv, iat, exp };
}

/** The per-session CSRF token put in every form: an HMAC of the session id, so nothing extra is stored. */
export function csrfTokenFor(secret: string, sessionId: string): string {
  return createHmac('sha256', deriveKey(secret, 'csrf')).update(sessionId).digest('base64url');
}

/** Constant-time comparison of a submitted CSRF token with the expected one. */
export function csrfTokenMatches(secret: string, sessionId: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length === 0 || submitted.length > 200) return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionId));
  const got = Buffer.from(submitted);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
