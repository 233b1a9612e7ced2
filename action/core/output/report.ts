import {
  LIMITS,
  severityRank,
  stripCodeBlocks,
  truncate,
  type FindingState,
  type ReportedFinding,
  type ReviewEvent,
  type ReviewReport,
} from '../../../shared/index.js';
import type { AnchoredFinding, CarriedFinding, ReviewOutcome, UnanchoredFinding } from '../types.js';
import { byPriority } from '../findings/posting.js';
import { reportCoverage } from './coverage.js';
import { redactSecrets } from '../input/secrets.js';
import { maskCodeRuns } from './code-runs.js';
import { conclusionReason } from './phrases.js';

export interface PullRequestRef {
  repository: string;
  pullRequest: number;
  headSha: string;
  baseSha: string;
  /** What people know the PR by (never code); each left out of the report when empty. */
  title?: string;
  branch?: string;
  author?: string;
  event?: ReviewEvent;
}

/** One finding of the report before its prose is cleaned. */
interface Entry {
  finding: AnchoredFinding | UnanchoredFinding | CarriedFinding;
  state: FindingState;
  firstSeen: string;
}

const STATE_ORDER: Record<FindingState, number> = { new: 0, open: 0, fixed: 1, dismissed: 2 };

/**
 * Every finding of the PR at this head with its state: this run's new findings, the earlier ones still open
 * (as raised again now when they were), those this run found fixed, and the dismissed ones. Open findings
 * first, then fixed, then dismissed; most severe first within each, so the per-review cap cuts the least
 * telling.
 */
function reportEntries(outcome: ReviewOutcome, headSha: string): Entry[] {
  const carried = outcome.carried;
  const open = new Map((carried?.stillOpen ?? []).map((f) => [f.fingerprint, f]));
  const raised = [...outcome.posted, ...outcome.overflow, ...outcome.unanchored].sort(byPriority);
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const f of raised) {
    const before = open.get(f.fingerprint);
    seen.add(f.fingerprint);
    entries.push({ finding: f, state: before ? 'open' : 'new', firstSeen: before?.seenAt ?? headSha });
  }
  const add = (list: CarriedFinding[] | undefined, state: FindingState) => {
    for (const f of list ?? []) {
      if (seen.has(f.fingerprint)) continue;
      seen.add(f.fingerprint);
      entries.push({ finding: f, state, firstSeen: f.seenAt });
    }
  };
  add(carried?.stillOpen, 'open');
  add(carried?.fixed, 'fixed');
  add(carried?.dismissed, 'dismissed');
  return entries.sort(
    (a, b) =>
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      severityRank(a.finding.severity) - severityRank(b.finding.severity),
  );
}

/**
 * The results-API report of one run: the PR's state at its head. The API promises never to store source
 * code, so findings travel as metadata and prose only: no suggestion, no quote, secrets redacted, and the
 * title and body without code: Markdown code in any form removed, then any run of the reviewed code's lines
 * (`code`: every line the run read) that the prose still quotes masked, whatever the markup. Open findings
 * first and most severe first when the per-review cap cuts the list. The walkthrough's overview and file
 * lines travel the same way.
 */
export function toReviewReport(
  outcome: ReviewOutcome,
  pr: PullRequestRef,
  code: Iterable<string>,
): ReviewReport {
  const all = reportEntries(outcome, pr.headSha).slice(0, LIMITS.findingsPerReview);
  const walk = outcome.walkthrough;
  const overview = walk?.overview ?? [];
  const summaries = (walk?.files ?? []).slice(0, LIMITS.walkthroughFiles);
  // The walkthrough's texts go through the same stripping and masking as the findings' prose.
  const cleaned = (text: string) => stripCodeBlocks(redactSecrets(text));
  const prose = maskCodeRuns(
    [
      ...all.flatMap(({ finding: f }) => [cleaned(f.title), cleaned(f.body ?? '')]),
      ...overview.map(cleaned),
      ...summaries.map((f) => cleaned(f.summary)),
    ],
    code,
  );
  const walkProse = prose.slice(2 * all.length);
  const walkthrough = walk && {
    overview: overview
      .map((_, i) => truncate(walkProse[i]!.trim(), LIMITS.walkthroughOverviewChars))
      .filter((o) => o !== ''),
    files: summaries.flatMap((f, i) => {
      const summary = truncate(walkProse[overview.length + i]!.trim(), LIMITS.walkthroughSummaryChars);
      return summary === '' ? [] : [{ path: truncate(f.path, LIMITS.pathChars), summary }];
    }),
  };
  const { title, branch, author, event, ...ref } = pr;
  const reason = conclusionReason(outcome.conclusionReasons);
  return {
    ...ref,
    ...(title ? { title: truncate(stripCodeBlocks(redactSecrets(title)), LIMITS.prTitleChars) } : {}),
    ...(branch ? { branch: truncate(branch, 255) } : {}),
    ...(author ? { author: truncate(author, 45) } : {}),
    ...(event ? { event } : {}),
    ...(reason ? { reason: truncate(reason, LIMITS.reasonChars) } : {}),
    status: outcome.status,
    conclusion: outcome.conclusion,
    model: truncate(outcome.model, 100),
    tokens: { ...outcome.usage },
    costUsd: Math.min(Math.max(outcome.costUsd, 0), 10_000),
    durationMs: Math.max(0, Math.round(outcome.durationMs)),
    coverage: reportCoverage(outcome.coverage),
    findings: all.map((e, i) => toReportedFinding(e, prose[2 * i]!, prose[2 * i + 1]!)),
    ...(walkthrough && (walkthrough.overview.length > 0 || walkthrough.files.length > 0)
      ? { walkthrough }
      : {}),
  };
}

function toReportedFinding(
  { finding: f, state, firstSeen }: Entry,
  title: string,
  body: string,
): ReportedFinding {
  // A finding remembered from before lines were kept in the state has none: its first line stands in.
  const lines = 'anchor' in f ? f.anchor : { line: f.line ?? 1, startLine: f.startLine };
  const reported: ReportedFinding = {
    path: truncate(f.path, LIMITS.pathChars),
    line: lines.line,
    severity: f.severity,
    category: f.category,
    title: truncate(title, LIMITS.findingTitleChars) || f.category,
    body: truncate(body.trim(), LIMITS.findingBodyChars),
    fingerprint: f.fingerprint,
    state,
    firstSeen,
  };
  if (lines.startLine !== undefined && lines.startLine < lines.line) reported.startLine = lines.startLine;
  const dismissal = 'dismissal' in f ? f.dismissal : undefined;
  if (state === 'dismissed' && dismissal && (dismissal.by || dismissal.reason)) {
    reported.dismissal = {
      ...(dismissal.by ? { by: truncate(dismissal.by, 45) } : {}),
      ...(dismissal.reason
        ? { reason: truncate(stripCodeBlocks(redactSecrets(dismissal.reason)), LIMITS.dismissReasonChars) }
        : {}),
    };
  }
  return reported;
}

/** A report cut to the results API's request body limit, and what was cut. */
export interface FittedReport {
  report: ReviewReport;
  /** Bodies shortened to fit, and the length they were cut to. */
  shortened?: { findings: number; chars: number };
  /** The least severe findings left out when shortened bodies were still too much. */
  dropped: number;
}

/** Bodies are not cut shorter than this: past it, whole findings go instead, the least severe first. */
const MIN_FITTED_BODY = 500;

/**
 * The report within `limit` bytes of JSON (the API refuses a larger request body outright, and the run
 * would lose the whole report): every body longer than some length is cut to it, the longest length that
 * fits, and when bodies of MIN_FITTED_BODY characters still do not fit, findings are left out from the
 * end of the list, which is the least severe.
 */
export function fitReport(report: ReviewReport, limit: number = LIMITS.requestBodyBytes): FittedReport {
  if (bytes(report) <= limit) return { report, dropped: 0 };
  const frame = bytes({ ...report, findings: [] });
  const cut = (chars: number) =>
    report.findings.map((f) => (f.body.length > chars ? { ...f, body: truncate(f.body, chars) } : f));
  const sizes = (findings: ReportedFinding[]) => findings.map((f) => bytes(f) + 1);
  const total = (findingSizes: number[]) => frame + findingSizes.reduce((n, size) => n + size, 0) - 1;

  let chars = MIN_FITTED_BODY;
  for (let lo = MIN_FITTED_BODY + 1, hi = LIMITS.findingBodyChars; lo <= hi;) {
    const mid = Math.floor((lo + hi) / 2);
    if (total(sizes(cut(mid))) <= limit) {
      chars = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const findings = cut(chars);
  const findingSizes = sizes(findings);
  let kept = findings.length;
  let size = total(findingSizes);
  while (size > limit && kept > 0) size -= findingSizes[--kept]!;
  const shortened = report.findings.slice(0, kept).filter((f) => f.body.length > chars).length;
  return {
    report: { ...report, findings: findings.slice(0, kept) },
    ...(shortened > 0 ? { shortened: { findings: shortened, chars } } : {}),
    dropped: findings.length - kept,
  };
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}
