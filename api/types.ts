import type { Context } from 'hono';
import type { DiffrayDb, Scope } from './db/index.js';

/** Settings the app needs, already validated (see `api/env.ts`); tests build them directly. */
export interface ApiConfig {
  /** Base URL of the page; review URLs are `${publicUrl}/reviews/:id`. No trailing slash. */
  publicUrl: string;
  /**
   * The server secret (≥ 32 bytes) from which the page's token and CSRF keys are derived
   * (`auth/signed-token.ts`).
   */
  sessionSecret: string;
  /**
   * During a rotation, the secret `sessionSecret` replaced, and when: it still verifies the tokens it signed
   * before then (so sessions live out their lifetime), nothing after.
   */
  previousSessionSecret?: { secret: string; retiredAt: Date } | undefined;
  /** GitHub webhook secrets, current first, then the previous one during rotation. Empty: webhook off. */
  webhookSecrets: string[];
  /** GitHub (or GHES) web base URL, e.g. `https://github.com`. */
  githubUrl: string;
  /** GitHub OAuth app for page sign-in; absent when not configured. */
  githubOAuth: { clientId: string; clientSecret: string } | undefined;
  /** When true the client address is the last `X-Forwarded-For` hop (set by our own proxy). */
  trustProxy: boolean;
  rateLimits: RateLimitSettings;
  quotas: QuotaSettings;
  /**
   * `NODE_ENV=production`. Outside production a form from the page reached by another loopback name than
   * `publicUrl`'s (127.0.0.1 for localhost, and back) is the page's own.
   */
  production?: boolean;
}

/** Per-account quotas, so that one account cannot fill the server for every other. */
export interface QuotaSettings {
  /** Reviews an account may store per UTC day (`POST /v1/reviews` answers 429 past it). */
  reviewsPerDay: number;
  /** Bytes of review text an account may hold at once (413 past it; freed as reviews expire or go). */
  storedBytes: number;
}

export const DEFAULT_QUOTAS: QuotaSettings = { reviewsPerDay: 5_000, storedBytes: 2_048 * 1024 * 1024 };

export interface RateLimitSettings {
  /** Requests per key (or session) per minute, with a burst of the same size. */
  perKeyPerMinute: number;
  /** Failed authentications per client address per minute before it gets 429. */
  failedAuthPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = { perKeyPerMinute: 600, failedAuthPerMinute: 20 };

/** One structured log line (JSON). Never a body, a query string or a credential. */
export type LogRecord = { level: 'info' | 'warn' | 'error'; msg: string } & Record<string, unknown>;
export type LogFn = (record: LogRecord) => void;

/** Who is calling: an API key or a page session. Every query is scoped to `accountId`. */
export interface Principal {
  kind: 'key' | 'session';
  accountId: string;
  scopes: ReadonlySet<Scope>;
  /** For the audit log: `key:<id>` or `user:<id>`. */
  actor: string;
  keyId?: string;
  userId?: string;
  sessionId?: string;
}

/**
 * The pages' seam (`sessionResolver` in `auth/page-session.ts`): resolves a page session (cookie) to a
 * principal, or undefined when the request carries none or an invalid one. Consulted only when there is no
 * `Authorization` header.
 */
export type SessionResolver = (
  c: Context<AppEnv>,
  deps: AppDeps,
) => Promise<Principal | undefined> | Principal | undefined;

export interface AppDeps {
  db: DiffrayDb;
  clock: () => Date;
  config: ApiConfig;
  log: LogFn;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    clientAddress: string;
    principal: Principal;
  };
};
