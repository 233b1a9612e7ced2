/**
 * A GitHub sign-in waiting for the person: invitations to answer, or several accounts to choose from. It
 * names the person and no account, in a short-lived signed `__Host-` cookie, and lets them do only that:
 * see their accounts and invitations, answer an invitation, open an account they joined (which starts the
 * page session and clears this cookie).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppDeps } from '../types.js';
import { tokenContext } from './page-session.js';
import { csrfTokenFor, csrfTokenMatches } from './session-token.js';
import { signToken, verifyToken, type TokenKind } from './signed-token.js';

/** The cookie name without its prefix; Hono's `prefix: 'host'` adds `__Host-`. */
export const CHOICE_COOKIE = 'diffray_choice';
const CHOICE_TTL_SECONDS = 15 * 60;

const CHOICE_TOKEN: TokenKind = {
  purpose: 'account-choice',
  audience: 'diffray-account-choice',
  ttlSeconds: CHOICE_TTL_SECONDS,
  maxLength: 2048,
};

/** The person of a waiting sign-in, with the form token of its pages. */
export interface AccountChoice {
  userId: string;
  login: string;
  /** Where the sign-in was going (a local path, `safeNext`). */
  next: string;
  csrf: string;
  /** Whether `submitted` is this sign-in's form token. */
  csrfMatches(submitted: unknown): boolean;
}

/** The form token's key: random per sign-in, so nothing is stored for it. */
const csrfId = (nonce: string) => `choice:${nonce}`;

export async function startChoice(
  c: Context,
  deps: AppDeps,
  person: { userId: string; login: string; next: string },
): Promise<void> {
  const nonce = randomBytes(16).toString('base64url');
  const token = await signToken(
    CHOICE_TOKEN,
    { uid: person.userId, lg: person.login, nx: person.next, n: nonce },
    tokenContext(deps.config, deps.clock()),
  );
  setCookie(c, CHOICE_COOKIE, token, {
    prefix: 'host',
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: CHOICE_TTL_SECONDS,
  });
}

/** The waiting sign-in of a request; undefined without a valid cookie. */
export async function choiceOf(c: Context, deps: AppDeps): Promise<AccountChoice | undefined> {
  const claims = await verifyToken(
    CHOICE_TOKEN,
    getCookie(c, CHOICE_COOKIE, 'host'),
    tokenContext(deps.config, deps.clock()),
  );
  if (!claims) return undefined;
  const { uid, lg, nx, n } = claims;
  if (typeof uid !== 'string' || typeof lg !== 'string' || typeof nx !== 'string' || typeof n !== 'string')
    return undefined;
  const secret = deps.config.sessionSecret;
  return {
    userId: uid,
    login: lg,
    next: nx,
    csrf: csrfTokenFor(secret, csrfId(n)),
    csrfMatches: (submitted) => csrfTokenMatches(secret, csrfId(n), submitted),
  };
}

export function clearChoice(c: Context): void {
  deleteCookie(c, CHOICE_COOKIE, {
    prefix: 'host',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Lax',
  });
}
