import {
  ReviewCreatedSchema,
  parseConfigYaml,
  formatConfigIssues,
  DiffrayConfigSchema,
  type AnswerReport,
  type DismissalReport,
  type ReviewReport,
} from '../../shared/index.js';
import type { ResultsApiPort } from '../ports.js';

export const RESULTS_API_TIMEOUT_MS = 10_000;

type Fetch = typeof fetch;

/**
 * The optional diffray results API. Every failure (outage, timeout, 4xx/5xx, bad JSON) becomes a warning:
 * the GitHub review and check never depend on it. Only status codes reach the warning, never the key.
 */
export function createResultsApiPort(opts: {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: Fetch;
}): ResultsApiPort {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? RESULTS_API_TIMEOUT_MS;

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${opts.apiKey}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    return { status: res.status, text: await res.text() };
  }

  const failure = (what: string, error: unknown) =>
    `diffray results API: ${what} failed (${describeError(error, timeoutMs)}); the review is not affected`;

  /** A record the API keeps and answers with no more than its id: only whether it landed matters. */
  async function record(path: string, body: unknown, what: string): Promise<{ warning?: string }> {
    try {
      const { status } = await call('POST', path, body);
      if (status !== 201 && status !== 200)
        return { warning: `diffray results API: the ${what} answered HTTP ${status}` };
      return {};
    } catch (error) {
      return { warning: failure(what, error) };
    }
  }

  return {
    async fetchConfig(repository) {
      try {
        const { status, text } = await call('GET', `/v1/config?repository=${encodeURIComponent(repository)}`);
        if (status === 404) return {};
        if (status !== 200)
          return {
            warning: `diffray results API: config fetch answered HTTP ${status}; using the repository config only`,
          };
        return parseHostedConfig(text);
      } catch (error) {
        return { warning: failure('config fetch', error) };
      }
    },

    async sendReport(report: ReviewReport) {
      try {
        const { status, text } = await call('POST', '/v1/reviews', report);
        if (status !== 201 && status !== 200)
          return { warning: `diffray results API: report upload answered HTTP ${status}` };
        const created = ReviewCreatedSchema.safeParse(parseJson(text));
        if (!created.success)
          return { warning: 'diffray results API: unexpected answer to the report upload' };
        return created.data;
      } catch (error) {
        return { warning: failure('report upload', error) };
      }
    },

    reportDismissal: (dismissal: DismissalReport) => record('/v1/dismissals', dismissal, 'dismissal report'),
    reportAnswer: (answer: AnswerReport) => record('/v1/answers', answer, 'answer cost report'),
  };
}

/**
 * What went wrong, for the warning: the timeout, or the error class plus the system error code fetch hides
 * in `cause` (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED...), which tells an operator what to fix. Never the
 * message, which could echo a URL or header.
 */
function describeError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return 'error';
  if (error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)
    ? `${error.name} ${code}`
    : error.name;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The hosted config arrives as JSON: either the config object itself, `{ config: {...} }`, or
 * `{ yaml: "..." }`. Each is validated with the same schema as `.diffray.yml`.
 */
export function parseHostedConfig(text: string): {
  config?: ReturnType<typeof DiffrayConfigSchema.parse>;
  warning?: string;
} {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      warning: 'diffray results API: the hosted config is not JSON; using the repository config only',
    };
  }
  const obj = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof obj.yaml === 'string') {
    const parsed = parseConfigYaml(obj.yaml);
    if (parsed.ok) return { config: parsed.config };
    return {
      warning: `diffray results API: invalid hosted config:\n${formatConfigIssues('hosted config', parsed.issues)}`,
    };
  }
  const candidate = 'config' in obj ? obj.config : obj;
  if (candidate === null || candidate === undefined) return {};
  const result = DiffrayConfigSchema.safeParse(candidate);
  if (result.success) return { config: result.data };
  const issue = result.error.issues[0];
  return {
    warning: `diffray results API: invalid hosted config (${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}); using the repository config only`,
  };
}
