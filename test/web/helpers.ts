/**
 * Builders for the page tests: a fresh database per app on the engine under test, an injected
 * clock, an account with an admin key, reviews, and a signed-in session cookie.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../api/app.js';
import {
  acceptInvitation,
  addMember,
  createAccount,
  createSession,
  insertKey,
  insertReview,
  type DiffrayDb,
  type Scope,
} from '../../api/db/index.js';
import { displayPrefix, generateKey, hashKey } from '../../api/auth/key-format.js';
import { signSession } from '../../api/auth/session-token.js';
import type { ApiConfig, LogRecord } from '../../api/types.js';
import { DEFAULT_QUOTAS, DEFAULT_RATE_LIMITS } from '../../api/types.js';
import { pageOptions, type WebOptions } from '../../api/web/index.js';
import { DAY_MS } from '../../shared/limits.js';
import type { ReportedFinding, ReviewReport } from '../../shared/report.js';
import { makeFinding as apiFinding, makeReport as apiReport, openFreshDatabase } from '../api/helpers.js';
import type { FakeGitHubOAuth } from '../fakes/github-oauth.js';

export const PUBLIC_URL = 'http://localhost:8787';
export const SESSION_COOKIE_NAME = '__Host-diffray_session';
export const OAUTH_COOKIE = '__Host-diffray_oauth';
/** A GitHub sign-in waiting for the person to choose an account or answer an invitation. */
export const CHOICE_COOKIE = '__Host-diffray_choice';

export interface TestClock {
  (): Date;
  set(d: Date): void;
  advance(ms: number): void;
}

export function makeClock(start = new Date('2025-06-15T12:00:00Z')): TestClock {
  let now = start.getTime();
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (d) => {
    now = d.getTime();
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    publicUrl: PUBLIC_URL,
    sessionSecret: randomBytes(48).toString('base64url'),
    webhookSecrets: [],
    githubUrl: 'https://github.com',
    githubOAuth: undefined,
    trustProxy: false,
    rateLimits: { ...DEFAULT_RATE_LIMITS, failedAuthPerMinute: 1000 },
    quotas: { ...DEFAULT_QUOTAS },
    ...overrides,
  };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  db: DiffrayDb;
  clock: TestClock;
  config: ApiConfig;
  logs: LogRecord[];
  dir: string;
  close(): Promise<void>;
}

export async function makeTestApp(
  opts: {
    config?: Partial<ApiConfig>;
    clock?: TestClock;
    web?: WebOptions;
    dataKeys?: readonly Uint8Array[];
  } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-web-'));
  const { db } = await openFreshDatabase(dir, opts.dataKeys ? { dataKeys: opts.dataKeys } : {});
  const clock = opts.clock ?? makeClock();
  const config = testConfig(opts.config);
  const logs: LogRecord[] = [];
  const app = createApp({ db, clock, config, log: (r) => logs.push(r), ...pageOptions(opts.web) });
  return {
    app,
    db,
    clock,
    config,
    logs,
    dir,
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function seedAccount(
  t: { db: DiffrayDb; clock: () => Date },
  name: string,
  scopes: Scope[] = ['admin'],
) {
  const account = await createAccount(t.db, name, t.clock());
  const key = generateKey();
  const info = await insertKey(t.db, {
    accountId: account.id,
    hash: hashKey(key),
    prefix: displayPrefix(key),
    name: `${name} admin`,
    scopes,
    expiresAt: null,
    now: t.clock(),
  });
  return { accountId: account.id, name, key, keyId: info.id };
}

export async function addKey(
  t: { db: DiffrayDb; clock: () => Date },
  accountId: string,
  scopes: Scope[],
  expiresAt: Date | null = null,
) {
  const key = generateKey();
  const info = await insertKey(t.db, {
    accountId,
    hash: hashKey(key),
    prefix: displayPrefix(key),
    name: 'extra',
    scopes,
    expiresAt,
    now: t.clock(),
  });
  return { key, keyId: info.id };
}

export async function grant(
  t: { db: DiffrayDb; clock: () => Date },
  accountId: string,
  login: string,
  role: 'admin' | 'member' = 'admin',
) {
  return await addMember(t.db, { accountId, login, role, now: t.clock() });
}

/** A member who accepted the invitation (what `grant` alone leaves pending). */
export async function member(
  t: { db: DiffrayDb; clock: () => Date },
  accountId: string,
  login: string,
  role: 'admin' | 'member' = 'admin',
) {
  const granted = await grant(t, accountId, login, role);
  await acceptInvitation(t.db, { accountId, userId: granted.userId, now: t.clock() });
  return granted;
}

/** A page session of a GitHub user who joined the account, as the OAuth callback would start it. */
export async function personSession(
  t: { db: DiffrayDb; clock: () => Date; config: ApiConfig },
  accountId: string,
  login: string,
  role: 'admin' | 'member',
) {
  const { userId } = await member(t, accountId, login, role);
  const now = t.clock();
  const s = (await createSession(t.db, {
    accountId,
    userId,
    now,
    expiresAt: new Date(now.getTime() + 3_600_000),
  }))!;
  return signSession(
    { sid: s.id, acc: accountId, sv: s.sessionVersion },
    { secret: t.config.sessionSecret, issuer: new URL(PUBLIC_URL).origin, now },
  );
}

let fp = 0;
/** The API tests' finding, with a fingerprint of its own each time (pages group and count by it). */
export function makeFinding(overrides: Partial<ReportedFinding> = {}): ReportedFinding {
  fp += 1;
  return apiFinding({
    title: 'Off-by-one in loop bound',
    body: 'The loop reads one element past the end of the array.',
    fingerprint: fp.toString(16).padStart(16, '0'),
    ...overrides,
  });
}

/** The API tests' report with the figures and two findings (high and low) the page tests look for. */
export function makeReport(overrides: Partial<ReviewReport> = {}): ReviewReport {
  return apiReport({
    repository: 'acme/widgets',
    tokens: { input: 12_000, cacheWrite: 3_000, cacheRead: 9_000, output: 1_500 },
    costUsd: 0.0842,
    durationMs: 41_000,
    coverage: { filesReviewed: 5, filesSkipped: 1, linesReviewed: 420, linesChanged: 450 },
    findings: [
      makeFinding(),
      makeFinding({ severity: 'low', category: 'style', path: 'README.md', line: 3, title: 'Typo' }),
    ],
    ...overrides,
  });
}

export async function seedReview(
  t: { db: DiffrayDb; clock: () => Date },
  accountId: string,
  report: ReviewReport = makeReport(),
) {
  const now = t.clock();
  return await insertReview(t.db, {
    accountId,
    report,
    now,
    expiresAt: new Date(now.getTime() + 30 * DAY_MS),
  });
}

/** The value of a Set-Cookie for `name` in a response ('' when it clears it, undefined when absent). */
export function cookieFrom(res: Response, name = SESSION_COOKIE_NAME): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    if (pair!.slice(0, eq) === name) return pair!.slice(eq + 1);
  }
  return undefined;
}

export function setCookieLine(res: Response, name = SESSION_COOKIE_NAME): string | undefined {
  return res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
}

/** The Cookie header for a session cookie value, or for cookies named in full. */
function cookieHeader(cookie: string | Record<string, string> | undefined): Record<string, string> {
  if (cookie === undefined) return {};
  const pairs = typeof cookie === 'string' ? { [SESSION_COOKIE_NAME]: cookie } : cookie;
  return {
    cookie: Object.entries(pairs)
      .map(([name, value]) => `${name}=${value}`)
      .join('; '),
  };
}

/** Posts a form as the browser would from our own page (Origin + Sec-Fetch-Site), with optional cookie. */
export function postForm(
  t: { app: TestApp['app'] },
  path: string,
  fields: Record<string, string | string[]>,
  opts: { cookie?: string | Record<string, string>; origin?: string | null; site?: string | null } = {},
) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...cookieHeader(opts.cookie),
  };
  const origin = opts.origin === undefined ? PUBLIC_URL : opts.origin;
  const site = opts.site === undefined ? 'same-origin' : opts.site;
  if (origin !== null) headers.origin = origin;
  if (site !== null) headers['sec-fetch-site'] = site;
  return t.app.request(`${PUBLIC_URL}${path}`, {
    method: 'POST',
    headers,
    body: body.toString(),
    redirect: 'manual',
  });
}

/** A GET with the session cookie (its value) or with cookies named in full. */
export function get(t: { app: TestApp['app'] }, path: string, cookie?: string | Record<string, string>) {
  return t.app.request(`${PUBLIC_URL}${path}`, { headers: cookieHeader(cookie), redirect: 'manual' });
}

/** Starts a GitHub sign-in: where the browser is sent, and the flow cookie that went with it. */
export async function startGitHubFlow(t: { app: TestApp['app'] }, next?: string) {
  const res = await get(t, next ? `/auth/github?next=${encodeURIComponent(next)}` : '/auth/github');
  if (res.status !== 302) throw new Error(`no GitHub sign-in: ${res.status}`);
  return {
    location: res.headers.get('location')!,
    flowCookie: cookieFrom(res, OAUTH_COOKIE)!,
    setCookie: setCookieLine(res, OAUTH_COOKIE)!,
  };
}

/** GitHub sending the browser back to the callback with `params`. */
export function gitHubCallback(
  t: { app: TestApp['app'] },
  params: Record<string, string>,
  flowCookie?: string,
) {
  return t.app.request(`${PUBLIC_URL}/auth/github/callback?${new URLSearchParams(params).toString()}`, {
    headers: flowCookie ? { cookie: `${OAUTH_COOKIE}=${flowCookie}` } : {},
    redirect: 'manual',
  });
}

/** A whole GitHub sign-in as `user` (the fake approves it): the callback's answer. */
export async function signInWithGitHub(
  t: { app: TestApp['app'] },
  gh: FakeGitHubOAuth,
  user: { id: number; login: string },
  next?: string,
) {
  const { location, flowCookie } = await startGitHubFlow(t, next);
  const { code, state } = gh.approve(location, user);
  return gitHubCallback(t, { code, state }, flowCookie);
}

/** Signs in with an API key through the form and returns the session cookie value. */
export async function signInWithKey(t: { app: TestApp['app'] }, key: string): Promise<string> {
  const res = await postForm(t, '/sign-in/key', { key });
  const cookie = cookieFrom(res);
  if (res.status !== 303 || !cookie)
    throw new Error(`sign-in failed: ${res.status} ${res.headers.get('location')}`);
  return cookie;
}

/** The CSRF token of the signed-in page (read from any form on it). */
export async function csrfOf(t: { app: TestApp['app'] }, cookie: string): Promise<string> {
  const html = await (await get(t, '/settings', cookie)).text();
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf token on the page');
  return m[1]!;
}
