/**
 * What diffray answers when someone talks to it in a pull request: the reply to each command, the answer
 * to a question in one of its threads (sanitized model text with a cost footer), and the paused notice the
 * summary comment carries while automatic reviews are paused.
 */
import { truncate } from '../../../shared/index.js';
import { ANSWER_MARKER, PAUSED_MARKER, SUMMARY_MARKER } from '../constants.js';
import type { TokenUsage } from '../types.js';
import { plural } from './phrases.js';
import { codeSpan, sanitizeModelMarkdown, sanitizeTitle, type SanitizeOptions } from './sanitize.js';

/** The longest answer posted (characters of model text, before the footer). */
export const MAX_ANSWER_CHARS = 4_000;

export const HELP_TEXT = [
  'diffray understands these commands, each in a comment that starts with `@diffray`:',
  '',
  '| command | what it does |',
  '|---|---|',
  '| `@diffray review` | reviews the changes pushed since the last review now |',
  '| `@diffray full review` | reviews the whole pull request again |',
  '| `@diffray dismiss [reason]` | in a diffray thread: the finding is never raised again on this PR |',
  '| `@diffray undismiss` | in a diffray thread: takes the dismissal back |',
  '| `@diffray pause` / `@diffray resume` | stops or restarts the automatic reviews on pushes to this PR |',
  '| `@diffray help` | this text |',
  '',
  "Any other `@diffray ...` reply in one of diffray's review threads is a question about that finding, " +
    "answered in the thread. Commands are taken from the repository's owners, members and collaborators; " +
    "a pull request's author may ask about the findings on their own pull request.",
].join('\n');

/** The reply to a command diffray did not recognise, or a question outside its threads. */
export function helpReply(unknown: boolean): string {
  if (!unknown) return HELP_TEXT;
  return [
    "diffray did not recognise that command (questions are answered only as replies in diffray's review threads).",
    '',
    HELP_TEXT,
  ].join('\n');
}

/** Shown at the top of the summary comment while automatic reviews are paused. */
export const PAUSED_NOTICE =
  '> **Automatic reviews are paused on this pull request.** Comment `@diffray resume` to resume them, or `@diffray review` for one review now.';

/**
 * The summary comment with the paused marker and notice added (under the hidden lines at its top) or taken
 * out. Idempotent; the rest of the comment is left as it is.
 */
export function withPausedNotice(body: string, paused: boolean): string {
  const lines: string[] = [];
  let dropBlank = false;
  for (const line of body.split('\n')) {
    if (line.trimEnd() === PAUSED_MARKER || line === PAUSED_NOTICE) {
      dropBlank = line === PAUSED_NOTICE;
      continue;
    }
    if (!(dropBlank && line === '')) lines.push(line);
    dropBlank = false;
  }
  if (!paused) return lines.join('\n');
  // After the leading hidden lines (summary marker, state), which must stay first.
  let at = 0;
  while (at < lines.length && /^<!-- diffray:/.test(lines[at]!)) at++;
  lines.splice(at, 0, PAUSED_MARKER, PAUSED_NOTICE, '');
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** A summary comment for a PR diffray has not reviewed yet, created to hold the paused state. */
export function pausedSummary(): string {
  return withPausedNotice(`${SUMMARY_MARKER}\n## diffray review\n\nNot reviewed yet.`, true);
}

/** The replies to the commands that change state; `who` is the commenter's login, shown as code. */
export const COMMAND_REPLIES = {
  paused:
    'Paused: pushes to this pull request are not reviewed until `@diffray resume`. `@diffray review` still reviews on demand.',
  alreadyPaused:
    'Automatic reviews were already paused on this pull request. `@diffray resume` resumes them.',
  resumed:
    'Resumed: every push to this pull request is reviewed again. `@diffray review` reviews what was pushed meanwhile now.',
  notPaused: 'Automatic reviews were not paused on this pull request: nothing to resume.',
  undismissed:
    'Undismissed: diffray may raise this finding again when a review finds it. (If the thread is resolved, unresolve it too: a resolved thread counts as a dismissal.)',
  notDismissed: 'This finding was not dismissed: nothing to take back.',
  notInThread:
    'This command acts on a finding: post it as a reply in the diffray review thread of that finding.',
} as const;

/** The reply to `@diffray dismiss [reason]`. */
export function dismissedReply(reason: string, opts: SanitizeOptions): string {
  const why =
    reason.trim() === '' ? '' : ` Reason noted: ${sanitizeTitle(reason, { ...opts, maxChars: 300 })}`;
  return `Dismissed: diffray will not raise this finding again on this pull request.${why}`;
}

/** The reply when a command could not be carried out: says why, in one line. */
export function failedReply(what: string, reason: string, opts: SanitizeOptions): string {
  return `diffray could not ${what}: ${sanitizeTitle(reason, { ...opts, maxChars: 300 })}`;
}

export type AnswerVerdict = 'stands' | 'wrong' | 'fixed' | 'unsure';

export interface AnswerFooter {
  model: string;
  usage: TokenUsage;
  costUsd: number;
  /** Answers left on this pull request this hour, after this one. */
  answersLeft: number;
}

/**
 * The answer posted in a finding's thread: the model's text sanitized like every model text (no HTML,
 * images, mentions, cross-references or foreign links, secrets redacted, capped), a line when the finding
 * was dismissed because the author showed it wrong, and a footer with what the answer cost. The hidden
 * marker lets later runs count the answers of the last hour.
 */
export function renderAnswer(
  answer: { text: string; verdict: AnswerVerdict },
  footer: AnswerFooter,
  opts: SanitizeOptions,
): string {
  const text = sanitizeModelMarkdown(answer.text, { ...opts, maxChars: MAX_ANSWER_CHARS });
  const verdictLine =
    answer.verdict === 'wrong'
      ? '_diffray agrees the finding is wrong: it is dismissed and will not be raised again on this pull request._'
      : undefined;
  return [text, verdictLine, answerFooter(footer), ANSWER_MARKER]
    .filter((part) => part !== undefined && part !== '')
    .join('\n\n');
}

function answerFooter(f: AnswerFooter): string {
  const tokens = f.usage.input + f.usage.cacheRead + f.usage.cacheWrite;
  return (
    `<sub>diffray answer · ${codeSpan(truncate(f.model, 60))} · ${tokens.toLocaleString('en-US')} input / ` +
    `${f.usage.output.toLocaleString('en-US')} output tokens · ~$${f.costUsd.toFixed(4)} · ` +
    `${plural(f.answersLeft, 'answer')} left on this PR this hour</sub>`
  );
}

/** The reply when the per-PR hourly limit on answers is reached. */
export function answerLimitReply(perHour: number): string {
  return (
    `diffray has answered ${plural(perHour, 'question')} on this pull request in the last hour, the limit ` +
    '(`commands.answers-per-hour` in the config): ask again later.'
  );
}
