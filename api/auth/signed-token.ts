/**
 * The one HS256 signer and verifier of the page's tokens (the session cookie, the OAuth flow cookie). Each
 * kind of token has its own key, derived from the server secret for its purpose, and its own audience;
 * `iss` is the public origin; `iat` and `exp` come from the injected clock and are all checked on the way
 * back, with `nbf` when a token carries one.
 *
 * Every token names the secret that signed it in its header (`kid`, derived from the secret), so the
 * secret can rotate: new tokens are signed with the current one, and the previous one still verifies the
 * tokens it signed before it was retired, which expire within their kind's lifetime of that moment.
 */
import { createHmac } from 'node:crypto';
import { decode, sign, verify } from 'hono/jwt';

/** Derives a purpose-bound key from the server secret so one secret never signs two kinds of thing. */
export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`diffray:${purpose}`).digest('base64url');
}

/** One kind of token. */
export interface TokenKind {
  /** What its key is derived for (`deriveKey`). */
  purpose: string;
  /** Its `aud` claim. */
  audience: string;
  /** How long a token lives; a token claiming longer is refused. */
  ttlSeconds: number;
  /** Longer tokens are refused before any work. */
  maxLength: number;
}

/** The id a token's header names its signing secret by: derived from the secret, safe to show. */
export function sessionKeyId(secret: string): string {
  return deriveKey(secret, 'key-id').slice(0, 8);
}

/** A secret that no longer signs: it verifies only the tokens it signed up to `retiredAt`. */
export interface RetiredSecret {
  secret: string;
  retiredAt: Date;
}

/**
 * The server secret that signs (≥ 32 bytes, checked at start), the previous one during a rotation, the
 * public URL's origin (`iss`), and the clock.
 */
export interface TokenContext {
  secret: string;
  previous?: RetiredSecret | undefined;
  issuer: string;
  now: Date;
}

/** The time claims of a verified token, beside its own. */
export type VerifiedClaims = Record<string, unknown> & { iat: number; exp: number };

/** Tolerated clock skew for the start of a token's life (`iat`, `nbf`). */
const SKEW_SECONDS = 60;

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Signs `claims` as a token of `kind` (HS256) with `iss`, `aud`, `iat` and `exp` set from `context.now`. */
export async function signToken(
  kind: TokenKind,
  claims: Record<string, string | number>,
  context: TokenContext,
): Promise<string> {
  const iat = seconds(context.now);
  const key = Buffer.from(deriveKey(context.secret, kind.purpose)).toString('base64url');
  return sign(
    { ...claims, iss: context.issuer, aud: kind.audience, iat, exp: iat + kind.ttlSeconds },
    { kty: 'oct', k: key, alg: 'HS256', kid: sessionKeyId(context.secret) },
  );
}

/**
 * The secret a token's `kid` names, and the latest `iat` it may carry: the current secret, or the previous
 * one for tokens issued before it retired. Undefined for a token without a kid or with another one.
 */
function signerOf(token: string, context: TokenContext): { secret: string; issuedBy: number } | undefined {
  let kid: unknown;
  try {
    kid = (decode(token).header as { kid?: unknown }).kid;
  } catch {
    return undefined;
  }
  if (kid === sessionKeyId(context.secret)) return { secret: context.secret, issuedBy: Infinity };
  const previous = context.previous;
  if (previous !== undefined && kid === sessionKeyId(previous.secret))
    return { secret: previous.secret, issuedBy: seconds(previous.retiredAt) };
  return undefined;
}

/**
 * Verifies a token of `kind`: its `kid` names the current or the previous secret (`signerOf`), HS256 only
 * (an `alg: none` or any other header is refused), signature, and `exp`, `iat`, `iss`, `aud` all required
 * and checked against the injected clock, as is `nbf` when present. Hono's `verify` checks `exp` only when present and reads the
 * wall clock, so the time claims are checked here instead. Returns the claims, or `undefined` for any
 * invalid token; never throws.
 */
export async function verifyToken(
  kind: TokenKind,
  token: string | undefined,
  context: TokenContext,
): Promise<VerifiedClaims | undefined> {
  if (!token || token.length > kind.maxLength) return undefined;
  const signer = signerOf(token, context);
  if (signer === undefined) return undefined;
  let payload: Record<string, unknown>;
  try {
    payload = (await verify(token, deriveKey(signer.secret, kind.purpose), {
      alg: 'HS256',
      iss: context.issuer,
      aud: kind.audience,
      exp: false,
      nbf: false,
      iat: false,
    })) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const now = seconds(context.now);
  const { iat, exp, nbf, iss, aud } = payload;
  if (iss !== context.issuer || aud !== kind.audience) return undefined;
  if (!isTime(exp) || exp <= now) return undefined;
  if (!isTime(iat) || iat > now + SKEW_SECONDS || exp <= iat || iat > signer.issuedBy) return undefined;
  if (nbf !== undefined && (!isTime(nbf) || nbf > now + SKEW_SECONDS)) return undefined;
  if (exp - iat > kind.ttlSeconds) return undefined;
  return { ...payload, iat, exp };
}
