import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import type { ReviewEvent } from '../shared/index.js';

/** The PR being reviewed, as the event payload describes it. PR text is untrusted data. */
export interface PullRequestContext {
  kind: 'pull_request' | 'pull_request_target';
  /** `owner/name` of the repository the workflow runs in (the base repository). */
  repository: string;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  htmlUrl: string;
  draft: boolean;
  /** The head branch lives in another repository: secrets are absent on `pull_request`. */
  fork: boolean;
  /** Login of whoever triggered the event (`sender`); empty when the payload has none. */
  sender: string;
  /** Login of the PR's author; empty when the payload has none. */
  author: string;
  /** The pull request event's activity (`opened`, `synchronize`, ...); empty when the payload has none. */
  action: string;
  base: { sha: string; ref: string; repository: string };
  head: { sha: string; ref: string; repository: string };
}

export interface UnsupportedContext {
  kind: 'unsupported';
  eventName: string;
  repository: string;
  /** Why this event is not reviewed, for the notice. */
  reason: string;
  /**
   * A commit that still needs a `diffray` check: a merge queue's group, whose pull requests were reviewed
   * already, waits for every required check on its own commit.
   */
  skippedCheckSha?: string;
}

/**
 * A comment on a pull request (`issue_comment` on a PR, `pull_request_review_comment`), type `created`: a
 * possible command. Its text, and everything about the PR, is untrusted data.
 */
export interface CommentContext {
  kind: 'comment';
  eventName: 'issue_comment' | 'pull_request_review_comment';
  repository: string;
  owner: string;
  repo: string;
  /** The pull request's number. */
  number: number;
  /** Login of the PR's author (who may ask about the findings on their own PR). */
  prAuthor: string;
  comment: {
    id: number;
    body: string;
    author: string;
    /** `user.type`: `User`, `Bot`, `Organization`. */
    authorType: string;
    /** `author_association`: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ... */
    association: string;
    /** A review comment's thread: the id of the thread's first comment (itself when it starts one). */
    threadRootId?: number;
  };
}

export type ActionContext = PullRequestContext | CommentContext | UnsupportedContext;

/** The events that may carry a command, handled by conversation.ts. */
export const COMMENT_EVENTS = ['issue_comment', 'pull_request_review_comment'] as const;

const sha = z.string().check(z.regex(/^[0-9a-f]{40,64}$/i, 'a commit sha'));

const repoRef = z.optional(z.nullable(z.looseObject({ full_name: z.string().check(z.minLength(3)) })));
const maybeText = z.optional(z.nullable(z.string()));

const PullRequestPayloadSchema = z.looseObject({
  pull_request: z.looseObject({
    number: z.number().check(z.int(), z.positive()),
    title: maybeText,
    body: maybeText,
    html_url: z.optional(z.string()),
    draft: z.optional(z.boolean()),
    user: z.optional(z.nullable(z.looseObject({ login: z.optional(z.string()) }))),
    base: z.looseObject({ sha, ref: z.string(), repo: repoRef }),
    head: z.looseObject({ sha, ref: z.string(), repo: repoRef }),
  }),
  repository: z.optional(z.looseObject({ full_name: z.string().check(z.minLength(3)) })),
  sender: z.optional(z.nullable(z.looseObject({ login: z.optional(z.string()) }))),
  action: z.optional(z.string()),
});

const login = z.optional(
  z.nullable(z.looseObject({ login: z.optional(z.string()), type: z.optional(z.string()) })),
);

const CommentPayloadSchema = z.looseObject({
  action: z.optional(z.string()),
  comment: z.looseObject({
    id: z.number().check(z.int(), z.positive()),
    body: maybeText,
    user: login,
    author_association: z.optional(z.string()),
    in_reply_to_id: z.optional(z.nullable(z.number())),
  }),
  // issue_comment: the issue (a PR when `pull_request` is set); pull_request_review_comment: the PR.
  issue: z.optional(
    z.looseObject({
      number: z.number().check(z.int(), z.positive()),
      user: login,
      pull_request: z.optional(z.nullable(z.looseObject({}))),
    }),
  ),
  pull_request: z.optional(z.looseObject({ number: z.number().check(z.int(), z.positive()), user: login })),
  repository: z.optional(z.looseObject({ full_name: z.string().check(z.minLength(3)) })),
});

const MergeGroupPayloadSchema = z.looseObject({ merge_group: z.looseObject({ head_sha: sha }) });

/**
 * Turns an event name and payload into a typed context. Events other than `pull_request` and
 * `pull_request_target` are `unsupported` (a notice, not an error). A PR payload that does not parse is an
 * error: the runner sent something we do not understand.
 */
export function parseEventContext(eventName: string, payload: unknown, repositoryEnv: string): ActionContext {
  if (eventName === 'merge_group') {
    const group = MergeGroupPayloadSchema.safeParse(payload);
    return {
      kind: 'unsupported',
      eventName,
      repository: repositoryEnv,
      reason:
        "diffray reviews pull requests: the merge queue's group is made of pull requests it reviewed already, so its check is marked skipped",
      ...(group.success ? { skippedCheckSha: group.data.merge_group.head_sha.toLowerCase() } : {}),
    };
  }
  if (eventName === 'issue_comment' || eventName === 'pull_request_review_comment') {
    return parseCommentEvent(eventName, payload, repositoryEnv);
  }
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') {
    return {
      kind: 'unsupported',
      eventName,
      repository: repositoryEnv,
      reason: `diffray reviews pull requests; the "${eventName || 'unknown'}" event has nothing to review`,
    };
  }
  const parsed = PullRequestPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `The ${eventName} event payload is not a pull request event (${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'})`,
    );
  }
  const pr = parsed.data.pull_request;
  const repository = parsed.data.repository?.full_name ?? pr.base.repo?.full_name ?? repositoryEnv;
  const [owner = '', repo = ''] = repository.split('/');
  const baseRepo = pr.base.repo?.full_name ?? repository;
  // A deleted fork has no head repo: treat it as a fork, the cautious answer.
  const headRepo = pr.head.repo?.full_name ?? '';
  return {
    kind: eventName,
    repository,
    owner,
    repo,
    number: pr.number,
    title: pr.title ?? '',
    body: pr.body ?? '',
    htmlUrl: pr.html_url ?? '',
    draft: pr.draft ?? false,
    fork: headRepo.toLowerCase() !== baseRepo.toLowerCase(),
    sender: parsed.data.sender?.login ?? '',
    author: pr.user?.login ?? '',
    action: parsed.data.action ?? '',
    base: { sha: pr.base.sha.toLowerCase(), ref: pr.base.ref, repository: baseRepo },
    head: { sha: pr.head.sha.toLowerCase(), ref: pr.head.ref, repository: headRepo },
  };
}

/**
 * A comment event as a possible command. Only new comments count (an edit does not run a command twice),
 * and a comment on an issue that is not a pull request ends with a notice.
 */
function parseCommentEvent(
  eventName: 'issue_comment' | 'pull_request_review_comment',
  payload: unknown,
  repositoryEnv: string,
): CommentContext | UnsupportedContext {
  const unsupported = (reason: string): UnsupportedContext => ({
    kind: 'unsupported',
    eventName,
    repository: repositoryEnv,
    reason,
  });
  const parsed = CommentPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `The ${eventName} event payload is not a comment event (${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'})`,
    );
  }
  const data = parsed.data;
  if ((data.action ?? 'created') !== 'created')
    return unsupported(`diffray answers new comments; this one was ${data.action ?? 'changed'}`);
  const pr =
    eventName === 'pull_request_review_comment'
      ? data.pull_request
      : data.issue?.pull_request
        ? data.issue
        : undefined;
  if (!pr) {
    return unsupported(
      `diffray answers comments on pull requests; issue #${data.issue?.number ?? '?'} is not a pull request`,
    );
  }
  const repository = data.repository?.full_name ?? repositoryEnv;
  const [owner = '', repo = ''] = repository.split('/');
  const c = data.comment;
  const threadRootId = eventName === 'pull_request_review_comment' ? (c.in_reply_to_id ?? c.id) : undefined;
  return {
    kind: 'comment',
    eventName,
    repository,
    owner,
    repo,
    number: pr.number,
    prAuthor: pr.user?.login ?? '',
    comment: {
      id: c.id,
      body: c.body ?? '',
      author: c.user?.login ?? '',
      authorType: c.user?.type ?? '',
      association: (c.author_association ?? 'NONE').toUpperCase(),
      ...(threadRootId !== undefined ? { threadRootId } : {}),
    },
  };
}

/**
 * Why this run has no secrets, when GitHub withholds them by design: a `pull_request` from a fork, or one
 * triggered by Dependabot (its runs get Dependabot secrets only). Undefined otherwise: a missing key is
 * then the workflow's mistake, not GitHub's policy.
 */
export function secretlessReason(context: PullRequestContext): string | undefined {
  if (context.kind !== 'pull_request') return undefined;
  if (context.fork) {
    return 'This pull request comes from a fork and the workflow has no access to the anthropic-api-key secret, so it was not reviewed.';
  }
  if (context.sender === 'dependabot[bot]') {
    return (
      "This run was triggered by Dependabot, whose runs get the repository's Dependabot secrets only, so " +
      'anthropic-api-key was empty and the pull request was not reviewed. To review Dependabot PRs, add ' +
      'ANTHROPIC_API_KEY to the Dependabot secrets too.'
    );
  }
  return undefined;
}

/**
 * What started the run, as the results page names it: a re-run of the workflow (`GITHUB_RUN_ATTEMPT` above
 * 1), a push (the PR opened, reopened or its branch pushed to), or another activity (edited, labeled...).
 * A comment command's review is `command` (conversation.ts).
 */
export function reviewEvent(context: PullRequestContext, runAttempt: string | undefined): ReviewEvent {
  if (Number(runAttempt ?? '1') > 1) return 're-run';
  if (['opened', 'reopened', 'synchronize', ''].includes(context.action)) return 'push';
  return 'other';
}

/** Reads the runner's event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY). */
export function readActionContext(env: NodeJS.ProcessEnv = process.env): ActionContext {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const repository = env.GITHUB_REPOSITORY ?? '';
  const withPayload = ['pull_request', 'pull_request_target', 'merge_group', ...COMMENT_EVENTS];
  if (!withPayload.includes(eventName)) {
    return parseEventContext(eventName, undefined, repository);
  }
  const path = env.GITHUB_EVENT_PATH;
  if (!path) throw new Error(`GITHUB_EVENT_PATH is not set: cannot read the ${eventName} event`);
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the event payload at GITHUB_EVENT_PATH: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseEventContext(eventName, payload, repository);
}
