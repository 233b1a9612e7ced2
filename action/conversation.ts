/**
 * A comment on a pull request that may be a command to diffray (`issue_comment`,
 * `pull_request_review_comment`). The decisions are the core's (what the comment asks: `command.ts`; who
 * may: `permission.ts`); this module does them in order: nothing at all for a comment that is not a
 * command or is a bot's, nothing but reads for someone who may not command (no model call, no post), and
 * otherwise the `eyes` reaction at once, then one reply, or for `review` the usual review, summary and
 * check. The PR's code is read from git objects, never from the checkout.
 */
import { toDismissalReport } from './core/output/dismissal.js';
import { parseFindingMarkers } from './core/output/markers.js';
import { needsThread, parseCommand, type Command } from './core/input/command.js';
import { decidePermission, type Commenter } from './core/input/permission.js';
import { COMMAND_REPLIES, dismissedReply, failedReply, helpReply, HELP_TEXT } from './core/output/replies.js';
import type { CommentContext } from './context.js';
import { runReview, type ReviewRun } from './engine.js';
import { ConfigError } from './errors.js';
import type {
  AnswerPort,
  CommentTarget,
  ExistingMarkers,
  GitHubPort,
  GitHubTalkPort,
  ModelPort,
  PrReviewComment,
  PullRequestInfo,
} from './ports.js';
import { answerQuestion, type DiffrayThread } from './steps/answer.js';
import { loadEffectiveConfig } from './steps/config.js';
import {
  deliver,
  type Effective,
  type EngineDeps,
  type Notes,
  type ReviewSettings,
} from './steps/run-context.js';
import { setDismissed, setPaused } from './steps/summary-edit.js';

export interface ConversationDeps extends EngineDeps {
  github: GitHubPort & GitHubTalkPort;
  model: ModelPort & AnswerPort;
}

/** The review settings a command's review uses, less what the PR itself gives (read from GitHub). */
export type ConversationSettings = Omit<ReviewSettings, 'pr' | 'repository' | 'event' | 'fullReview'> & {
  event: CommentContext;
};

export type ConversationRun =
  /** Nothing was posted: the notice says why. */
  | { kind: 'ignored'; reason: string }
  /** `@diffray review` / `full review`: the run's outcome, reported like a push's. */
  | { kind: 'review'; run: ReviewRun }
  | { kind: 'replied'; command: Command['kind']; warnings: string[]; errors: string[] };

export async function runConversation(
  deps: ConversationDeps,
  settings: ConversationSettings,
): Promise<ConversationRun> {
  const { event } = settings;
  const command = parseCommand(event.comment.body);
  if (!command) return ignored('The comment does not start with @diffray: nothing to do.');
  const commenter: Commenter = {
    login: event.comment.author,
    type: event.comment.authorType,
    association: event.comment.association,
  };
  const early = decidePermission({ command, commenter, prAuthor: event.prAuthor, inDiffrayThread: false });
  if (!early.allowed && early.reason === 'bot')
    return ignored('Comments by bots are never commands (no loops): nothing to do.');

  const github = deps.github;
  const notes: Notes = { warnings: [], errors: [] };
  const pr = await github.getPullRequest(event.number);
  const comments = event.comment.threadRootId !== undefined ? await github.listReviewComments(pr.number) : [];
  const thread = diffrayThread(comments, event.comment.threadRootId);
  const reviewSettings = toReviewSettings(settings, pr, command);
  // The base commit's config (as for a review: a PR must not rewrite who may command diffray). A broken
  // config is answered with the defaults' permission, so a maintainer learns why nothing ran.
  let effective: Effective | undefined;
  let configError: string | undefined;
  try {
    if (!(await deps.git.ensureCommit(pr.baseSha)))
      throw new Error(`the base commit ${pr.baseSha.slice(0, 7)} could not be fetched`);
    effective = await loadEffectiveConfig(deps, reviewSettings, notes);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configError = error.message.split('\n')[0] ?? 'invalid config';
  }
  const permission = decidePermission({
    command,
    commenter,
    prAuthor: pr.author || event.prAuthor,
    inDiffrayThread: thread !== undefined,
    ...(effective?.config.commands?.['allowed-associations']
      ? { allowed: effective.config.commands['allowed-associations'] }
      : {}),
    ...(effective?.config.commands?.enabled === false ? { enabled: false } : {}),
  });
  if (!permission.allowed) {
    return ignored(
      permission.reason === 'disabled'
        ? 'Commands are turned off (commands.enabled: false): nothing to do.'
        : `@${commenter.login} (${commenter.association}) may not command diffray on this pull request: nothing to do.`,
    );
  }

  const target: CommentTarget =
    event.eventName === 'issue_comment'
      ? { kind: 'issue', id: event.comment.id }
      : { kind: 'review', id: event.comment.id };
  // Replies to review comments go to the thread's first comment, the one GitHub threads replies under.
  const replyTarget: CommentTarget =
    target.kind === 'review' ? { kind: 'review', id: event.comment.threadRootId ?? target.id } : target;
  await deliver(notes, () => github.addReaction(target, 'eyes'));
  const render = { serverUrl: settings.serverUrl };
  const reply = async (body: string): Promise<ConversationRun> => {
    await deliver(notes, () => github.replyTo(pr.number, replyTarget, body));
    return { kind: 'replied', command: command.kind, ...notes };
  };

  if (effective === undefined) return reply(failedReply(describe(command), configError ?? '', render));
  if (command.kind === 'review' || command.kind === 'full-review') {
    try {
      return { kind: 'review', run: await runReview(deps, reviewSettings) };
    } catch (error) {
      await deliver(notes, () =>
        github.replyTo(pr.number, replyTarget, failedReply(describe(command), messageOf(error), render)),
      );
      throw error;
    }
  }
  if (command.kind === 'help') return reply(HELP_TEXT);
  if (needsThread(command) && thread === undefined)
    return reply(command.kind === 'other' ? helpReply(true) : COMMAND_REPLIES.notInThread);

  const existing = await github.listExistingFindingMarkers(pr.number);
  switch (command.kind) {
    case 'pause':
    case 'resume': {
      const pausing = command.kind === 'pause';
      const changed = await setPaused(github, pr.number, existing, pausing);
      if (pausing) return reply(changed ? COMMAND_REPLIES.paused : COMMAND_REPLIES.alreadyPaused);
      return reply(changed ? COMMAND_REPLIES.resumed : COMMAND_REPLIES.notPaused);
    }
    case 'dismiss':
      await setDismissed(github, pr.number, existing, thread!.fingerprint, true);
      await reportDismissal(deps, notes, event, existing, thread!, command.reason);
      return reply(dismissedReply(command.reason, render));
    case 'undismiss': {
      const { wasDismissed } = await setDismissed(github, pr.number, existing, thread!.fingerprint, false);
      const saidInThread = thread!.replies.some((c) => !c.ours && /^\s*@diffray\s+dismiss\b/im.test(c.body));
      return reply(wasDismissed || saidInThread ? COMMAND_REPLIES.undismissed : COMMAND_REPLIES.notDismissed);
    }
    case 'other': {
      const answered = await answerQuestion(deps, {
        serverUrl: settings.serverUrl,
        effective,
        pr,
        thread: thread!,
        commentId: event.comment.id,
        question: command.text,
        comments,
        open: existing.state?.lifecycle?.open.find((f) => f.fingerprint === thread!.fingerprint),
      });
      if (answered.wrong) {
        await setDismissed(github, pr.number, existing, thread!.fingerprint, true);
        await reportDismissal(deps, notes, event, existing, thread!, command.text);
      }
      if (answered.usage && deps.resultsApi) {
        const { model, tokens, costUsd } = answered.usage;
        const sent = await deps.resultsApi.reportAnswer({
          repository: event.repository,
          pullRequest: pr.number,
          model,
          tokens,
          costUsd,
        });
        if (sent.warning) notes.warnings.push(sent.warning);
      }
      return reply(answered.body);
    }
  }
}

/**
 * Tells the results API (when there is one) of a dismissal and its reason, so an admin can turn it into an
 * instruction for the next reviews. A failure is a warning: the dismissal itself is done.
 */
async function reportDismissal(
  deps: ConversationDeps,
  notes: Notes,
  event: CommentContext,
  existing: ExistingMarkers,
  thread: DiffrayThread,
  reason: string,
): Promise<void> {
  if (!deps.resultsApi) return;
  const known = existing.state?.lifecycle?.open.find((f) => f.fingerprint === thread.fingerprint);
  const report = toDismissalReport({
    repository: event.repository,
    pullRequest: event.number,
    fingerprint: thread.fingerprint,
    path: thread.root.path,
    comment: thread.root.body,
    reason,
    by: event.comment.author,
    ...(known ? { known } : {}),
  });
  if (report === undefined) return;
  const sent = await deps.resultsApi.reportDismissal(report);
  if (sent.warning) notes.warnings.push(sent.warning);
}

/** The diffray review thread a review comment was posted in; undefined for any other thread. */
function diffrayThread(comments: PrReviewComment[], rootId: number | undefined): DiffrayThread | undefined {
  if (rootId === undefined) return undefined;
  const root = comments.find((c) => c.id === rootId);
  if (!root?.ours) return undefined;
  const fingerprint = parseFindingMarkers(root.body)[0];
  if (fingerprint === undefined) return undefined;
  return { root, fingerprint, replies: comments.filter((c) => c.inReplyTo === root.id) };
}

function toReviewSettings(
  settings: ConversationSettings,
  pr: PullRequestInfo,
  command: Command,
): ReviewSettings {
  const { event, ...rest } = settings;
  return {
    ...rest,
    repository: event.repository,
    pr: {
      number: pr.number,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      baseSha: pr.baseSha,
      headSha: pr.headSha,
      author: pr.author,
    },
    event: 'command',
    ...(command.kind === 'full-review' ? { fullReview: true } : {}),
  };
}

function describe(command: Command): string {
  switch (command.kind) {
    case 'review':
    case 'full-review':
      return 'review this pull request';
    case 'other':
      return 'answer';
    default:
      return `${command.kind} as asked`;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ignored(reason: string): ConversationRun {
  return { kind: 'ignored', reason };
}
