import {
  LIMITS,
  stripCodeBlocks,
  truncate,
  type ReportedFinding,
  type ReviewReport,
} from '../../../shared/index.js';
import type { AnchoredFinding, ReviewOutcome, UnanchoredFinding } from '../types.js';
import { byPriority } from '../findings/posting.js';
import { reportCoverage } from './coverage.js';
import { redactSecrets } from '../input/secrets.js';
import { maskCodeRuns } from './code-runs.js';

export interface PullRequestRef {
  repository: string;
  pullRequest: number;
  headSha: string;
  baseSha: string;
}

/**
 * The results-API report of one run. The API promises never to store source code, so findings travel as
 * metadata and prose only: no suggestion, no quote, secrets redacted, and the title and body without code:
 * Markdown code in any form removed, then any run of the reviewed code's lines (`code`: every line the
 * run read) that the prose still quotes masked, whatever the markup. Most severe first when the
 * per-review cap cuts the list.
 */
export function toReviewReport(
  outcome: ReviewOutcome,
  pr: PullRequestRef,
  code: Iterable<string>,
): ReviewReport {
  const all = [...outcome.posted, ...outcome.overflow, ...outcome.unanchored]
    .sort(byPriority)
    .slice(0, LIMITS.findingsPerReview);
  const prose = maskCodeRuns(
    all.flatMap((f) => [stripCodeBlocks(redactSecrets(f.title)), stripCodeBlocks(redactSecrets(f.body))]),
    code,
  );
  return {
    ...pr,
    status: outcome.status,
    conclusion: outcome.conclusion,
    model: truncate(outcome.model, 100),
    tokens: { ...outcome.usage },
    costUsd: Math.min(Math.max(outcome.costUsd, 0), 10_000),
    durationMs: Math.max(0, Math.round(outcome.durationMs)),
    coverage: reportCoverage(outcome.coverage),
    findings: all.map((f, i) => toReportedFinding(f, prose[2 * i]!, prose[2 * i + 1]!)),
  };
}

function toReportedFinding(
  f: AnchoredFinding | UnanchoredFinding,
  title: string,
  body: string,
): ReportedFinding {
  const lines = 'anchor' in f ? f.anchor : { line: f.line, startLine: f.startLine };
  const reported: ReportedFinding = {
    path: truncate(f.path, LIMITS.pathChars),
    line: lines.line,
    severity: f.severity,
    category: f.category,
    title: truncate(title, LIMITS.findingTitleChars) || f.category,
    body: truncate(body.trim(), LIMITS.findingBodyChars),
    fingerprint: f.fingerprint,
  };
  if (lines.startLine !== undefined && lines.startLine < lines.line) reported.startLine = lines.startLine;
  return reported;
}
