/**
 * The texts of the workflow run's side of a review: the check run's output and annotations, and the job
 * summary. The texts posted on the pull request are render.ts's.
 */
import { LIMITS, truncate, type Severity } from '../../../shared/index.js';
import type { AnchoredFinding, CheckAnnotation, ReviewOutcome } from '../types.js';
import { MAX_ANNOTATIONS } from '../constants.js';
import { byPriority } from '../findings/posting.js';
import { redactSecrets } from '../input/secrets.js';
import { conclusionReason, coverageLine, lifecycleLine, plural, rangeLine } from './phrases.js';
import {
  allFindings,
  BADGES,
  coverageSection,
  DEFAULT_RENDER,
  findingItem,
  resultLine,
  resultsLink,
  runNotes,
  severityTable,
  usageSection,
  type RenderOptions,
} from './render-parts.js';
import { codeSpan, sanitizeTitle } from './sanitize.js';

export interface CheckOutput {
  title: string;
  summary: string;
  text: string;
}

const LEVELS: Record<Severity, CheckAnnotation['annotation_level']> = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
};
const JOB_SUMMARY_ROWS = 200;

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
    coverageLine(outcome.coverage),
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
  const reason = conclusionReason(outcome.conclusionReasons);
  return reason ? `${count}: ${reason}` : count;
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

/**
 * The workflow run's job summary: the verdict and a table of findings, readable without opening the PR,
 * and the link to the review on the results page when the run reported it (`results-url`).
 */
export function renderJobSummary(
  outcome: ReviewOutcome,
  opts: RenderOptions & { resultsUrl?: string | undefined } = DEFAULT_RENDER,
): string {
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
    resultsLink(opts.resultsUrl),
  ]
    .filter((p) => p !== undefined)
    .join('\n\n');
}

/** The job summary of a run that ended early on purpose (a draft, a fork without the key...). */
export function renderSkippedJobSummary(reason: string): string {
  return `## diffray review\n\n**Skipped:** ${reason}\n`;
}
