import { timingSafeEqual } from 'node:crypto';
import { consumeOAuthState, type DiffrayDb } from '../db/index.js';
import { signToken, verifyToken, type TokenContext, type TokenKind } from './signed-token.js';

/**
 * The OAuth flow's `state` and PKCE verifier travel in a short-lived signed HttpOnly cookie (bound to the
 * browser that started the flow, so a callback from another browser fails), and each `state` is accepted
 * once: the callback records it (`UsedStates`, in the database, so a callback replayed to another instance
 * is refused too) until it would have expired anyway; the purge sweeps expired ones.
 */

export const OAUTH_COOKIE = 'diffray_oauth';
export const OAUTH_TTL_SECONDS = 10 * 60;

const FLOW_TOKEN: TokenKind = {
  purpose: 'oauth',
  audience: 'diffray-oauth',
  ttlSeconds: OAUTH_TTL_SECONDS,
  maxLength: 2048,
};

export interface OAuthFlow {
  state: string;
  verifier: string;
  /** Where to go after signing in (a local path). */
  next: string;
}

export async function sealFlow(flow: OAuthFlow, context: TokenContext): Promise<string> {
  return signToken(FLOW_TOKEN, { st: flow.state, cv: flow.verifier, nx: flow.next }, context);
}

/** Opens the flow cookie (`verifyToken`). Undefined when invalid. */
export async function openFlow(
  token: string | undefined,
  context: TokenContext,
): Promise<(OAuthFlow & { exp: number }) | undefined> {
  const p = await verifyToken(FLOW_TOKEN, token, context);
  if (!p) return undefined;
  if (typeof p.st !== 'string' || typeof p.cv !== 'string' || typeof p.nx !== 'string') return undefined;
  return { state: p.st, verifier: p.cv, next: p.nx, exp: p.exp };
}

export function sameState(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Remembers consumed `state` values until they expire, across instances, so a replayed callback is refused. */
export class UsedStates {
  constructor(private readonly db: DiffrayDb) {}

  /** Marks `state` used; false when it was used before. */
  async consume(state: string, expiresAtSeconds: number): Promise<boolean> {
    return await consumeOAuthState(this.db, state, new Date(expiresAtSeconds * 1000));
  }
}

/** Only local absolute paths are allowed as a post-sign-in destination (no `//host`, no scheme). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 500) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  for (const ch of next) if (ch.charCodeAt(0) < 0x20 || ch === '\\') return '/';
  return next;
}
