import {
  reaches,
  type Conclusion,
  type FailOn,
  type ReviewReport,
  type Severity,
} from '../../../shared/index.js';
import type { ConclusionReason, CoverageReceipt } from '../types.js';

export interface ConclusionInput {
  /** Severities of every finding of the run (posted, overflow, unanchored, secrets). */
  severities: Severity[];
  failOn: FailOn;
  /** Review requests planned, and how many of them failed for good. */
  totalChunks: number;
  failedChunks: number;
  /** Files left unreviewed because the budget ran out. */
  skippedForBudget: number;
  /**
   * The coverage receipt when the run reviewed less than all changed lines that were meant to be
   * reviewed: such a run is never an unqualified success and says what it covered.
   */
  coverageGap?: CoverageReceipt;
}

export interface ConclusionDecision {
  status: ReviewReport['status'];
  conclusion: Conclusion;
  /** Empty for a plain success. */
  reasons: ConclusionReason[];
}

/**
 * Turns what happened into the check's verdict. A finding at `fail-on` fails the check even when the
 * review was partial (what was found is real); otherwise anything less than a complete review is
 * `neutral` with the reason, never a green check for code nobody looked at.
 */
export function decideConclusion(input: ConclusionInput): ConclusionDecision {
  const blocking = input.severities.filter((s) => reaches(s, input.failOn)).length;
  const status = statusOf(input);
  const reasons: ConclusionReason[] = [];
  if (blocking > 0) reasons.push({ kind: 'blocking-findings', findings: blocking, failOn: input.failOn });
  if (input.failedChunks > 0)
    reasons.push({ kind: 'failed-requests', failed: input.failedChunks, total: input.totalChunks });
  if (input.skippedForBudget > 0) reasons.push({ kind: 'over-budget', files: input.skippedForBudget });
  if (input.totalChunks === 0 && input.skippedForBudget === 0 && input.coverageGap === undefined)
    reasons.push({ kind: 'nothing-to-review' });
  if (input.coverageGap !== undefined) reasons.push({ kind: 'coverage-gap', coverage: input.coverageGap });
  const conclusion: Conclusion = blocking > 0 ? 'failure' : status === 'completed' ? 'success' : 'neutral';
  return { status, conclusion, reasons };
}

function statusOf(input: ConclusionInput): ConclusionDecision['status'] {
  if (input.totalChunks === 0) return 'skipped';
  if (input.failedChunks >= input.totalChunks) return 'failed';
  if (input.failedChunks > 0 || input.skippedForBudget > 0 || input.coverageGap !== undefined)
    return 'partial';
  return 'completed';
}
