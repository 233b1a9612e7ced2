/**
 * The Markdown pieces the summary comment (render.ts), the check run and the job summary (render-check.ts)
 * have in common: the verdict line, the notes of the run, the table of severities, one finding as a list
 * item, the coverage section and the usage table.
 */
import { countBySeverity, SEVERITIES, type Finding, type Severity } from '../../../shared/index.js';
import type { AnchoredFinding, ReviewOutcome, SkippedFile, UnanchoredFinding } from '../types.js';
import { GITHUB_COM } from '../constants.js';
import {
  answerRepairsLine,
  conclusionReason,
  coverageLine,
  fallbackReason,
  plural,
  THREADS_NOT_CHECKED,
} from './phrases.js';
import { codeSpan, sanitizeTitle } from './sanitize.js';

export interface RenderOptions {
  /** The PR's GitHub server: the only host model-written links may point to. */
  serverUrl: string;
}

export const DEFAULT_RENDER: RenderOptions = { serverUrl: GITHUB_COM };

export const BADGES: Record<Severity, string> = {
  critical: '🔴 Critical',
  high: '🟠 High',
  medium: '🟡 Medium',
  low: '🔵 Low',
};
const ICONS: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵' };

export function resultLine(outcome: ReviewOutcome): string {
  const label = { success: '✅ Passed', failure: '❌ Failed', neutral: '⚪ Neutral' }[outcome.conclusion];
  const reason = conclusionReason(outcome.conclusionReasons);
  return reason ? `${label}: ${reason}` : label;
}

/** Repairs of the model's answers, unread review threads, validation, model routing and guidelines: one line each, when they happened. */
export function runNotes(outcome: ReviewOutcome): string | undefined {
  const lines: string[] = [];
  if (outcome.answerRepairs) lines.push(`${answerRepairsLine(outcome.answerRepairs)}.`);
  const unread = outcome.lifecycle?.threadsUnread;
  if (unread !== undefined) {
    const why = sanitizeTitle(unread, DEFAULT_RENDER);
    lines.push(`Review threads not read (GitHub refused the query: ${why}): ${THREADS_NOT_CHECKED}.`);
  }
  const filtered = filteredLine(outcome.filtered);
  if (filtered !== undefined) lines.push(filtered);
  const v = outcome.validation;
  if (v !== undefined) {
    const by = v.models.map((m) => codeSpan(m)).join(' and ');
    const failed =
      v.unchecked !== undefined && v.unchecked > 0
        ? ` Validation failed for ${plural(v.unchecked, 'finding')} (${v.error ?? 'request failed'}): kept unchecked.`
        : '';
    lines.push(
      `${plural(v.dropped, 'finding')} dropped by validation (score below ${v.threshold} of 100; ` +
        `${plural(v.checked, 'finding')} graded by ${by}).${failed}`,
    );
  }
  const routing = outcome.routing;
  if (routing?.triage) {
    lines.push(
      `${plural(routing.triage.files, 'trivial file')} (docs, renames, formatting) reviewed by ${codeSpan(routing.triage.model)}.`,
    );
  }
  if (routing?.fallback)
    lines.push(`Fallback model: ${sanitizeTitle(fallbackReason(routing.fallback), DEFAULT_RENDER)}.`);
  if (outcome.guidelines?.length) {
    lines.push(
      `Guidelines followed: ${outcome.guidelines.map((g) => codeSpan(g)).join(', ')} (from the base branch).`,
    );
  }
  return lines.length > 0 ? lines.map((l) => `- ${l}`).join('\n') : undefined;
}

/** "[Full results](url)": the link to this review on the results page, when it is a plain http(s) URL. */
export function resultsLink(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\/[^\s()<>]+$/.test(url) ? `[Full results](${url})` : undefined;
}

const FILTER_WORDS: Record<keyof NonNullable<ReviewOutcome['filtered']>, string> = {
  'low-confidence': 'below confidence 0.5',
  'base-only': 'about code the PR deleted or does not change',
  'rule-not-quoted': 'citing a rule or guideline without quoting it',
  'rule-misquoted': 'misquoting the rule or guideline they cite',
};

/** "3 findings dropped by filters: 2 below confidence 0.5, 1 about code the PR deleted or does not change." */
function filteredLine(filtered: ReviewOutcome['filtered']): string | undefined {
  const parts = (Object.keys(FILTER_WORDS) as (keyof typeof FILTER_WORDS)[]).flatMap((reason) => {
    const n = filtered?.[reason] ?? 0;
    return n > 0 ? [`${n} ${FILTER_WORDS[reason]}`] : [];
  });
  if (parts.length === 0) return undefined;
  const total = Object.values(filtered ?? {}).reduce((a, b) => a + b, 0);
  return `${plural(total, 'finding')} dropped by filters: ${parts.join(', ')}.`;
}

export function allFindings(outcome: ReviewOutcome): (AnchoredFinding | UnanchoredFinding)[] {
  return [...outcome.posted, ...outcome.overflow, ...outcome.unanchored];
}

export function severityTable(outcome: ReviewOutcome): string {
  const counts = countBySeverity(allFindings(outcome));
  const rows = SEVERITIES.map((s) => `| ${BADGES[s]} | ${counts[s]} |`);
  return ['| Severity | Findings |', '|---|---:|', ...rows].join('\n');
}

export function findingItem(f: Finding, opts: RenderOptions): string {
  return `${ICONS[f.severity]} **${f.severity}** ${codeSpan(`${f.path}:${f.line}`)} ${sanitizeTitle(f.title, opts)}`;
}

export function coverageSection(outcome: ReviewOutcome, cap: number): string {
  const lines = [
    '### Coverage',
    `${coverageLine(outcome.coverage)}.`,
    ...skippedGroups(outcome.skipped, cap),
  ];
  return lines.join('\n');
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

export function usageSection(outcome: ReviewOutcome): string {
  const u = outcome.usage;
  return [
    '### Usage',
    '| Model | Input | Cache write | Cache read | Output | Est. cost | Duration |',
    '|---|---:|---:|---:|---:|---:|---:|',
    `| ${codeSpan(outcome.model).replace(/\|/g, '\\|')} | ${u.input} | ${u.cacheWrite} | ${u.cacheRead} | ${u.output} | $${outcome.costUsd.toFixed(4)} | ${(outcome.durationMs / 1000).toFixed(1)} s |`,
  ].join('\n');
}
