import { decideConclusion } from '../core/output/conclusion.js';
import { addUsage } from '../core/plan/cost.js';
import { repairCounts } from '../core/findings/answer.js';
import { lifecycleCounts, type LifecycleResult, type OpenFinding } from '../core/findings/lifecycle.js';
import type {
  AnchoredFinding,
  CarriedFinding,
  CoverageReceipt,
  ReviewOutcome,
  ReviewRange,
  SecretHit,
  SkippedFile,
  TokenUsage,
  Walkthrough,
} from '../core/types.js';
import type { Posted } from './publish.js';
import type { ChunkResults } from './review.js';
import type { Effective } from './run-context.js';

export interface OutcomeInput {
  effective: Effective;
  posted: Posted;
  /**
   * Every finding of the run that was not suppressed (for the verdict); with their texts and lines, a
   * finding still open from an earlier run is reported as raised now.
   */
  current: (Pick<AnchoredFinding, 'fingerprint' | 'severity'> &
    Partial<Pick<AnchoredFinding, 'title' | 'body' | 'line' | 'startLine'>>)[];
  hits: SecretHit[];
  results: ChunkResults;
  skipped: SkippedFile[];
  overBudget: number;
  coverage: CoverageReceipt;
  range: ReviewRange;
  lifecycle: LifecycleResult<AnchoredFinding>;
  since: string | undefined;
  replies: { posted: number; capped: number };
  /** Why the review threads could not be read, when GitHub refused the query. */
  threadsUnread?: string;
  validation: ReviewOutcome['validation'];
  filtered?: ReviewOutcome['filtered'];
  extra: { usage: TokenUsage; costUsd: number };
  guidelines: string[];
  walkthrough: Walkthrough | undefined;
  durationMs: number;
}

/**
 * Everything the run learned, and its verdict. Findings still open from earlier pushes count towards
 * fail-on (the check of the new head must not turn green while they stand), and a run that covered less
 * than every changed line it meant to review is neutral with the coverage line as the reason.
 */
export function assembleOutcome(input: OutcomeInput): ReviewOutcome {
  const { results, posted, coverage } = input;
  const raisedNow = new Set(input.current.map((f) => f.fingerprint));
  const carried = input.lifecycle.stillOpen.filter((f) => !raisedNow.has(f.fingerprint));
  const decision = decideConclusion({
    severities: [...input.current, ...carried].map((f) => f.severity),
    failOn: input.effective.failOn,
    totalChunks: results.chunks.length,
    failedChunks: results.failedChunks.length,
    skippedForBudget: input.overBudget,
    ...(coverage.complete ? {} : { coverageGap: coverage }),
  });
  const usage = { ...results.usage };
  addUsage(usage, input.extra.usage);
  const reviewedFiles = [...new Set(results.reviewedChunks.flatMap((c) => c.slices.map((s) => s.file.path)))];
  const routing = results.routing;
  const repairs = results.repairs;
  return {
    status: decision.status,
    conclusion: decision.conclusion,
    ...(decision.reasons.length > 0 ? { conclusionReasons: decision.reasons } : {}),
    model: routing.fallback ? routing.fallback.model : input.effective.model,
    posted: posted.posted,
    overflow: posted.overflow,
    unanchored: posted.unanchored,
    alreadyPosted: posted.alreadyPosted,
    secrets: input.hits,
    reviewedFiles,
    skipped: input.skipped,
    failedChunks: results.failedChunks,
    usage,
    costUsd: results.costUsd + input.extra.costUsd,
    durationMs: input.durationMs,
    failOn: input.effective.failOn,
    range: input.range,
    carried: carriedFindings(input),
    lifecycle: {
      ...lifecycleCounts(input.lifecycle),
      ...(input.since !== undefined ? { since: input.since } : {}),
      replies: input.replies,
      ...(input.threadsUnread !== undefined ? { threadsUnread: input.threadsUnread } : {}),
    },
    ...(repairs.dropped.length > 0 || repairs.repaired > 0 ? { answerRepairs: repairCounts(repairs) } : {}),
    ...(input.filtered && Object.keys(input.filtered).length > 0 ? { filtered: input.filtered } : {}),
    ...(input.validation ? { validation: input.validation } : {}),
    coverage,
    ...(routing.triage || routing.fallback ? { routing } : {}),
    ...(input.guidelines.length > 0 ? { guidelines: input.guidelines } : {}),
    ...(input.walkthrough ? { walkthrough: input.walkthrough } : {}),
  };
}

/** The earlier runs' findings as this run leaves them: still open, fixed, dismissed (with who and why). */
function carriedFindings(input: OutcomeInput): NonNullable<ReviewOutcome['carried']> {
  const raised = new Map(input.current.map((f) => [f.fingerprint, f]));
  const { dismissals } = input.lifecycle;
  const carry = (f: OpenFinding): CarriedFinding => {
    const now = raised.get(f.fingerprint);
    const dismissal = dismissals.get(f.fingerprint);
    const line = now?.line ?? f.line;
    return {
      fingerprint: f.fingerprint,
      path: f.path,
      title: now?.title ?? f.title,
      ...(now?.body !== undefined ? { body: now.body } : {}),
      severity: f.severity,
      category: f.category,
      ...(line !== undefined ? { line } : {}),
      ...(now?.startLine !== undefined ? { startLine: now.startLine } : {}),
      seenAt: f.seenAt,
      ...(dismissal ? { dismissal } : {}),
    };
  };
  const unique = (list: OpenFinding[]) => [...new Map(list.map((f) => [f.fingerprint, f])).values()];
  return {
    stillOpen: input.lifecycle.stillOpen.map(carry),
    fixed: input.lifecycle.fixed.map(carry),
    dismissed: unique(input.lifecycle.dismissed).map(carry),
  };
}
