/**
 * A fake GitHub REST API on 127.0.0.1 that behaves like the real one where diffray depends on it: check runs
 * (≤ 50 annotations per request, else 422), reviews (422 when a comment's line is not in the PR's diff),
 * review and issue comments (paginated), the PR's files with patches, 403 "Resource not accessible by
 * integration" for a permission switched off, and secondary rate limits with retry-after on demand.
 * Review threads over GraphQL (POST /graphql): the `reviewThreads { id isResolved comments }` query, and
 * mutation documents of aliased `addPullRequestReviewThreadReply` fields, run in order, a refused field
 * null with an error naming its alias while the others land; with helpers for what people do in a thread
 * (resolve it, reply, delete it). Every request is recorded for assertions.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, readBody } from './server.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface Comment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  author_association?: string;
  created_at?: string;
}

/** A reaction the action added to a comment. */
export interface Reaction {
  kind: 'issue' | 'review';
  commentId: number;
  content: string;
}

export interface ReviewComment extends Comment {
  path: string;
  line: number;
  start_line?: number | null;
  side: string;
  pull_request_review_id: number;
  /** Set on replies: the thread's first comment. */
  in_reply_to_id?: number;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  details_url?: string;
  external_id?: string;
  output?: { title?: string; summary?: string; text?: string };
  annotations: unknown[];
}

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  pullNumber: number;
  /** `git diff` text of the PR: GitHub's own view of which RIGHT lines can carry a comment. */
  diff: string;
  /** The PR's head commit (`GET /pulls/:n`); unknown (404) when unset. */
  headSha?: string;
  /** Permissions the token lacks: answered with 403 "Resource not accessible by integration". */
  denied?: ('checks' | 'pull-requests')[];
  /** The token is not a GitHub App's (a personal access token): the Checks API answers 403, as GitHub does. */
  personalToken?: boolean;
  /** Lines GitHub considers outside its diff although the local diff has them (a diverged view). */
  rejectLines?: { path: string; line: number }[];
  /** The PR's base commit (`GET /pulls/:n`). */
  baseSha?: string;
  /** Login of the PR's author (default `octocat`). */
  prAuthor?: string;
  /** The PR author's `authorAssociation` (default `CONTRIBUTOR`: no write access). */
  prAuthorAssociation?: string;
}

interface PlannedFault {
  method: string;
  path: RegExp;
  /** Undefined: no answer at all (the connection hangs until the client gives up). */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeFile {
  filename: string;
  patch: string;
  /** Valid RIGHT lines, per hunk. */
  hunks: Set<number>[];
}

const BOT = { login: 'github-actions[bot]', type: 'Bot' as const };
/** Who the action writes as with a personal access token (`personalToken`): a person, as far as GitHub says. */
export const PAT_USER = { login: 'ci-robot', type: 'User' as const };

/** GraphQL node id of the thread started by review comment `commentId` (opaque on GitHub too). */
export const threadNodeId = (commentId: number) => `PRRT_fake${commentId}`;

/**
 * Whether a GraphQL document is a mutation: its (first) operation starts with the `mutation` keyword after
 * comments and whitespace; a bare `{ ... }` or `query` is a read. The action sends one operation per document.
 */
export function isGraphqlMutation(document: string): boolean {
  return /^mutation\b/.test(document.replace(/#[^\n]*/g, '').trimStart());
}

/**
 * Content-creating requests, the ones GitHub's secondary limits count (80 a minute): REST POSTs and GraphQL
 * mutations. A GraphQL query is a read although it is sent as a POST; PATCHes update what exists.
 */
export function isContentCreating(r: RecordedRequest): boolean {
  if (r.method !== 'POST') return false;
  if (r.path !== '/graphql') return true;
  return isGraphqlMutation(String((r.body as { query?: unknown } | undefined)?.query ?? ''));
}

interface GraphqlError {
  type?: string;
  message: string;
  path?: string[];
}

const REPLY_FIELD =
  /(\w+)\s*:\s*addPullRequestReviewThreadReply\s*\(\s*input\s*:\s*\{([^}]*)\}\s*\)\s*\{[^{}]*\{[^{}]*\}[^{}]*\}/g;
const RESOLVE_FIELD =
  /(\w+)\s*:\s*resolveReviewThread\s*\(\s*input\s*:\s*\{\s*threadId\s*:\s*\$(\w+)\s*\}\s*\)\s*\{[^{}]*\{[^{}]*\}[^{}]*\}/g;
const REPLY_INPUT_FIELDS = new Set([
  'pullRequestReviewThreadId',
  'body',
  'pullRequestReviewId',
  'clientMutationId',
]);

export class FakeGitHub extends FakeServer {
  readonly requests: RecordedRequest[] = [];
  readonly checkRuns: CheckRun[] = [];
  readonly reviews: { id: number; event: string; body: string; commit_id: string; comments: number }[] = [];
  readonly issueComments: Comment[] = [];
  readonly reviewComments: ReviewComment[] = [];
  readonly reactions: Reaction[] = [];
  /** Threads (first-comment ids) the action resolved with `resolveReviewThread`. */
  readonly resolvedByAction = new Set<number>();
  files: FakeFile[];
  headSha: string | undefined;
  /** First-comment ids of the threads a person resolved. */
  readonly resolvedThreads = new Set<number>();
  /** First-comment ids of threads deleted just before the next mutation arrives. */
  private readonly deleteBeforeMutation = new Set<number>();
  private mutationCut: number | undefined;
  private readonly faults: PlannedFault[] = [];
  private nextId = 1000;

  constructor(private readonly opts: FakeGitHubOptions) {
    super();
    this.files = filesOfDiff(opts.diff, opts.rejectLines ?? []);
    this.headSha = opts.headSha;
  }

  /** The next matching request answers with a secondary rate limit (403 + retry-after, as GitHub does). */
  secondaryRateLimitOnce(method: string, path: RegExp, retryAfterSeconds = 1): void {
    this.faults.push({
      method,
      path,
      status: 403,
      headers: { 'retry-after': String(retryAfterSeconds) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
  }

  /** The next `times` matching requests answer `status` (a 502 from GitHub's edge, say), as during an incident. */
  failNext(method: string, path: RegExp, status: number, times = 1): void {
    for (let i = 0; i < times; i++)
      this.faults.push({ method, path, status, body: { message: 'Server Error' } });
  }

  /** The next matching request is never answered, as during a GitHub incident. */
  hangOnce(method: string, path: RegExp): void {
    this.faults.push({ method, path });
  }

  /** Content-creating requests (see {@link isContentCreating}). */
  writes(): RecordedRequest[] {
    return this.requests.filter(isContentCreating);
  }

  /** After a push: the PR's head, and GitHub's view of its diff, change. */
  setHead(headSha: string, diff: string): void {
    this.headSha = headSha;
    this.files = filesOfDiff(diff, this.opts.rejectLines ?? []);
  }

  /** Who resolved a thread, by its first comment, when the test says. */
  private readonly resolvers = new Map<number, string>();

  /** A person (`by`, when the test names them) resolves the thread started by `commentId`. */
  resolveThread(commentId: number, by?: string): void {
    this.resolvedThreads.add(commentId);
    if (by !== undefined) this.resolvers.set(commentId, by);
  }

  /** Who the action writes as: a bot, or with a personal access token, the token's user. */
  private get self(): Comment['user'] {
    return this.opts.personalToken ? PAT_USER : BOT;
  }

  /** A person (or with `type: 'Bot'`, an app) replies in the thread started by `commentId`. */
  replyAsUser(
    commentId: number,
    body: string,
    login = 'octocat',
    opts: { association?: string; type?: 'Bot' | 'User' } = {},
  ): ReviewComment {
    const first = this.reviewComments.find((c) => c.id === commentId);
    if (!first) throw new Error(`no review comment ${commentId}`);
    const reply: ReviewComment = {
      ...first,
      id: this.nextId++,
      body,
      user: { login, type: opts.type ?? 'User' },
      author_association: opts.association ?? 'MEMBER',
      created_at: new Date().toISOString(),
      in_reply_to_id: commentId,
    };
    this.reviewComments.push(reply);
    return reply;
  }

  /** A person writes a comment on the PR's conversation tab. */
  commentAsUser(
    body: string,
    login = 'octocat',
    opts: { association?: string; type?: 'Bot' | 'User' } = {},
  ): Comment {
    const comment: Comment = {
      id: this.nextId++,
      body,
      user: { login, type: opts.type ?? 'User' },
      author_association: opts.association ?? 'MEMBER',
      created_at: new Date().toISOString(),
    };
    this.issueComments.push(comment);
    return comment;
  }

  /** The replies the action posted in a thread (or on the PR's conversation tab when `commentId` is undefined). */
  actionReplies(commentId?: number): Comment[] {
    const ours = (c: Comment) => c.user.login === this.self.login;
    if (commentId === undefined) return this.issueComments.filter(ours);
    return this.repliesTo(commentId).filter(ours);
  }

  /** A person deletes the thread started by `commentId` while a run is between listing and replying. */
  deleteThreadBeforeNextMutation(commentId: number): void {
    this.deleteBeforeMutation.add(commentId);
  }

  /**
   * The next mutation stops after `fields` of its fields, as GitHub's does when it runs out of time: HTTP
   * 500 "Something went wrong while executing your query", with the data of the fields that ran.
   */
  cutNextMutationAfter(fields: number): void {
    this.mutationCut = fields;
  }

  /** Replies in a thread, oldest first. */
  repliesTo(commentId: number): ReviewComment[] {
    return this.reviewComments.filter((c) => c.in_reply_to_id === commentId);
  }

  private graphqlRefusal: [number, unknown] | undefined;

  /**
   * From now on every GraphQL request is refused: by default as on a GitHub Enterprise Server with the
   * GraphQL API disabled (HTTP 404); `forbidden`, as for a token without access to it (HTTP 200 with a
   * FORBIDDEN error and no data).
   */
  refuseGraphql(how: 'disabled' | 'forbidden' = 'disabled'): void {
    this.graphqlRefusal =
      how === 'disabled'
        ? [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/graphql' }]
        : [
            200,
            {
              data: null,
              errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by personal access token' }],
            },
          ];
  }

  /**
   * A thread's comments as GraphQL pages them: `first` of them after the cursor (an index here), with each
   * comment's `authorAssociation` only when the query asks for it, as GitHub answers only what is asked.
   */
  private commentPage(first: ReviewComment, size: number, after: unknown, query: string) {
    const all = [first, ...this.repliesTo(first.id)];
    const from = typeof after === 'string' ? Number(after) : 0;
    const shown = all.slice(from, from + size);
    const author = (u: Comment['user']) => ({
      __typename: u.type === 'Bot' ? 'Bot' : 'User',
      login: u.login,
    });
    return {
      pageInfo: { hasNextPage: from + size < all.length, endCursor: String(from + shown.length) },
      nodes: shown.map((c) => ({
        body: c.body,
        author: author(c.user),
        // What GitHub says of the app's own comments; people's comments carry their association.
        ...(/\bauthorAssociation\b/.test(query) ? { authorAssociation: c.author_association ?? 'NONE' } : {}),
      })),
    };
  }

  private graphql(body: Record<string, unknown>): [number, unknown] {
    if (this.graphqlRefusal) return this.graphqlRefusal;
    const query = String(body.query ?? '');
    const vars = (body.variables ?? {}) as Record<string, unknown>;
    if (isGraphqlMutation(query)) return this.mutation(query, vars);
    if (/\bviewer\s*\{/.test(query)) return [200, { data: { viewer: { login: this.self.login } } }];
    if (/\bnode\s*\(\s*id:/.test(query)) {
      const first = this.reviewComments.find(
        (c) => c.in_reply_to_id === undefined && threadNodeId(c.id) === vars.id,
      );
      if (!first) return [200, { data: { node: null } }];
      const size = Number(/comments\(first:\s*(\d+)/.exec(query)?.[1] ?? 100);
      return [200, { data: { node: { comments: this.commentPage(first, size, vars.cursor, query) } } }];
    }
    if (!query.includes('reviewThreads') || Number(vars.pr) !== this.opts.pullNumber) {
      return [200, { data: null, errors: [{ message: 'unsupported query in the fake' }] }];
    }
    if (this.opts.denied?.includes('pull-requests'))
      return [
        200,
        { data: null, errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }] },
      ];
    const size = Number(/comments\(first:\s*(\d+)/.exec(query)?.[1] ?? 100);
    const nodes = this.reviewComments
      .filter((c) => c.in_reply_to_id === undefined)
      .map((first) => {
        const resolver = this.resolvers.get(first.id);
        return {
          id: threadNodeId(first.id),
          isResolved: this.resolvedThreads.has(first.id),
          resolvedBy: resolver === undefined ? null : { login: resolver },
          comments: this.commentPage(first, size, undefined, query),
        };
      });
    // The PR's author and association only when asked, as GitHub answers only what is asked.
    const author = /\bauthorAssociation\b/.test(query.slice(0, query.indexOf('reviewThreads')))
      ? {
          author: { login: this.opts.prAuthor ?? 'octocat' },
          authorAssociation: this.opts.prAuthorAssociation ?? 'CONTRIBUTOR',
        }
      : {};
    return [
      200,
      {
        data: {
          repository: {
            pullRequest: {
              ...author,
              reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes },
            },
          },
        },
      },
    ];
  }

  /**
   * A document of aliased `addPullRequestReviewThreadReply` fields, as GitHub runs it: a document it cannot
   * run (another field, an unknown or missing input, an unset variable) is refused whole (`data: null`);
   * otherwise each field runs in order, and one that fails (no such thread, blank body, no permission) is null
   * in `data` with an error whose path is its alias, while the others land.
   */
  private mutation(query: string, vars: Record<string, unknown>): [number, unknown] {
    const refuse = (message: string): [number, unknown] => [200, { data: null, errors: [{ message }] }];
    const fields = [...query.matchAll(REPLY_FIELD)];
    const resolves = [...query.matchAll(RESOLVE_FIELD)];
    const body = query.slice(query.indexOf('{') + 1, query.lastIndexOf('}'));
    if (
      fields.length + resolves.length === 0 ||
      body.replace(REPLY_FIELD, '').replace(RESOLVE_FIELD, '').trim() !== ''
    )
      return refuse(
        "Field doesn't exist on type 'Mutation' (the fake supports addPullRequestReviewThreadReply)",
      );
    const value = (expr: string): unknown => {
      const v = expr.trim();
      if (v.startsWith('$')) return vars[v.slice(1)];
      if (v.startsWith('"')) return JSON.parse(v) as unknown;
      return undefined;
    };
    const planned: { alias: string; threadId: unknown; body: unknown }[] = [];
    for (const [, alias, inputText] of fields) {
      const input = new Map<string, unknown>();
      for (const part of inputText!.split(',').filter((p) => p.trim() !== '')) {
        const [key = '', ...rest] = part.split(':');
        const name = key.trim();
        if (!REPLY_INPUT_FIELDS.has(name))
          return refuse(
            `InputObject 'AddPullRequestReviewThreadReplyInput' doesn't accept argument '${name}'`,
          );
        const v = value(rest.join(':'));
        if (v === undefined) return refuse(`Variable for argument '${name}' was not provided`);
        input.set(name, v);
      }
      if (!input.has('pullRequestReviewThreadId') || !input.has('body'))
        return refuse(
          "Argument 'input' on Field 'addPullRequestReviewThreadReply' is missing required fields: pullRequestReviewThreadId, body",
        );
      planned.push({
        alias: alias!,
        threadId: input.get('pullRequestReviewThreadId'),
        body: input.get('body'),
      });
    }
    for (const id of this.deleteBeforeMutation) {
      const gone = new Set([id, ...this.repliesTo(id).map((c) => c.id)]);
      this.reviewComments.splice(
        0,
        this.reviewComments.length,
        ...this.reviewComments.filter((c) => !gone.has(c.id)),
      );
    }
    this.deleteBeforeMutation.clear();

    const data: Record<string, unknown> = {};
    const errors: GraphqlError[] = [];
    const cut = this.mutationCut;
    this.mutationCut = undefined;
    if (cut !== undefined && cut < planned.length) {
      const ran = this.mutation(
        `mutation { ${fields
          .slice(0, cut)
          .map((f) => f[0])
          .join(' ')} }`,
        vars,
      )[1] as { data?: Record<string, unknown> };
      const message = 'Something went wrong while executing your query. This may be the result of a timeout.';
      return [500, { data: ran.data ?? null, errors: [{ message }] }];
    }
    for (const { alias, threadId, body: text } of planned) {
      data[alias] = null;
      if (this.opts.denied?.includes('pull-requests')) {
        errors.push({ type: 'FORBIDDEN', message: 'Resource not accessible by integration', path: [alias] });
        continue;
      }
      const first = this.reviewComments.find(
        (c) => c.in_reply_to_id === undefined && threadNodeId(c.id) === threadId,
      );
      if (!first) {
        errors.push({
          type: 'NOT_FOUND',
          message: `Could not resolve to a node with the global id of '${String(threadId)}'`,
          path: [alias],
        });
        continue;
      }
      if (typeof text !== 'string' || text.trim() === '') {
        errors.push({ type: 'UNPROCESSABLE', message: "Body can't be blank", path: [alias] });
        continue;
      }
      const reply: ReviewComment = {
        ...first,
        id: this.nextId++,
        body: text,
        user: this.self,
        in_reply_to_id: first.id,
      };
      this.reviewComments.push(reply);
      data[alias] = { comment: { id: `PRRC_fake${reply.id}` } };
    }
    for (const [, alias, variable] of resolves) {
      const threadId = vars[variable!];
      const first = this.reviewComments.find(
        (c) => c.in_reply_to_id === undefined && threadNodeId(c.id) === threadId,
      );
      data[alias!] = null;
      if (!first) {
        errors.push({
          type: 'NOT_FOUND',
          message: `Could not resolve to a node with the global id of '${String(threadId)}'`,
          path: [alias!],
        });
        continue;
      }
      this.resolvedThreads.add(first.id);
      this.resolvedByAction.add(first.id);
      data[alias!] = { thread: { id: threadId } };
    }
    return [200, errors.length > 0 ? { data, errors } : { data }];
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    const body: unknown = text ? JSON.parse(text) : undefined;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body });

    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(data));
    };
    const faultIndex = this.faults.findIndex((f) => f.method === method && f.path.test(url.pathname));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      if (fault!.status === undefined) return;
      return send(fault!.status, fault!.body, fault!.headers);
    }
    try {
      const result = this.route(method, url, body);
      if (!result) return send(404, { message: 'Not Found' });
      send(result[0], result[1]);
    } catch (error) {
      send(500, { message: (error as Error).message });
    }
  }

  private route(method: string, url: URL, body: unknown): [number, unknown] | undefined {
    if (method === 'POST' && url.pathname === '/graphql')
      return this.graphql((body ?? {}) as Record<string, unknown>);
    const prefix = `/repos/${this.opts.owner}/${this.opts.repo}`;
    if (!url.pathname.startsWith(prefix)) return undefined;
    const path = url.pathname.slice(prefix.length);
    const b = (body ?? {}) as Record<string, unknown>;
    const denied = (p: 'checks' | 'pull-requests'): [number, unknown] | undefined =>
      p === 'checks' && this.opts.personalToken
        ? [
            403,
            {
              message: 'You must authenticate via a GitHub App.',
              documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
            },
          ]
        : this.opts.denied?.includes(p)
          ? [
              403,
              {
                message: 'Resource not accessible by integration',
                documentation_url: 'https://docs.github.com/rest',
              },
            ]
          : undefined;
    const page = <T>(items: T[]): [number, unknown] => {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const n = Number(url.searchParams.get('page') ?? 1);
      return [200, items.slice((n - 1) * perPage, n * perPage)];
    };
    const pr = this.opts.pullNumber;
    let m: RegExpExecArray | null;

    if (method === 'POST' && path === '/check-runs') {
      const no = denied('checks');
      if (no) return no;
      const run: CheckRun = {
        id: this.nextId++,
        name: String(b.name),
        head_sha: String(b.head_sha),
        status: String(b.status ?? 'queued'),
        ...(b.details_url === undefined ? {} : { details_url: String(b.details_url) }),
        ...(b.external_id === undefined ? {} : { external_id: String(b.external_id) }),
        annotations: [],
      };
      this.checkRuns.push(run);
      return [201, { ...run, app: { slug: 'github-actions' } }];
    }
    if (method === 'PATCH' && (m = /^\/check-runs\/(\d+)$/.exec(path))) {
      const no = denied('checks');
      if (no) return no;
      const run = this.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return [404, { message: 'Not Found' }];
      const output = b.output as (CheckRun['output'] & { annotations?: unknown[] }) | undefined;
      if ((output?.annotations?.length ?? 0) > 50) {
        return [
          422,
          { message: 'Validation Failed', errors: ['Only 50 annotations are allowed per request'] },
        ];
      }
      // An output replaces the shown one and must carry both; its annotations are appended to earlier ones.
      if (output && (!output.title || !output.summary)) {
        return [422, { message: 'Invalid request.\n\n"title" and "summary" are required in "output".' }];
      }
      if (b.status) run.status = String(b.status);
      if (b.conclusion) run.conclusion = String(b.conclusion);
      if (output) {
        run.output = { title: output.title, summary: output.summary, text: output.text ?? run.output?.text };
        run.annotations.push(...(output.annotations ?? []));
      }
      return [200, run];
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(path)) && Number(m[1]) === pr) {
      if (method === 'GET') return page(this.issueComments);
      if (method === 'POST') {
        const no = denied('pull-requests');
        if (no) return no;
        const comment: Comment = {
          id: this.nextId++,
          body: String(b.body),
          user: this.self,
          created_at: new Date().toISOString(),
        };
        this.issueComments.push(comment);
        return [201, comment];
      }
    }
    if (method === 'DELETE' && (m = /^\/issues\/comments\/(\d+)$/.exec(path))) {
      const no = denied('pull-requests');
      if (no) return no;
      const at = this.issueComments.findIndex((c) => c.id === Number(m![1]));
      if (at < 0) return [404, { message: 'Not Found' }];
      this.issueComments.splice(at, 1);
      return [204, null];
    }
    if (method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(path))) {
      const no = denied('pull-requests');
      if (no) return no;
      const comment = this.issueComments.find((c) => c.id === Number(m![1]));
      if (!comment) return [404, { message: 'Not Found' }];
      comment.body = String(b.body);
      return [200, comment];
    }
    if (method === 'GET' && path === `/pulls/${pr}`) {
      if (this.headSha === undefined) return [404, { message: 'Not Found' }];
      return [
        200,
        {
          number: pr,
          state: 'open',
          title: 'Add widget parsing',
          body: 'Parses widgets.',
          draft: false,
          user: { login: this.opts.prAuthor ?? 'octocat', type: 'User' },
          head: { sha: this.headSha },
          base: { sha: this.opts.baseSha ?? this.headSha },
        },
      ];
    }
    if (method === 'POST' && (m = /^\/(issues|pulls)\/comments\/(\d+)\/reactions$/.exec(path))) {
      const no = denied('pull-requests');
      if (no) return no;
      const kind = m[1] === 'issues' ? 'issue' : 'review';
      const id = Number(m[2]);
      const exists =
        kind === 'issue'
          ? this.issueComments.some((c) => c.id === id)
          : this.reviewComments.some((c) => c.id === id);
      if (!exists) return [404, { message: 'Not Found' }];
      this.reactions.push({ kind, commentId: id, content: String(b.content) });
      return [201, { id: this.nextId++, content: b.content }];
    }
    if (
      method === 'POST' &&
      (m = /^\/pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(path)) &&
      Number(m[1]) === pr
    ) {
      const no = denied('pull-requests');
      if (no) return no;
      const first = this.reviewComments.find((c) => c.id === Number(m![2]));
      // GitHub threads replies under a thread's first comment; a reply to a reply is refused.
      if (!first || first.in_reply_to_id !== undefined) return [404, { message: 'Not Found' }];
      const reply: ReviewComment = {
        ...first,
        id: this.nextId++,
        body: String(b.body),
        user: this.self,
        created_at: new Date().toISOString(),
        in_reply_to_id: first.id,
      };
      this.reviewComments.push(reply);
      return [201, reply];
    }
    if (method === 'GET' && path === `/pulls/${pr}/comments`) return page(this.reviewComments);
    if (method === 'GET' && path === `/pulls/${pr}/files`) {
      return page(this.files.map((f) => ({ filename: f.filename, status: 'modified', patch: f.patch })));
    }
    if (method === 'POST' && path === `/pulls/${pr}/reviews`) {
      const no = denied('pull-requests');
      if (no) return no;
      if (!['COMMENT', 'APPROVE', 'REQUEST_CHANGES'].includes(String(b.event))) {
        return [422, { message: 'Unprocessable Entity', errors: ['event is invalid'] }];
      }
      const comments = (b.comments ?? []) as {
        path: string;
        line: number;
        start_line?: number;
        side?: string;
        body: string;
      }[];
      if (comments.some((c) => !this.commentable(c))) {
        // Like GitHub: the whole review is refused and the message does not say which comment.
        return [422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] }];
      }
      const review = {
        id: this.nextId++,
        event: String(b.event),
        body: String(b.body ?? ''),
        commit_id: String(b.commit_id),
        comments: comments.length,
      };
      this.reviews.push(review);
      for (const c of comments) {
        this.reviewComments.push({
          id: this.nextId++,
          body: c.body,
          path: c.path,
          line: c.line,
          start_line: c.start_line ?? null,
          side: c.side ?? 'RIGHT',
          created_at: new Date().toISOString(),
          user: this.self,
          pull_request_review_id: review.id,
        });
      }
      return [200, { ...review, user: this.self }];
    }
    return undefined;
  }

  private commentable(c: { path: string; line: number; start_line?: number; side?: string }): boolean {
    if ((c.side ?? 'RIGHT') !== 'RIGHT') return false;
    const file = this.files.find((f) => f.filename === c.path);
    const hunk = file?.hunks.find((h) => h.has(c.line));
    if (!hunk) return false;
    return c.start_line === undefined || (c.start_line < c.line && hunk.has(c.start_line));
  }
}

/**
 * Splits `git diff` text into GitHub-style files: the patch from the first hunk on, and the valid RIGHT
 * lines per hunk. A rejected line makes GitHub's view of its hunk end just before it (a diff that diverged
 * from the local one), in the patch and in what reviews may comment on alike.
 */
export function filesOfDiff(diff: string, rejectLines: { path: string; line: number }[] = []): FakeFile[] {
  const files: FakeFile[] = [];
  for (const section of diff.split(/^diff --git /m).slice(1)) {
    const lines = section.split('\n');
    const plus = lines.find((l) => l.startsWith('+++ '));
    const minus = lines.find((l) => l.startsWith('--- '));
    const name = plus && plus !== '+++ /dev/null' ? plus.slice(6) : minus?.slice(6);
    if (!name) continue;
    const first = lines.findIndex((l) => l.startsWith('@@'));
    const rejected = new Set(rejectLines.filter((r) => r.path === name).map((r) => r.line));
    const patch: string[] = [];
    const hunks: Set<number>[] = [];
    let body: string[] = [];
    let header: { oldStart: number; newStart: number; tail: string } | undefined;
    let next = 0;
    let cut = false;
    const flush = () => {
      if (!header) return;
      const oldCount = body.filter((l) => l.startsWith(' ') || l.startsWith('-')).length;
      const newCount = body.filter((l) => l.startsWith(' ') || l.startsWith('+')).length;
      patch.push(
        `@@ -${header.oldStart},${oldCount} +${header.newStart},${newCount} @@${header.tail}`,
        ...body,
      );
    };
    for (const line of first < 0 ? [] : lines.slice(first)) {
      const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(line);
      if (h) {
        flush();
        header = { oldStart: Number(h[1]), newStart: Number(h[2]), tail: h[3] ?? '' };
        body = [];
        next = header.newStart;
        cut = false;
        hunks.push(new Set());
        continue;
      }
      if (cut || !header) continue;
      if (line.startsWith('+') || line.startsWith(' ')) {
        if (rejected.has(next)) {
          cut = true;
          continue;
        }
        hunks.at(-1)!.add(next++);
        body.push(line);
      } else if (line.startsWith('-') || line.startsWith('\\')) {
        body.push(line);
      }
    }
    flush();
    files.push({ filename: name, patch: patch.join('\n'), hunks });
  }
  return files;
}

export async function startFakeGitHub(opts: FakeGitHubOptions): Promise<FakeGitHub> {
  return new FakeGitHub(opts).start();
}
