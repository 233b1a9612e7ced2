/**
 * A question in one of diffray's threads, answered: the per-PR hourly limit and the budget checked before
 * any model call, the code at the PR's head read from git objects (never the checkout: a comment job must
 * not have the PR's code checked out), one request to the model under the per-answer token cap, and the
 * reply rendered with its cost. The caller posts it, and dismisses the finding when the answer agrees it
 * is wrong.
 */
import { fingerprintStillPresent, type OpenFinding } from '../core/findings/lifecycle.js';
import {
  ANSWER_MAX_OUTPUT_TOKENS,
  ANSWER_SYSTEM,
  answersLeft,
  buildAnswerPrompt,
  DEFAULT_ANSWERS_PER_HOUR,
} from '../core/plan/answer.js';
import { estimateCostUsd } from '../core/plan/cost.js';
import { estimateTokens } from '../core/plan/tokens.js';
import { answerLimitReply, failedReply, renderAnswer } from '../core/output/replies.js';
import { ANSWER_MARKER } from '../core/constants.js';
import type { TokenUsage } from '../core/types.js';
import type { AnswerPort, PrReviewComment, PullRequestInfo } from '../ports.js';
import type { Effective, EngineDeps } from './run-context.js';

/** A diffray review thread as the conversation read it. */
export interface DiffrayThread {
  root: PrReviewComment;
  fingerprint: string;
  /** Replies, oldest first, the command's own comment included. */
  replies: PrReviewComment[];
}

export interface Answered {
  /** The reply to post. */
  body: string;
  /** The model agreed the finding is wrong: the caller dismisses it. */
  wrong: boolean;
  /** What the answer cost, when a model call was made. */
  usage?: { model: string; tokens: TokenUsage; costUsd: number };
}

export async function answerQuestion(
  deps: EngineDeps & { model: AnswerPort },
  input: {
    serverUrl: string;
    effective: Effective;
    pr: PullRequestInfo;
    thread: DiffrayThread;
    /** The comment asking, and the question (its text after `@diffray`). */
    commentId: number;
    question: string;
    /** Every review comment of the PR (diffray's answers of the last hour are counted from them). */
    comments: PrReviewComment[];
    /** The finding as the summary's state remembers it, when it is still open there. */
    open: OpenFinding | undefined;
  },
): Promise<Answered> {
  const render = { serverUrl: input.serverUrl };
  const { config, model } = input.effective;
  const perHour = config.commands?.['answers-per-hour'] ?? DEFAULT_ANSWERS_PER_HOUR;
  const answeredAt = input.comments
    .filter((c) => c.ours && c.body.includes(ANSWER_MARKER))
    .map((c) => Date.parse(c.createdAt))
    .filter(Number.isFinite);
  const left = answersLeft(answeredAt, deps.clock.now(), perHour);
  if (left === 0) return { body: answerLimitReply(perHour), wrong: false };

  const { root } = input.thread;
  const headFile = (await deps.git.ensureCommit(input.pr.headSha))
    ? await deps.git.showFile(input.pr.headSha, root.path)
    : undefined;
  const user = buildAnswerPrompt({
    finding: { path: root.path, line: root.line, comment: root.body },
    thread: input.thread.replies
      .filter((c) => c.id !== input.commentId)
      .map((c) => ({ author: c.ours ? 'diffray' : c.author, body: c.body })),
    question: input.question,
    headFile,
    stillPresent: input.open ? fingerprintStillPresent(input.open, headFile) : undefined,
  });

  // The whole request at its most (every output token used) must fit the config's budget.
  const inputTokens = estimateTokens(ANSWER_SYSTEM) + estimateTokens(user);
  const most = estimateCostUsd(model, {
    input: inputTokens,
    cacheRead: 0,
    cacheWrite: 0,
    output: ANSWER_MAX_OUTPUT_TOKENS,
  });
  const budget = config.budget;
  if (budget?.['max-input-tokens'] !== undefined && inputTokens > budget['max-input-tokens'])
    return {
      body: failedReply('answer', 'the question and its code exceed budget.max-input-tokens', render),
      wrong: false,
    };
  if (budget?.['max-cost-usd'] !== undefined && most > budget['max-cost-usd'])
    return {
      body: failedReply(
        'answer',
        `an answer may cost up to $${most.toFixed(4)}, over budget.max-cost-usd`,
        render,
      ),
      wrong: false,
    };

  const result = await deps.model.answer({
    model,
    system: ANSWER_SYSTEM,
    user,
    maxOutputTokens: ANSWER_MAX_OUTPUT_TOKENS,
  });
  const costUsd = estimateCostUsd(model, result.usage);
  const usage = { model, tokens: result.usage, costUsd };
  if (!result.ok) return { body: failedReply('answer', result.error, render), wrong: false, usage };
  deps.log.info(`Answered a question in a diffray thread (verdict: ${result.answer.verdict})`);
  const body = renderAnswer(
    { text: result.answer.answer, verdict: result.answer.verdict },
    { model, usage: result.usage, costUsd, answersLeft: left - 1 },
    render,
  );
  return { body, wrong: result.answer.verdict === 'wrong', usage };
}
