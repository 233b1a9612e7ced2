/**
 * The review threads of diffray's inline comments, through GraphQL (REST does not say whether a person
 * resolved a thread): listing them with their resolution and people's replies, and replying in many at once
 * with one mutation.
 */
import { parseFindingMarkers } from '../core/output/markers.js';
import { PermissionError, type GitHubPort, type ReviewThread, type ThreadRepliesResult } from '../ports.js';
import { firstLine, MAX_PAGES, rethrow, type RepoClient } from './github-client.js';

/** Threads and the first comments of each: enough to see the marker, a resolution and dismiss replies. */
const REVIEW_THREADS_QUERY = `query ($owner: String!, $repo: String!, $pr: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $pr) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          resolvedBy { login }
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
          resolvedBy?: { login?: string } | null;
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

export function reviewThreads({
  client,
  owner,
  repo,
}: RepoClient): Pick<GitHubPort, 'listReviewThreads' | 'replyInThreads'> {
  return {
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
            // Replies by people only: diffray's own replies ("Fixed in ...") never dismiss anything.
            const people = comments.slice(1).filter((c) => c.author?.__typename !== 'Bot');
            const resolvedBy = node.resolvedBy?.login;
            threads.push({
              fingerprint,
              threadId: node.id,
              resolved: node?.isResolved === true,
              replies: people.map((c) => c.body ?? ''),
              replyAuthors: people.map((c) => c.author?.login),
              ...(resolvedBy ? { resolvedBy } : {}),
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
  };
}
