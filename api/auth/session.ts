import { createHmac, timingSafeEqual } from 'node:crypto';
import { sign, verify } from 'hono/jwt';

/**
 * Page sessions: a short JWT in a `__Host-` cookie. The token alone is never enough: every request also
 * checks the session row and the account's session version in the database (see `web/principal.ts`), so
 * sign-out, key revocation and account deletion end a session on its next request.
 */

/** The cookie name without its prefix; Hono's `prefix: 'host'` adds `__Host-`. */
export const SESSION_COOKIE = 'diffray_session';
export const SESSION_COOKIE_FULL = `__Host-${SESSION_COOKIE}`;
export const SESSION_AUDIENCE = 'diffray-web';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
/** Tolerated clock skew for `iat`. */
const SKEW_SECONDS = 60;

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

export interface SessionKeyOptions {
  /** The server secret (≥ 32 bytes, checked at start). */
  secret: string;
  /** The public URL's origin: the `iss` claim. */
  issuer: string;
}

/** Derives a purpose-bound key from the server secret so one secret never signs two kinds of thing. */
export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`diffray:${purpose}`).digest('base64url');
}

/** Signs a session token (HS256) with `iss`, `aud`, `iat` and `exp` set from `now`. */
export async function signSession(
  claims: Pick<SessionClaims, 'sid' | 'acc' | 'sv'>,
  opts: SessionKeyOptions & { now: Date; ttlSeconds?: number },
): Promise<string> {
  const iat = Math.floor(opts.now.getTime() / 1000);
  return sign(
    {
      sid: claims.sid,
      acc: claims.acc,
      sv: claims.sv,
      iss: opts.issuer,
      aud: SESSION_AUDIENCE,
      iat,
      exp: iat + (opts.ttlSeconds ?? SESSION_TTL_SECONDS),
    },
    deriveKey(opts.secret, 'session'),
    'HS256',
  );
}

/**
 * Verifies a session token: HS256 only (an `alg: none` or any other header is refused), signature, and
 * `exp`, `iss`, `aud` all required and checked against the injected clock. Hono's `verify` checks `exp`
 * only when present and reads the wall clock, so the time claims are checked here instead.
 * Returns `undefined` for any invalid token; never throws.
 */
export async function verifySessionToken(
  token: string,
  opts: SessionKeyOptions & { now: Date },
): Promise<SessionClaims | undefined> {
  if (token.length === 0 || token.length > 4096) return undefined;
  let payload: Record<string, unknown>;
  try {
    payload = (await verify(token, deriveKey(opts.secret, 'session'), {
      alg: 'HS256',
      iss: opts.issuer,
      aud: SESSION_AUDIENCE,
      exp: false,
      nbf: false,
      iat: false,
    })) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const now = Math.floor(opts.now.getTime() / 1000);
  const { sid, acc, sv, iat, exp, iss, aud } = payload;
  if (iss !== opts.issuer || aud !== SESSION_AUDIENCE) return undefined;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now) return undefined;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > now + SKEW_SECONDS || exp <= iat)
    return undefined;
  if (exp - iat > SESSION_TTL_SECONDS) return undefined;
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
