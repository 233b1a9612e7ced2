/**
 * The review threads of diffray's inline comments, through GraphQL (REST does not say whether a person
 * resolved a thread): listing them with their resolution and people's replies (every comment, paged), and
 * replying in many at once, resolving the fixed ones, with one mutation.
 */
import { parseFindingMarkers } from '../core/output/markers.js';
import { PermissionError, type GitHubPort, type ReviewThread, type ThreadRepliesResult } from '../ports.js';
import { firstLine, httpError, MAX_PAGES, rethrow, type RepoClient } from './github-client.js';
import type { Identity } from './github-identity.js';

/**
 * Threads and the first comments of each (with their authors' association): enough to see the marker, a
 * resolution and dismiss replies. A thread with more comments is read on (THREAD_COMMENTS_QUERY), so a
 * late `@diffray dismiss` in a long thread is never missed.
 */
const COMMENT_FIELDS =
  'pageInfo { hasNextPage endCursor } nodes { body authorAssociation author { __typename login } }';
const REVIEW_THREADS_QUERY = `query ($owner: String!, $repo: String!, $pr: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $pr) {
      authorAssociation author { login }
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          resolvedBy { login }
          comments(first: 100) { ${COMMENT_FIELDS} }
        }
      }
    }
  }
}`;

/** The rest of one thread's comments, 100 at a time. */
const THREAD_COMMENTS_QUERY = `query ($id: ID!, $cursor: String) {
  node(id: $id) {
    ... on PullRequestReviewThread {
      comments(first: 100, after: $cursor) { ${COMMENT_FIELDS} }
    }
  }
}`;

interface CommentNode {
  body?: string | null;
  authorAssociation?: string | null;
  author?: { __typename?: string; login?: string } | null;
}

interface CommentsConnection {
  pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
  nodes?: (CommentNode | null)[];
}

interface ThreadsPage {
  repository?: {
    pullRequest?: {
      authorAssociation?: string | null;
      author?: { login?: string } | null;
      reviewThreads?: {
        pageInfo?: { hasNextPage?: boolean; endCursor?: string | null };
        nodes?: ({
          id?: string;
          isResolved?: boolean;
          resolvedBy?: { login?: string } | null;
          comments?: CommentsConnection;
        } | null)[];
      };
    } | null;
  } | null;
}

/**
 * One mutation document with one aliased field per thread (`r0`, `r1`, ...), then, for the threads to
 * resolve, one `resolveReviewThread` field each (`x0`, ...): GitHub runs the fields in order, and a field it
 * refuses comes back null with an error whose path names its alias, the others still land. The body is
 * one variable, so no text is ever spliced into the document.
 */
function threadRepliesMutation(threadIds: string[], resolveIds: string[]): string {
  const variables = [
    ...threadIds.map((_, i) => `$t${i}: ID!`),
    ...resolveIds.map((_, i) => `$v${i}: ID!`),
  ].join(', ');
  const fields = [
    ...threadIds.map(
      (_, i) =>
        `  r${i}: addPullRequestReviewThreadReply(input: { pullRequestReviewThreadId: $t${i}, body: $body }) { comment { id } }`,
    ),
    ...resolveIds.map(
      (_, i) => `  x${i}: resolveReviewThread(input: { threadId: $v${i} }) { thread { id } }`,
    ),
  ];
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

export function reviewThreads(
  { client, owner, repo }: RepoClient,
  identity: Identity,
): Pick<GitHubPort, 'listReviewThreads' | 'replyInThreads'> {
  const author = (c: CommentNode) => ({
    ...(c.author?.login !== undefined ? { login: c.author.login } : {}),
    ...(c.author?.__typename !== undefined ? { type: c.author.__typename } : {}),
  });

  /** Every comment of a thread: the first page came with the thread, the rest is read on. */
  async function allComments(
    threadId: string,
    first: CommentsConnection | undefined,
  ): Promise<CommentNode[]> {
    const comments = (first?.nodes ?? []).filter((c) => c !== null);
    let page = first?.pageInfo;
    for (let n = 0; n < MAX_PAGES && page?.hasNextPage; n++) {
      const data: { node?: { comments?: CommentsConnection } | null } = await client.graphql(
        THREAD_COMMENTS_QUERY,
        { id: threadId, cursor: page.endCursor ?? null },
      );
      const more = data.node?.comments;
      comments.push(...(more?.nodes ?? []).filter((c) => c !== null));
      page = more?.pageInfo;
    }
    return comments;
  }

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
          const pull = data.repository?.pullRequest;
          const connection = pull?.reviewThreads;
          for (const node of connection?.nodes ?? []) {
            const first = node?.comments?.nodes?.find((c) => c !== null);
            if (!first || typeof node?.id !== 'string') continue;
            const fingerprint = parseFindingMarkers(first.body ?? '')[0];
            if (fingerprint === undefined || !(await identity.isOurs(author(first), first.body ?? '')))
              continue;
            const comments = await allComments(node.id, node.comments);
            // Replies by people only: diffray's own replies ("Fixed in ...", answers) never dismiss anything.
            const people: CommentNode[] = [];
            for (const c of comments.slice(1))
              if (!(await identity.isOurs(author(c), c.body ?? ''))) people.push(c);
            const resolvedBy = node.resolvedBy?.login;
            // GitHub lets the PR's author resolve threads without write access: their association says
            // whether that resolution may dismiss (`lifecycle.ts`); anyone else who resolves has write access.
            const resolverAssociation =
              resolvedBy !== undefined && pull?.author?.login?.toLowerCase() === resolvedBy.toLowerCase()
                ? pull.authorAssociation
                : undefined;
            threads.push({
              fingerprint,
              threadId: node.id,
              resolved: node.isResolved === true,
              ...(resolverAssociation ? { resolverAssociation } : {}),
              replies: people.map((c) => c.body ?? ''),
              // Who may dismiss in a thread is decided on these (`lifecycle.ts`), as for a dismiss command.
              replyAuthors: people.map((c) => ({
                ...author(c),
                ...(c.authorAssociation ? { association: c.authorAssociation } : {}),
              })),
              ...(resolvedBy ? { resolvedBy } : {}),
            });
          }
          if (!connection?.pageInfo?.hasNextPage) break;
          cursor = connection.pageInfo.endCursor ?? null;
        }
        return threads;
      } catch (error) {
        // A GraphQL refusal (HTTP 200 with errors and no data) says why in its first error.
        const refusal = graphqlAnswerOf(error).errors?.[0]?.message;
        if (refusal && httpError(error) === undefined)
          throw new Error(`GitHub refused to list the review threads: ${firstLine(refusal)}`, {
            cause: error,
          });
        rethrow(error, 'pull-requests: read', 'list the review threads');
      }
    },

    async replyInThreads(threadIds, body, resolveIds = []): Promise<ThreadRepliesResult> {
      if (threadIds.length === 0 && resolveIds.length === 0) return { replied: [], failed: [] };
      const variables = Object.fromEntries([
        ...threadIds.map((id, i) => [`t${i}`, id]),
        ...resolveIds.map((id, i) => [`v${i}`, id]),
      ]);
      let answer: GraphqlAnswer;
      try {
        answer = {
          data: await client.graphql(threadRepliesMutation(threadIds, resolveIds), {
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
      const resolved = resolveIds.filter((_, i) => data?.[`x${i}`]);
      return { replied, failed, ...(resolveIds.length > 0 ? { resolved } : {}) };
    },
  };
}
