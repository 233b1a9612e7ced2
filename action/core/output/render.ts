import {
  countBySeverity,
  LIMITS,
  SEVERITIES,
  truncate,
  type Finding,
  type Severity,
} from '../../../shared/index.js';
import type {
  AnchoredFinding,
  CheckAnnotation,
  ReviewOutcome,
  SkippedFile,
  UnanchoredFinding,
} from '../types.js';
import { GITHUB_COM, MAX_ANNOTATIONS, MAX_FIXED_REPLIES } from '../constants.js';
import { coverageLine } from './coverage.js';
import { rangeLine } from '../input/incremental.js';
import { lifecycleLine } from '../findings/lifecycle.js';
import {
  findingMarker,
  hasMarkerLike,
  renderSummaryState,
  SUMMARY_MARKER,
  type SummaryState,
} from './markers.js';
import { byPriority } from '../findings/posting.js';
import { codeSpan, sanitizeModelMarkdown, sanitizeTitle } from './sanitize.js';
import { redactSecrets } from '../input/secrets.js';
import { shortSha } from '../text.js';

export interface RenderOptions {
  /** The PR's GitHub server: the only host model-written links may point to. */
  serverUrl: string;
}

export interface SummaryContext extends RenderOptions {
  repository: string;
  prNumber: number;
  headSha: string;
  /** Link to this review on the results page, when reported. */
  resultsUrl?: string;
  /** Set for an incremental review: the commits reviewed this time. */
  reviewedRange?: { from: string; to: string };
  /** Life of findings across pushes, when an earlier run is known. */
  lifecycle?: { new: number; open: number; fixed: number; since: string };
  /** Stored in the comment for the next run. */
  state: SummaryState;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text: string;
}

const DEFAULT_RENDER: RenderOptions = { serverUrl: GITHUB_COM };
const BADGES: Record<Severity, string> = {
  critical: '🔴 Critical',
  high: '🟠 High',
  medium: '🟡 Medium',
  low: '🔵 Low',
};
const ICONS: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵' };
const LEVELS: Record<Severity, CheckAnnotation['annotation_level']> = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
};
/** List caps tried in turn until the summary fits in one comment. */
const SUMMARY_LIST_CAPS = [100, 25, 5, 0];
const JOB_SUMMARY_ROWS = 200;
const SAFE_LINK =
  /^https?:\/\/[\w.:-]+\/[\w.-]+\/[\w.-]+\/pull\/\d+\/(?:commits\/[a-f0-9]+|files\/[a-f0-9]+\.\.[a-f0-9]+)$/;

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

/**
 * The one summary comment, updated in place each run: what was found, what could not be posted inline and
 * why, what was not reviewed, and what it cost. Long lists shrink until the comment fits GitHub's limit;
 * the hidden markers come first so they survive any cut.
 */
export function renderSummary(outcome: ReviewOutcome, ctx: SummaryContext): string {
  const head = `${SUMMARY_MARKER}\n${renderSummaryState(ctx.state)}\n`;
  for (const cap of SUMMARY_LIST_CAPS) {
    const text = head + summaryBody(outcome, ctx, cap);
    if (text.length <= LIMITS.commentBodyChars) return text;
  }
  return truncate(head + summaryBody(outcome, ctx, 0), LIMITS.commentBodyChars);
}

function summaryBody(outcome: ReviewOutcome, ctx: SummaryContext, cap: number): string {
  return [
    '## diffray review',
    `**${resultLine(outcome)}**`,
    outcome.range ? rangeLine(outcome.range) : scopeLine(ctx),
    lifecycleText(outcome, ctx),
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

function lifecycleText(outcome: ReviewOutcome, ctx: SummaryContext): string | undefined {
  const life = outcome.lifecycle;
  if (life !== undefined) {
    if (life.since === undefined && life.dismissed === 0) return undefined;
    const line = `**${lifecycleLine(life, life.since)}**`;
    const { posted, capped } = life.replies;
    if (capped === 0) return line;
    return `${line}\n_Replied in ${plural(posted, 'fixed thread')}; ${capped} more fixed finding${capped === 1 ? '' : 's'} got no reply (at most ${MAX_FIXED_REPLIES} replies per run)._`;
  }
  return ctx.lifecycle
    ? `${ctx.lifecycle.new} new · ${ctx.lifecycle.open} still open · ${ctx.lifecycle.fixed} fixed since ${codeSpan(shortSha(ctx.lifecycle.since))}`
    : undefined;
}

/** Validation, model routing and guidelines: one line each, only when they happened. */
function runNotes(outcome: ReviewOutcome): string | undefined {
  const lines: string[] = [];
  const v = outcome.validation;
  if (v !== undefined) {
    lines.push(
      v.error !== undefined
        ? `Validation by ${codeSpan(v.model)} failed (${v.error}); ${plural(v.checked, 'finding')} kept unchecked.`
        : `Validation by ${codeSpan(v.model)}: ${plural(v.checked, 'finding')} re-checked, ${v.dropped} unconfirmed dropped.`,
    );
  }
  const routing = outcome.routing;
  if (routing?.triage) {
    lines.push(
      `${plural(routing.triage.files, 'trivial file')} (docs, renames, formatting) reviewed by ${codeSpan(routing.triage.model)}.`,
    );
  }
  if (routing?.fallback)
    lines.push(`Fallback model: ${sanitizeTitle(routing.fallback.reason, DEFAULT_RENDER)}.`);
  if (outcome.guidelines?.length) {
    lines.push(
      `Guidelines followed: ${outcome.guidelines.map((g) => codeSpan(g)).join(', ')} (from the base branch).`,
    );
  }
  return lines.length > 0 ? lines.map((l) => `- ${l}`).join('\n') : undefined;
}

function resultLine(outcome: ReviewOutcome): string {
  const label = { success: '✅ Passed', failure: '❌ Failed', neutral: '⚪ Neutral' }[outcome.conclusion];
  return outcome.conclusionReason ? `${label}: ${outcome.conclusionReason}` : label;
}

function scopeLine(ctx: SummaryContext): string {
  const pr = `${ctx.serverUrl.replace(/\/+$/, '')}/${ctx.repository}/pull/${ctx.prNumber}`;
  const { reviewedRange: range } = ctx;
  return range
    ? `Reviewed the changes ${link(`${shortSha(range.from)}..${shortSha(range.to)}`, `${pr}/files/${range.from}..${range.to}`)}.`
    : `Reviewed the whole pull request at ${link(shortSha(ctx.headSha), `${pr}/commits/${ctx.headSha}`)}.`;
}

/** A code label, linked only when the link has the exact shape of a PR commit or compare URL. */
function link(label: string, href: string): string {
  return SAFE_LINK.test(href) ? `[${codeSpan(label)}](${href})` : codeSpan(label);
}

function allFindings(outcome: ReviewOutcome): (AnchoredFinding | UnanchoredFinding)[] {
  return [...outcome.posted, ...outcome.overflow, ...outcome.unanchored];
}

function severityTable(outcome: ReviewOutcome): string {
  const counts = countBySeverity(allFindings(outcome));
  const rows = SEVERITIES.map((s) => `| ${BADGES[s]} | ${counts[s]} |`);
  return ['| Severity | Findings |', '|---|---:|', ...rows].join('\n');
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
  const unanchored = outcome.unanchored.map((f) => ({ f, reason: f.reason }));
  return [...overflow, ...unanchored]
    .sort((a, b) => byPriority(a.f, b.f))
    .map(({ f, reason }) => `${findingItem(f, opts)} — _${sanitizeTitle(reason, opts)}_`);
}

function findingItem(f: Finding, opts: RenderOptions): string {
  return `${ICONS[f.severity]} **${f.severity}** ${codeSpan(`${f.path}:${f.line}`)} ${sanitizeTitle(f.title, opts)}`;
}

function secretItems(outcome: ReviewOutcome): string[] {
  return outcome.secrets.map((s) => `${codeSpan(s.kind)} in ${codeSpan(`${s.path}:${s.line}`)}`);
}

function failedItems(outcome: ReviewOutcome, opts: RenderOptions): string[] {
  return outcome.failedChunks.map(
    (c) => `${codeSpan(c.id)} (${plural(c.files.length, 'file')}): ${sanitizeTitle(c.error, opts)}`,
  );
}

function coverageSection(outcome: ReviewOutcome, cap: number): string {
  const lines = [
    '### Coverage',
    outcome.coverage
      ? `${coverageLine(outcome.coverage)}.`
      : `${plural(outcome.reviewedFiles.length, 'file')} reviewed, ${outcome.skipped.length} skipped; ${coverageText(outcome)}.`,
    ...skippedGroups(outcome.skipped, cap),
  ];
  return lines.join('\n');
}

function coverageText(outcome: ReviewOutcome): string {
  const { linesReviewed, linesChanged } = outcome;
  const pct = linesChanged === 0 ? 100 : Math.floor((linesReviewed / linesChanged) * 100);
  return `${linesReviewed} of ${linesChanged} changed lines reviewed (${pct}%)`;
}

/** Skipped files grouped by reason, so "12 lockfiles" reads as one line, not twelve. */
function skippedGroups(skipped: SkippedFile[], cap: number): string[] {
  const groups = new Map<string, SkippedFile[]>();
  for (const s of skipped) groups.set(s.reason, [...(groups.get(s.reason) ?? []), s]);
  return [...groups].map(([reason, files]) => {
    const shown = files.slice(0, cap).map((s) => codeSpan(s.detail ? `${s.path} (${s.detail})` : s.path));
    const more = files.length > shown.length ? `… and ${files.length - shown.length} more` : undefined;
    return `- **${reason}** (${files.length}): ${[...shown, more].filter(Boolean).join(', ')}`;
  });
}

function usageSection(outcome: ReviewOutcome): string {
  const u = outcome.usage;
  return [
    '### Usage',
    '| Model | Input | Cache write | Cache read | Output | Est. cost | Duration |',
    '|---|---:|---:|---:|---:|---:|---:|',
    `| ${codeSpan(outcome.model).replace(/\|/g, '\\|')} | ${u.input} | ${u.cacheWrite} | ${u.cacheRead} | ${u.output} | $${outcome.costUsd.toFixed(4)} | ${(outcome.durationMs / 1000).toFixed(1)} s |`,
  ].join('\n');
}

function resultsLink(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\/[^\s()<>]+$/.test(url) ? `[Full results](${url})` : undefined;
}

function section(title: string, items: string[], cap: number, note?: string): string | undefined {
  if (items.length === 0) return undefined;
  const shown = items.slice(0, cap).map((i) => `- ${i}`);
  if (items.length > shown.length) shown.push(`- … and ${items.length - shown.length} more`);
  return [`### ${title} (${items.length})`, note, ...shown].filter((l) => l !== undefined).join('\n');
}

/**
 * Check-run output: the verdict as title, counts and coverage as summary, every finding in the text.
 * `annotated` (annotations sent of the anchored findings) adds a line when the annotation cap left some out.
 */
export function renderCheckOutput(
  outcome: ReviewOutcome,
  opts: RenderOptions = DEFAULT_RENDER,
  annotated?: { count: number; of: number },
): CheckOutput {
  const findings = allFindings(outcome).sort(byPriority);
  const items = findings.map((f) => `- ${findingItem(f, opts)}`);
  const summary = [
    `**${resultLine(outcome)}**`,
    outcome.range ? rangeLine(outcome.range) : undefined,
    outcome.lifecycle?.since !== undefined
      ? lifecycleLine(outcome.lifecycle, outcome.lifecycle.since)
      : undefined,
    runNotes(outcome),
    severityTable(outcome),
    outcome.coverage ? coverageLine(outcome.coverage) : coverageText(outcome),
    annotated && annotated.count < annotated.of
      ? `_Annotated the ${annotated.count} most severe of ${annotated.of} findings (at most ${MAX_ANNOTATIONS} per check); all are listed below._`
      : undefined,
    usageSection(outcome),
  ].filter((p) => p !== undefined);
  return {
    title: truncate(checkTitle(outcome, findings.length), LIMITS.annotationTitleChars),
    summary: truncate(summary.join('\n\n'), LIMITS.checkOutputChars),
    text: items.length > 0 ? listWithin(items, LIMITS.checkOutputChars) : 'No findings.',
  };
}

/** As many lines as fit in `maxChars`, then "… and N more" for the rest. */
function listWithin(lines: string[], maxChars: number): string {
  const reserve = 40;
  let length = 0;
  let count = 0;
  while (count < lines.length && length + lines[count]!.length + 1 <= maxChars - reserve) {
    length += lines[count]!.length + 1;
    count += 1;
  }
  const shown = lines.slice(0, count);
  if (count < lines.length) shown.push(`- … and ${lines.length - count} more`);
  return shown.join('\n');
}

function checkTitle(outcome: ReviewOutcome, findings: number): string {
  const count = findings === 0 ? 'No findings' : plural(findings, 'finding');
  return outcome.conclusionReason ? `${count}: ${outcome.conclusionReason}` : count;
}

/**
 * Check annotations for the anchored findings, most severe first, at most `max` (MAX_ANNOTATIONS): the
 * GitHub port sends them in batches of 50. Plain text, since GitHub shows annotations unformatted.
 */
export function buildAnnotations(
  findings: AnchoredFinding[],
  max: number = MAX_ANNOTATIONS,
): CheckAnnotation[] {
  return [...findings]
    .sort(byPriority)
    .slice(0, Math.max(0, max))
    .map((f) => ({
      path: f.path,
      start_line: f.anchor.startLine ?? f.anchor.line,
      end_line: f.anchor.line,
      annotation_level: LEVELS[f.severity],
      title: truncate(`[${f.severity}] ${redactSecrets(f.title)}`, LIMITS.annotationTitleChars),
      message: truncate(redactSecrets(f.body), LIMITS.findingBodyChars),
    }));
}

/** Splits a list for APIs that take a bounded number per request (check annotations: 50). */
export function batches<T>(items: T[], size: number = LIMITS.annotationsPerRequest): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`batch size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The workflow run's job summary: the verdict and a table of findings, readable without opening the PR. */
export function renderJobSummary(outcome: ReviewOutcome, opts: RenderOptions = DEFAULT_RENDER): string {
  const findings = allFindings(outcome).sort(byPriority);
  const posted = new Set(outcome.posted);
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = findings
    .slice(0, JOB_SUMMARY_ROWS)
    .map(
      (f) =>
        `| ${BADGES[f.severity]} | ${cell(codeSpan(`${f.path}:${f.line}`))} | ${cell(sanitizeTitle(f.title, opts))} | ${posted.has(f as AnchoredFinding) ? 'inline' : 'summary'} |`,
    );
  const table =
    rows.length > 0
      ? ['| Severity | Location | Finding | Posted |', '|---|---|---|---|', ...rows].join('\n')
      : undefined;
  const more = findings.length > rows.length ? `… and ${findings.length - rows.length} more.` : undefined;
  return [
    '## diffray',
    `**${resultLine(outcome)}**`,
    severityTable(outcome),
    table,
    more,
    coverageSection(outcome, 25),
    usageSection(outcome),
  ]
    .filter((p) => p !== undefined)
    .join('\n\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
