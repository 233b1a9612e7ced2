/**
 * The Octokit client every part of the GitHub port shares: the throttling (secondary limits, retry-after)
 * and retry (5xx) plugins, a time limit on each request, and how GitHub's refusals read in a run's log.
 */
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
// The light build is what the throttling plugin itself bundles: no second copy of Bottleneck.
import Bottleneck from 'bottleneck/light.js';
import { yieldWithoutTimerClamp } from './bottleneck-yield.js';
import { PermissionError, type Logger } from '../ports.js';

/** Octokit with the throttling (secondary limits, retry-after) and retry (5xx) plugins. */
const DiffrayOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof DiffrayOctokit>;

/** The client and the repository a part of the port works on. */
export interface RepoClient {
  client: GitHubClient;
  owner: string;
  repo: string;
}

/** Rate-limit waits honoured per request before giving up, and the longest wait accepted. */
const MAX_RATE_LIMIT_RETRIES = 2;
const MAX_RATE_LIMIT_WAIT_S = 300;
/**
 * The plugin's write queues. Its defaults, 1 s between the starts of writes and 3 s between
 * notification-triggering ones (reviews, issue comments), follow GitHub's advice for clients making *large
 * numbers* of mutating requests, and are module-wide singletons. A run makes a handful, one after another
 * (each awaited): create the check, one review, the replies in fixed threads (one GraphQL mutation), the
 * summary, complete the check (one update per 50 annotations); far below the secondary limit of 80
 * content-creating requests a minute, and at the defaults ~4-7 s of pure waiting per run. So these queues impose no spacing: sequential writes are what GitHub asks of a
 * client at our volume, and a secondary-limit or 429 answer is still retried after its `retry-after`
 * (onSecondaryRateLimit below). A start-to-start spacing shorter than GitHub's own write latency (hundreds of
 * milliseconds) would never wait on github.com anyway; it only ever delayed fast test servers.
 */
const WRITE_QUEUE = { maxConcurrent: 1, minTime: 0 } as const;
/** Listings are read 100 at a time, at most 30 pages (3,000 comments or threads). */
export const PER_PAGE = 100;
export const MAX_PAGES = 30;

/**
 * How long one GitHub request may take before it is abandoned (and retried, as a 5xx is): GitHub answers
 * in seconds or fails at its own 10 s limit, and without a bound a connection that hangs during an
 * incident holds the job until its 6-hour timeout.
 */
export const GITHUB_REQUEST_TIMEOUT_MS = 60_000;

/** `fetch` with a time limit on each request, on top of any signal the caller gives. */
function fetchWithin(ms: number): typeof fetch {
  return (input, init) => {
    const limit = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, limit]) : limit;
    return fetch(input, { ...init, signal });
  };
}

export function createGitHubClient(opts: {
  token: string;
  baseUrl: string;
  log: Logger;
  /** `GITHUB_REQUEST_TIMEOUT_MS` unless given (tests). */
  timeoutMs?: number;
}): GitHubClient {
  yieldWithoutTimerClamp();
  const onLimit =
    (kind: string) =>
    (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const retrying = retryCount < MAX_RATE_LIMIT_RETRIES && retryAfter <= MAX_RATE_LIMIT_WAIT_S;
      opts.log.warning(
        `GitHub ${kind} rate limit on ${options.method} ${options.url}: ${retrying ? `retrying in ${retryAfter}s` : 'giving up'}`,
      );
      return retrying;
    };
  return new DiffrayOctokit({
    auth: opts.token,
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    userAgent: 'diffray-action',
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      // Our own groups, per client: the plugin's defaults are module-wide singletons.
      write: new Bottleneck.Group(WRITE_QUEUE),
      notifications: new Bottleneck.Group(WRITE_QUEUE),
    },
    retry: { retries: 2 },
    request: { fetch: fetchWithin(opts.timeoutMs ?? GITHUB_REQUEST_TIMEOUT_MS) },
  });
}

interface HttpError {
  status: number;
  message: string;
  response?: { data?: unknown };
}

/** The HTTP status and message of a failed request; undefined for anything else (a network error). */
export function httpError(error: unknown): HttpError | undefined {
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number'
  ) {
    return error as HttpError;
  }
  return undefined;
}

/** 403 "Resource not accessible by integration" → a PermissionError naming what the workflow must grant. */
export function rethrow(error: unknown, permission: string, operation: string): never {
  const http = httpError(error);
  if (http?.status === 403 && /not accessible by integration|permission/i.test(http.message)) {
    throw new PermissionError(permission, operation);
  }
  // The Checks API takes GitHub App tokens only; a personal access token is the usual cause.
  if (http?.status === 403 && /authenticate via a GitHub App/i.test(http.message)) {
    throw new Error(
      `GitHub refused to ${operation}: only a GitHub App's token may write check runs, and github-token ` +
        'holds another kind (a personal access token?). Leave github-token at its default, the ' +
        "workflow's GITHUB_TOKEN, or pass a GitHub App installation token.",
    );
  }
  if (http) throw new Error(`GitHub refused to ${operation}: HTTP ${http.status} ${firstLine(http.message)}`);
  throw error;
}

export function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}
