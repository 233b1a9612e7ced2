import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
// The light build is what the throttling plugin itself bundles: no second copy of Bottleneck.
import Bottleneck from 'bottleneck/light.js';
import { LIMITS } from '../../shared/index.js';
import { yieldWithoutTimerClamp } from './bottleneck-yield.js';
import { CHECK_NAME, SUMMARY_MARKER } from '../core/constants.js';
import { parseFindingMarkers, parseSummaryState } from '../core/output/markers.js';
import { batches } from '../core/batches.js';
import { parseHunks, rightSideLines } from '../core/input/diff.js';
import {
  PermissionError,
  type CheckRunResult,
  type ExistingMarkers,
  type GitHubPort,
  type Logger,
  type PlannedComment,
  type ReviewPostResult,
  type ReviewThread,
  type SummaryComment,
  type ThreadRepliesResult,
} from '../ports.js';

/** Octokit with the throttling (secondary limits, retry-after) and retry (5xx) plugins. */
const DiffrayOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof DiffrayOctokit>;

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
const PER_PAGE = 100;
const MAX_PAGES = 30;

/** Threads and the first comments of each: enough to see the marker, a resolution and dismiss replies. */
const REVIEW_THREADS_QUERY = `query ($owner: String!, $repo: String!, $pr: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $pr) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          comments(first: 50) { nodes { body author { __typename login } } }
        }
      }
    }
  }
}`;

interface ThreadsPage {
  repository?: {
    pullRequest?: {
      reviewThreads?: {
        pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
        nodes?: ({
          id?: string;
          isResolved?: boolean;
          comments?: {
            nodes?: ({
              body?: string | null;
              author?: { __typename?: string; login?: string } | null;
            } | null)[];
          };
        } | null)[];
      };
    } | null;
  } | null;
}

/**
 * One mutation document with one aliased field per thread (`r0`, `r1`, ...): GitHub runs the fields in
 * order, and a field it refuses comes back null with an error whose path names its alias, the others
 * still land. The body is one variable, so no text is ever spliced into the document.
 */
function threadRepliesMutation(threadIds: string[]): string {
  const variables = threadIds.map((_, i) => `$t${i}: ID!`).join(', ');
  const fields = threadIds.map(
    (_, i) =>
      `  r${i}: addPullRequestReviewThreadReply(input: { pullRequestReviewThreadId: $t${i}, body: $body }) { comment { id } }`,
  );
  return [`mutation ($body: String!, ${variables}) {`, ...fields, '}'].join('\n');
}

/** What a GraphQL answer carries; Octokit throws it as a GraphqlResponseError when `errors` is set. */
interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; type?: string; path?: unknown[] }[];
}

/**
 * What a failed GraphQL request still says ran: a GraphqlResponseError carries `data` and `errors` itself; an
 * HTTP error answer (GitHub's "something went wrong" comes as a 500) carries them in its body.
 */
function graphqlAnswerOf(error: unknown): GraphqlAnswer {
  const e = error as GraphqlAnswer & { response?: { data?: unknown } };
  if (e.data !== undefined || e.errors !== undefined) return e;
  const body = e.response?.data;
  return typeof body === 'object' && body !== null ? (body as GraphqlAnswer) : {};
}

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

function httpError(error: unknown): HttpError | undefined {
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
function rethrow(error: unknown, permission: string, operation: string): never {
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

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

interface CommentRow {
  id: number;
  body?: string | null;
  user?: { login?: string; type?: string } | null;
}

export interface GitHubPortOptions {
  client: GitHubClient;
  owner: string;
  repo: string;
  log: Logger;
  /** The workflow run doing the review: the check's "Details" link leads to its log. */
  run?: { id: string; url: string };
}

/**
 * GitHubPort over the REST API, and GraphQL for review threads. Reads are paginated; content-creating writes
 * stay at three per run (check, review, and the summary or the replies in fixed threads).
 */
export function createGitHubPort({ client, owner, repo, log, run }: GitHubPortOptions): GitHubPort {
  const base = { owner, repo };

  async function listAll(route: string, params: Record<string, unknown>): Promise<CommentRow[]> {
    const rows: CommentRow[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await client.request(route, { ...base, ...params, per_page: PER_PAGE, page });
      const data = res.data as CommentRow[];
      rows.push(...data);
      if (data.length < PER_PAGE) break;
    }
    return rows;
  }

  /** Our comments are written by a bot (GITHUB_TOKEN or an app token); marker text by anyone else is ignored. */
  const isBot = (row: CommentRow) => row.user?.type === 'Bot';

  async function findSummary(pr: number): Promise<{ row: CommentRow; found: SummaryComment } | undefined> {
    const comments = await listAll('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      issue_number: pr,
    });
    // The oldest is the one every later run updated; any other is a duplicate from a race.
    const [summary, ...extra] = comments.filter((c) => isBot(c) && (c.body ?? '').includes(SUMMARY_MARKER));
    return summary && { row: summary, found: { id: summary.id, duplicates: extra.map((c) => c.id) } };
  }

  /** Updates the summary comment; false when it was deleted since it was listed. */
  async function updateSummary(id: number, body: string): Promise<boolean> {
    try {
      await client.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...base,
        comment_id: id,
        body,
      });
      return true;
    } catch (error) {
      if (httpError(error)?.status !== 404) throw error;
      return false;
    }
  }

  /** Deletes duplicate summaries, so the PR shows one (best effort: a failure leaves a stale copy). */
  async function removeDuplicates(ids: number[]): Promise<void> {
    for (const id of ids) {
      try {
        await client.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          ...base,
          comment_id: id,
        });
        log.info(`Deleted a duplicate summary comment (${id}) left by runs that overlapped`);
      } catch (error) {
        log.debug(`Could not delete the duplicate summary comment ${id}: ${(error as Error).message}`);
      }
    }
  }

  async function validRightLines(pr: number, paths: Set<string>): Promise<Map<string, Set<number>>> {
    const valid = new Map<string, Set<number>>();
    for (let page = 1; page <= MAX_PAGES && valid.size < paths.size; page++) {
      const res = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        ...base,
        pull_number: pr,
        per_page: PER_PAGE,
        page,
      });
      const files = res.data as { filename: string; patch?: string }[];
      for (const f of files)
        if (paths.has(f.filename)) valid.set(f.filename, rightSideLines(parseHunks(f.patch ?? '')));
      if (files.length < PER_PAGE) break;
    }
    return valid;
  }

  async function postReview(
    pr: number,
    commitId: string,
    body: string,
    comments: PlannedComment[],
  ): Promise<void> {
    await client.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...base,
      pull_number: pr,
      commit_id: commitId,
      event: 'COMMENT',
      body,
      comments: comments.map((c) => c.comment),
    });
  }

  return {
    async createCheckRun(headSha) {
      try {
        const res = await client.request('POST /repos/{owner}/{repo}/check-runs', {
          ...base,
          name: CHECK_NAME,
          head_sha: headSha,
          status: 'in_progress',
          started_at: new Date().toISOString(),
          ...(run ? { details_url: run.url, external_id: run.id } : {}),
        });
        return (res.data as { id: number }).id;
      } catch (error) {
        rethrow(error, 'checks: write', 'create the diffray check run');
      }
    },

    async completeCheckRun(id, result: CheckRunResult) {
      const [first = [], ...rest] = batches(result.annotations, LIMITS.annotationsPerRequest);
      const output = {
        title: result.output.title.slice(0, LIMITS.annotationTitleChars),
        summary: result.output.summary.slice(0, LIMITS.checkOutputChars),
        ...(result.output.text ? { text: result.output.text.slice(0, LIMITS.checkOutputChars) } : {}),
      };
      try {
        await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
          ...base,
          check_run_id: id,
          status: 'completed',
          conclusion: result.conclusion,
          completed_at: new Date().toISOString(),
          output: { ...output, annotations: first },
        });
        // GitHub takes 50 annotations per request and appends those of each further update; the same output
        // goes with them (title and summary are required), so no update changes what the check shows.
        for (const batch of rest) {
          await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
            ...base,
            check_run_id: id,
            output: { ...output, annotations: batch },
          });
        }
      } catch (error) {
        rethrow(error, 'checks: write', 'complete the diffray check run');
      }
    },

    async listExistingFindingMarkers(pr): Promise<ExistingMarkers> {
      try {
        const summary = await findSummary(pr);
        const reviewComments = await listAll('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
          pull_number: pr,
        });
        const fingerprints = new Set<string>();
        for (const c of reviewComments) {
          if (!isBot(c)) continue;
          for (const fp of parseFindingMarkers(c.body ?? '')) fingerprints.add(fp);
        }
        const state = summary ? parseSummaryState(summary.row.body ?? '') : undefined;
        for (const fp of state?.fingerprints ?? []) fingerprints.add(fp);
        return {
          fingerprints,
          ...(state ? { lastHeadSha: state.headSha, state } : {}),
          ...(summary ? { summary: summary.found } : {}),
        };
      } catch (error) {
        rethrow(error, 'pull-requests: read', 'list the PR comments');
      }
    },

    async currentHead(pr) {
      try {
        const res = await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          ...base,
          pull_number: pr,
        });
        return res.data.head.sha;
      } catch (error) {
        rethrow(error, 'pull-requests: read', 'read the pull request');
      }
    },

    async createReview(pr, review): Promise<ReviewPostResult> {
      const all = review.comments;
      try {
        await postReview(pr, review.commitId, review.body, all);
        return { posted: all.map((c) => c.fingerprint), rejected: [] };
      } catch (error) {
        if (httpError(error)?.status !== 422 || all.length === 0)
          rethrow(error, 'pull-requests: write', 'post the review');
        log.warning(
          `GitHub rejected the review (422: ${firstLine(httpError(error)!.message)}); checking each comment`,
        );
      }
      // GitHub does not say which comment it refused: check each against the PR's own diff, then post the rest.
      const valid = await validRightLines(pr, new Set(all.map((c) => c.comment.path))).catch(() => new Map());
      const ok: PlannedComment[] = [];
      const rejected: ReviewPostResult['rejected'] = [];
      for (const c of all) {
        const lines = valid.get(c.comment.path);
        const inDiff =
          lines !== undefined &&
          lines.has(c.comment.line) &&
          (c.comment.start_line === undefined || lines.has(c.comment.start_line));
        if (inDiff) ok.push(c);
        else rejected.push({ fingerprint: c.fingerprint, reason: 'line-rejected-by-github' });
      }
      if (rejected.length > 0) {
        try {
          await postReview(pr, review.commitId, review.body, ok);
          return { posted: ok.map((c) => c.fingerprint), rejected };
        } catch (error) {
          if (httpError(error)?.status !== 422) rethrow(error, 'pull-requests: write', 'post the review');
        }
      }
      // Last resort: the review without inline comments; every finding stays in the summary.
      try {
        await postReview(pr, review.commitId, review.body, []);
      } catch (error) {
        rethrow(error, 'pull-requests: write', 'post the review');
      }
      return {
        posted: [],
        rejected: all.map((c) => ({ fingerprint: c.fingerprint, reason: 'comment-rejected-by-github' })),
      };
    },

    async listReviewThreads(pr): Promise<ReviewThread[]> {
      const threads: ReviewThread[] = [];
      let cursor: string | null = null;
      try {
        for (let page = 0; page < MAX_PAGES; page++) {
          const data: ThreadsPage = await client.graphql<ThreadsPage>(REVIEW_THREADS_QUERY, {
            owner,
            repo,
            pr,
            cursor,
          });
          const connection = data.repository?.pullRequest?.reviewThreads;
          for (const node of connection?.nodes ?? []) {
            const comments = (node?.comments?.nodes ?? []).filter((c) => c !== null);
            const first = comments[0];
            if (!first || first.author?.__typename !== 'Bot' || typeof node?.id !== 'string') continue;
            const fingerprint = parseFindingMarkers(first.body ?? '')[0];
            if (fingerprint === undefined) continue;
            threads.push({
              fingerprint,
              threadId: node.id,
              resolved: node?.isResolved === true,
              // Replies by people only: diffray's own replies ("Fixed in ...") never dismiss anything.
              replies: comments
                .slice(1)
                .filter((c) => c.author?.__typename !== 'Bot')
                .map((c) => c.body ?? ''),
            });
          }
          if (!connection?.pageInfo?.hasNextPage) break;
          cursor = connection.pageInfo.endCursor ?? null;
        }
        return threads;
      } catch (error) {
        rethrow(error, 'pull-requests: read', 'list the review threads');
      }
    },

    async replyInThreads(threadIds, body): Promise<ThreadRepliesResult> {
      if (threadIds.length === 0) return { replied: [], failed: [] };
      const variables = Object.fromEntries(threadIds.map((id, i) => [`t${i}`, id]));
      let answer: GraphqlAnswer;
      try {
        answer = {
          data: await client.graphql(threadRepliesMutation(threadIds), {
            ...variables,
            body,
            // Not idempotent: a retry after a 5xx (or GitHub's "something went wrong", which the retry plugin
            // turns into one) would post again every reply that had already landed. Rate limits, answered
            // before anything runs, are still waited out by the throttling plugin.
            request: { retries: 0 },
          }),
        };
      } catch (error) {
        answer = graphqlAnswerOf(error);
        const landed = threadIds.some((_, i) => answer.data?.[`r${i}`]);
        if (!landed && answer.errors?.some((e) => e.type === 'FORBIDDEN'))
          throw new PermissionError('pull-requests: write', 'reply in review threads');
        // Nothing ran (no GraphQL answer, or a document GitHub refused whole): the request failed. When some
        // replies ran (even in a 500), they count, and the rest are reported as not posted.
        if (!answer.data) rethrow(error, 'pull-requests: write', 'reply in review threads');
      }
      const { data, errors = [] } = answer;
      const replied = threadIds.filter((_, i) => data?.[`r${i}`]);
      const failed = threadIds.flatMap((threadId, i) =>
        data?.[`r${i}`]
          ? []
          : [{ threadId, reason: firstLine(errors.find((e) => e.path?.[0] === `r${i}`)?.message ?? '') }],
      );
      return { replied, failed };
    },

    async upsertSummaryComment(pr, body, found) {
      let summary: SummaryComment | undefined;
      try {
        // None known, so about to create one: look (again), since another run on this PR may have created
        // it meanwhile.
        summary = found ?? (await findSummary(pr))?.found;
        if (summary === undefined || !(await updateSummary(summary.id, body))) {
          await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
            ...base,
            issue_number: pr,
            body,
          });
        }
      } catch (error) {
        rethrow(error, 'pull-requests: write', 'write the summary comment');
      }
      await removeDuplicates(summary?.duplicates ?? []);
    },
  };
}
