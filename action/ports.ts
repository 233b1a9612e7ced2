/**
 * Ports the engine talks through, implemented in action/adapters/ (and by fakes in tests). Each port is the
 * smallest surface the engine needs; none of them exposes an SDK type.
 */
import type {
  AnswerReport,
  Conclusion,
  DiffrayConfig,
  DismissalReport,
  Finding,
  ReviewReport,
} from '../shared/index.js';
import type { CheckedOutCommit } from './core/input/checkout.js';
import type { AnswerRepairs } from './core/findings/answer.js';
import type { HistoryCommit } from './core/findings/eval.js';
import type { ThreadSignal } from './core/findings/lifecycle.js';
import type { SummaryState } from './core/output/markers.js';
import type { RateLimitSnapshot } from './core/plan/rate-budget.js';
import type {
  CheckAnnotation,
  DiffFile,
  ReviewComment,
  TokenUsage,
  UnanchoredReason,
  Verdict,
  WalkthroughPart,
} from './core/types.js';

/** Port: the local git repository (the runner's checkout or the developer's clone). */
export interface GitPort {
  /** Resolves a ref (branch, tag, `HEAD~2`, sha) to a full commit sha. */
  resolveRef(ref: string): Promise<string>;
  /**
   * The merge base of `base` and `head`. Fetches the commits from `origin` when they are absent and deepens
   * a shallow history in bounded steps until the merge base is reachable.
   */
  mergeBase(base: string, head: string): Promise<string>;
  /** `git diff` text between two commits, produced with the core's GIT_DIFF_ARGS. */
  diff(base: string, head: string): Promise<string>;
  /**
   * The same diff, parsed (the core's parseDiff), as files and hunks. `onFiles`, when given, sees the files
   * in batches as they are parsed, in order, while git is still writing the rest.
   */
  diffFiles(base: string, head: string, onFiles?: (files: DiffFile[]) => void): Promise<DiffFile[]>;
  /** A file's content at a revision; undefined when the path does not exist there (or is too large). */
  showFile(rev: string, path: string): Promise<string | undefined>;
  /**
   * `showFile` for many paths at once, started now (one git process, not one or more per file): one promise
   * per path, in order, each settled as soon as its file is read.
   */
  showFiles(rev: string, paths: readonly string[]): Promise<string | undefined>[];
  /**
   * True when the commit is in the repository, fetching it from `origin` (bounded depth) when it is not;
   * false when it cannot be had (a force-push removed it from every branch, say).
   */
  ensureCommit(sha: string): Promise<boolean>;
  /** The commit checked out in the working tree (HEAD) and its parents; undefined when there is none. */
  checkedOut(): Promise<CheckedOutCommit | undefined>;
  /** `git merge-base --is-ancestor`: whether `ancestor` is in the history of `descendant`. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /**
   * The last `max` commits on the first-parent history of `ref`, newest first, with their parents (the
   * first one is the branch before the commit) and their subject line. For `diffray eval`.
   */
  firstParentHistory(ref: string, max: number): Promise<HistoryCommit[]>;
}

/** Port: files of the checked-out working tree, confined to the workspace. */
export interface WorkspacePort {
  /** The file's text; undefined when it is missing, outside the workspace, under `.git/`, or too large. */
  readFile(path: string): Promise<string | undefined>;
}

/** Thrown by the GitHub port when the token lacks a permission; names the permission to add. */
export class PermissionError extends Error {
  constructor(
    readonly permission: string,
    readonly operation: string,
  ) {
    super(
      `GitHub refused to ${operation}: the token lacks "${permission}" permission (Resource not accessible by integration). ` +
        `Add "permissions: ${permission}" to the workflow job.`,
    );
    this.name = 'PermissionError';
  }
}

export interface CheckRunResult {
  /**
   * A run's verdict; `cancelled` when the runner cancelled it before it posted; `skipped` for a commit
   * diffray does not review (a merge queue's group).
   */
  conclusion: Conclusion | 'cancelled' | 'skipped';
  output: { title: string; summary: string; text?: string };
  annotations: CheckAnnotation[];
}

/** One inline comment to post, with the fingerprint its body carries (to report what GitHub rejected). */
export interface PlannedComment {
  fingerprint: string;
  comment: ReviewComment;
}

export interface ReviewPostResult {
  /** Fingerprints of the comments that are on the PR now. */
  posted: string[];
  /** Comments GitHub refused (422) even after anchoring; the engine lists them in the summary. */
  rejected: {
    fingerprint: string;
    reason: Extract<UnanchoredReason, 'line-rejected-by-github' | 'comment-rejected-by-github'>;
  }[];
}

/**
 * The summary comment found on a PR: the one runs update in place (the oldest of diffray's), and the
 * duplicates that runs which raced to create the first one left.
 */
export interface SummaryComment {
  id: number;
  duplicates: number[];
  /** Its text as found (a command that changes the state edits it). */
  body?: string;
}

export interface ExistingMarkers {
  /** Fingerprints of findings an earlier run already posted on this PR. */
  fingerprints: Set<string>;
  /** Head sha of the run that last wrote the summary comment, when it recorded one. */
  lastHeadSha?: string;
  /** The whole state the last run stored (range start, lifecycle), when readable. */
  state?: SummaryState;
  /** The summary comment, when the PR has one: the run updates it with `upsertSummaryComment`. */
  summary?: SummaryComment;
  /** Automatic reviews are paused on this PR (`@diffray pause`; the summary carries the marker). */
  paused?: boolean;
}

/** A review thread started by one of diffray's inline comments. */
export interface ReviewThread extends ThreadSignal {
  /** GraphQL node id of the thread (replies are posted to it). */
  threadId: string;
}

export interface ThreadRepliesResult {
  /** Threads the reply landed in. */
  replied: string[];
  /** Threads resolved (of those asked to be), when any were. */
  resolved?: string[];
  /** Threads GitHub refused a reply (deleted or locked since they were listed), with its reason. */
  failed: { threadId: string; reason: string }[];
}

/**
 * Port: the PR on GitHub. At most three content-creating requests per run, whatever the number of findings:
 * the check, the review, and the summary comment when it is first created or the replies in the threads of
 * findings a push fixed (all in one request; a run that finds the summary to update has nothing to create).
 */
export interface GitHubPort {
  createCheckRun(headSha: string): Promise<number>;
  /** Completes the check; annotations go in batches of ≤ 50 (the first with the completing update). */
  completeCheckRun(id: number, result: CheckRunResult): Promise<void>;
  /** Throws when GitHub cannot list them: the engine then stops before its first write. */
  listExistingFindingMarkers(pr: number): Promise<ExistingMarkers>;
  /** The PR's head commit as GitHub has it now (it moves on with every push). */
  currentHead(pr: number): Promise<string>;
  /** One review, event COMMENT. A 422 never loses the review: rejected comments are dropped and reported. */
  createReview(
    pr: number,
    review: { commitId: string; body: string; comments: PlannedComment[] },
  ): Promise<ReviewPostResult>;
  /**
   * Updates the summary comment `found` (by listExistingFindingMarkers) in place and deletes its duplicates,
   * or creates it. Never duplicates: with none found, it looks again first, since another run on this PR
   * may have created one meanwhile.
   */
  upsertSummaryComment(pr: number, body: string, found: SummaryComment | undefined): Promise<void>;
  /**
   * Review threads whose first comment is diffray's (carries a finding marker), with whether a person
   * resolved them and the replies people wrote (GraphQL `reviewThreads`: REST does not expose resolution).
   */
  listReviewThreads(pr: number): Promise<ReviewThread[]>;
  /**
   * The same reply in each thread, and `resolveIds` resolved after, in one content-creating request (one
   * GraphQL mutation). A thread GitHub refuses does not stop the others: it comes back in `failed`. Throws
   * when the request itself fails.
   */
  replyInThreads(threadIds: string[], body: string, resolveIds?: string[]): Promise<ThreadRepliesResult>;
}

/** The pull request as GitHub has it now (a comment event's payload does not carry all of it). */
export interface PullRequestInfo {
  number: number;
  title: string;
  body: string;
  draft: boolean;
  baseSha: string;
  headSha: string;
  /** Login of its author. */
  author: string;
}

/** A comment a command arrived in: an issue comment on the PR, or a review comment (in a thread). */
export type CommentTarget = { kind: 'issue'; id: number } | { kind: 'review'; id: number };

/** One review comment of the PR (a thread's first comment, or a reply with `inReplyTo`). */
export interface PrReviewComment {
  id: number;
  body: string;
  path: string;
  /** Its line at the PR's head; undefined when the comment is outdated. */
  line?: number;
  /** The thread's first comment, for a reply. */
  inReplyTo?: number;
  author: string;
  /** Written by this token's identity: a bot, or the user a personal access token belongs to. */
  ours: boolean;
  createdAt: string;
}

/**
 * Port: what talking to diffray in a PR needs of GitHub besides the review's writes. Each command makes at
 * most two content-creating requests (the reaction, the reply) plus the summary's update.
 */
export interface GitHubTalkPort {
  getPullRequest(pr: number): Promise<PullRequestInfo>;
  /** Acknowledges a command at once (`eyes`). */
  addReaction(target: CommentTarget, content: 'eyes'): Promise<void>;
  /** The one reply to a command: an issue comment on the PR, or a reply in the review comment's thread. */
  replyTo(pr: number, target: CommentTarget, body: string): Promise<void>;
  /** Every review comment of the PR, paged. */
  listReviewComments(pr: number): Promise<PrReviewComment[]>;
}

export interface ModelRequest {
  model: string;
  /** Stable, cacheable prefix: instructions and rules shared by every request of the run. */
  system: string;
  /** The chunk's content (diff, context, PR metadata marked untrusted). */
  user: string;
  maxOutputTokens: number;
  /** Ask for the walkthrough in the same answer (`findingsTool(true)`); review requests only. */
  walkthrough?: boolean;
  /** Sampling temperature; the API's default when absent (the benchmark judge asks for 0). */
  temperature?: number;
  /**
   * Called once when the answer starts (its first streamed event), or not at all if it never does: the run
   * holds its other requests until then, because a prompt-cache entry becomes readable only once its
   * writer's answer has begun.
   */
  onFirstToken?: () => void;
  /** Told of each HTTP attempt of the request, so the run can pace its requests by the account's limits. */
  observer?: AttemptObserver;
}

/** Each HTTP attempt of one request, the SDK's own retries included. */
export interface AttemptObserver {
  /** The attempt went out. */
  sent(): void;
  /** Its answer arrived, saying this of the account's rate limits for the request's model. */
  answered(limits: RateLimitSnapshot): void;
}

/**
 * A request that failed after the SDK's own retries. `blocks` says what else the error rules out: every
 * request (`account`: the key is rejected or its spend cap reached) or every request to this model
 * (`model`: the key may not use it, or it does not exist); absent, only this request failed (a bad or too
 * large request says nothing about the others). The message carries status and request id only.
 */
export interface ModelFailure {
  ok: false;
  error: string;
  blocks?: 'account' | 'model';
  usage: TokenUsage;
}

export type ModelResult =
  | {
      ok: true;
      findings: Finding[];
      usage: TokenUsage;
      /** Findings of the answer dropped as unrepairable, and how many were kept after a repair. */
      repairs?: AnswerRepairs;
      /** What the model said this request's part of the PR changes, when the walkthrough was asked for. */
      walkthrough?: WalkthroughPart;
    }
  | ModelFailure;

/** A validation request: `count` findings numbered [0]..[count-1] in `user`. */
export interface ConfirmRequest extends ModelRequest {
  count: number;
}

export type ConfirmResult = { ok: true; verdicts: Verdict[]; usage: TokenUsage } | ModelFailure;

/** A plain-text answer (the PR-wide overview of a split review). */
export type TextResult = { ok: true; text: string; usage: TokenUsage } | ModelFailure;

/**
 * Port: asks the model to review one chunk through a forced tool call. The adapter reads the tool input
 * finding by finding (core/findings/answer.ts: a bad finding is repaired or dropped alone), asks once more
 * only when the answer is no findings list at all, and never throws for API errors.
 */
export interface ModelPort {
  review(request: ModelRequest): Promise<ModelResult>;
  /**
   * The validation pass: a second, cheaper request that sees the exact code of a batch of findings and
   * must confirm or reject each through the forced `confirm_findings` tool. Never throws for API errors.
   */
  confirm(request: ConfirmRequest): Promise<ConfirmResult>;
  /**
   * A plain-text request without tools: the cheap PR-wide overview sent before a split review. Never throws
   * for API errors.
   */
  summarize(request: ModelRequest): Promise<TextResult>;
}

/** A question in a diffray thread, answered through the forced `answer_question` tool. */
export type AnswerResult =
  | {
      ok: true;
      answer: { answer: string; verdict: 'stands' | 'wrong' | 'fixed' | 'unsure' };
      usage: TokenUsage;
    }
  | ModelFailure;

/** Port: the model answering a question about one finding. Never throws for API errors. */
export interface AnswerPort {
  answer(request: ModelRequest): Promise<AnswerResult>;
}

/** Port: the optional diffray results API. Never throws: failures come back as warnings. */
export interface ResultsApiPort {
  fetchConfig(repository: string): Promise<{ config?: DiffrayConfig; warning?: string }>;
  sendReport(report: ReviewReport): Promise<{ id: string; url: string } | { warning: string }>;
  /** A dismissal with its reason, for the team to turn into an instruction (`POST /v1/dismissals`). */
  reportDismissal(dismissal: DismissalReport): Promise<{ warning?: string }>;
  /** What an answer in a thread cost, counted with the reviews' costs (`POST /v1/answers`). */
  reportAnswer(answer: AnswerReport): Promise<{ warning?: string }>;
}

export interface Clock {
  now(): number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Metadata-only log: counts and file names at most, never code, prompts or secrets. */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}
