/**
 * The texts posted on the pull request: each inline comment, the review that carries them, the reply in
 * the thread of a fixed finding, and the one summary comment. The check run's and the job summary's texts
 * are render-check.ts's; the pieces they share with the summary are render-parts.ts's.
 */
import { LIMITS, truncate } from '../../../shared/index.js';
import type { AnchoredFinding, ReviewOutcome } from '../types.js';
import { MAX_FIXED_REPLIES } from '../constants.js';
import { byPriority } from '../findings/posting.js';
import { redactSecrets } from '../input/secrets.js';
import { shortSha } from '../text.js';
import {
  findingMarker,
  hasMarkerLike,
  renderSummaryState,
  SUMMARY_MARKER,
  type SummaryState,
} from './markers.js';
import { lifecycleLine, plural, rangeLine, unanchoredReason } from './phrases.js';
import {
  BADGES,
  coverageSection,
  findingItem,
  resultLine,
  resultsLink,
  runNotes,
  severityTable,
  usageSection,
  type RenderOptions,
} from './render-parts.js';
import { withPausedNotice } from './replies.js';
import { codeSpan, sanitizeModelMarkdown, sanitizeTitle } from './sanitize.js';
import { renderWalkthrough } from './walkthrough.js';

export interface SummaryContext extends RenderOptions {
  /** Link to this review on the results page, when reported. */
  resultsUrl?: string;
  /** Stored in the comment for the next run. */
  state: SummaryState;
  /** Automatic reviews are paused on this PR (`@diffray pause`): the comment keeps saying so. */
  paused?: boolean;
}

/** List caps tried in turn until the summary fits in one comment. */
const SUMMARY_LIST_CAPS = [100, 25, 5, 0];

/**
 * One inline review comment: severity, sanitized prose, a one-click suggestion only when it replaces
 * exactly the commented lines, and the hidden marker that stops later runs from posting it again.
 */
export function renderInlineComment(f: AnchoredFinding, opts: RenderOptions): string {
  const head = `**${BADGES[f.severity]}** · ${f.category} · **${sanitizeTitle(f.title, opts)}**`;
  const prose = sanitizeModelMarkdown(f.body, opts);
  const withSuggestion = [head, prose, suggestionBlock(f), findingMarker(f.fingerprint)];
  const text = withSuggestion.filter((p) => p !== undefined && p !== '').join('\n\n');
  // A huge suggestion is the only part that can overflow the comment: then it is left out, not cut.
  if (text.length <= LIMITS.commentBodyChars) return text;
  return [head, prose, findingMarker(f.fingerprint)].filter((p) => p !== '').join('\n\n');
}

/**
 * The suggestion is code that lands in the PR in one click, so it is posted verbatim or not at all: never
 * when it carries something marker-like or a secret. The fence is longer than any backtick run inside.
 */
function suggestionBlock(f: AnchoredFinding): string | undefined {
  if (!f.suggestionApplies || f.suggestion === undefined) return undefined;
  if (hasMarkerLike(f.suggestion) || redactSecrets(f.suggestion) !== f.suggestion) return undefined;
  const code = f.suggestion.replace(/\r?\n$/, '');
  const fence = fenceFor(code);
  return code === '' ? `${fence}suggestion\n${fence}` : `${fence}suggestion\n${code}\n${fence}`;
}

/** A backtick fence that no run of backticks inside `code` can close. */
export function fenceFor(code: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The body of the review that carries a run's new inline comments. */
export function renderReviewBody(comments: number): string {
  return `diffray found ${plural(comments, 'new issue')} in this push; the summary comment lists everything.`;
}

/**
 * The reply posted in a fixed finding's thread. Short and factual, and it never contains a dismiss
 * command, so it cannot dismiss anything when read back.
 */
export function fixedReply(headSha: string): string {
  return `Fixed in ${shortSha(headSha)}: the code this comment pointed at has changed. (diffray)`;
}

/**
 * The one summary comment, updated in place each run: what was found, what could not be posted inline and
 * why, what was not reviewed, and what it cost. Long lists shrink until the comment fits GitHub's limit;
 * the hidden markers come first so they survive any cut.
 */
export function renderSummary(outcome: ReviewOutcome, ctx: SummaryContext): string {
  const hidden = `${SUMMARY_MARKER}\n${renderSummaryState(ctx.state)}\n`;
  const head = ctx.paused ? withPausedNotice(hidden, true) : hidden;
  for (const cap of SUMMARY_LIST_CAPS) {
    const text = head + summaryBody(outcome, ctx, cap);
    if (text.length > LIMITS.commentBodyChars) continue;
    // The walkthrough takes what room the findings leave (the separator included), never theirs.
    const walkthrough =
      outcome.walkthrough &&
      renderWalkthrough(outcome.walkthrough, {
        ...ctx,
        maxChars: LIMITS.commentBodyChars - text.length - 2,
        incremental: outcome.range?.mode === 'incremental',
      });
    return walkthrough ? head + summaryBody(outcome, ctx, cap, walkthrough) : text;
  }
  return truncate(head + summaryBody(outcome, ctx, 0), LIMITS.commentBodyChars);
}

function summaryBody(outcome: ReviewOutcome, ctx: SummaryContext, cap: number, walkthrough?: string): string {
  return [
    '## diffray review',
    `**${resultLine(outcome)}**`,
    outcome.range ? rangeLine(outcome.range) : undefined,
    walkthrough,
    lifecycleText(outcome),
    runNotes(outcome),
    severityTable(outcome),
    postingLine(outcome),
    section('Not posted inline', notPostedItems(outcome, ctx), cap),
    section(
      'Secrets',
      secretItems(outcome),
      cap,
      'Redacted before review: rotate them, they are in the PR history.',
    ),
    coverageSection(outcome, cap),
    section('Failed requests', failedItems(outcome, ctx), cap),
    usageSection(outcome),
    resultsLink(ctx.resultsUrl),
  ]
    .filter((p) => p !== undefined && p !== '')
    .join('\n\n');
}

function lifecycleText(outcome: ReviewOutcome): string | undefined {
  const life = outcome.lifecycle;
  if (life === undefined || (life.since === undefined && life.dismissed === 0)) return undefined;
  const line = `**${lifecycleLine(life, life.since)}**`;
  const { posted, capped } = life.replies;
  if (capped === 0) return line;
  return `${line}\n_Replied in ${plural(posted, 'fixed thread')}; ${plural(capped, 'more fixed finding')} got no reply (at most ${MAX_FIXED_REPLIES} replies per run)._`;
}

function postingLine(outcome: ReviewOutcome): string {
  const parts = [`${outcome.posted.length} posted inline`];
  const listed = outcome.overflow.length + outcome.unanchored.length;
  if (listed > 0) parts.push(`${listed} listed below`);
  if (outcome.alreadyPosted > 0) parts.push(`${outcome.alreadyPosted} already posted by an earlier run`);
  return `${parts.join(' · ')}.`;
}

function notPostedItems(outcome: ReviewOutcome, opts: RenderOptions): string[] {
  const overflow = outcome.overflow.map((f) => ({ f, reason: 'over the max-comments cap' }));
  const unanchored = outcome.unanchored.map((f) => ({ f, reason: unanchoredReason(f.reason, f.line) }));
  return [...overflow, ...unanchored]
    .sort((a, b) => byPriority(a.f, b.f))
    .map(({ f, reason }) => `${findingItem(f, opts)} — _${sanitizeTitle(reason, opts)}_`);
}

function secretItems(outcome: ReviewOutcome): string[] {
  return outcome.secrets.map((s) => `${codeSpan(s.kind)} in ${codeSpan(`${s.path}:${s.line}`)}`);
}

function failedItems(outcome: ReviewOutcome, opts: RenderOptions): string[] {
  return outcome.failedChunks.map(
    (c) => `${codeSpan(c.id)} (${plural(c.files.length, 'file')}): ${sanitizeTitle(c.error, opts)}`,
  );
}

function section(title: string, items: string[], cap: number, note?: string): string | undefined {
  if (items.length === 0) return undefined;
  const shown = items.slice(0, cap).map((i) => `- ${i}`);
  if (items.length > shown.length) shown.push(`- … and ${items.length - shown.length} more`);
  return [`### ${title} (${items.length})`, note, ...shown].filter((l) => l !== undefined).join('\n');
}
