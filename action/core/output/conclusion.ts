import {
  reaches,
  type Conclusion,
  type FailOn,
  type ReviewReport,
  type Severity,
} from '../../../shared/index.js';

export interface ConclusionInput {
  /** Severities of every finding of the run (posted, overflow, unanchored, secrets). */
  severities: Severity[];
  failOn: FailOn;
  /** Review requests planned, and how many of them failed for good. */
  totalChunks: number;
  failedChunks: number;
  /** Files left unreviewed because the budget ran out. */
  skippedForBudget: number;
  /** Set when the review did not run at all (fork without key, draft...): the reason shown to users. */
  skipped?: string;
  /**
   * The coverage line (coverage.ts) when the run reviewed less than all changed lines that were meant to be
   * reviewed: such a run is never an unqualified success and says what it covered.
   */
  coverageGap?: string;
}

export interface ConclusionDecision {
  status: ReviewReport['status'];
  conclusion: Conclusion;
  reason?: string;
}

/**
 * Turns what happened into the check's verdict. A finding at `fail-on` fails the check even when the
 * review was partial (what was found is real); otherwise anything less than a complete review is
 * `neutral` with the reason, never a green check for code nobody looked at.
 */
export function decideConclusion(input: ConclusionInput): ConclusionDecision {
  if (input.skipped !== undefined) return { status: 'skipped', conclusion: 'neutral', reason: input.skipped };
  const blocking = input.severities.filter((s) => reaches(s, input.failOn)).length;
  const status = statusOf(input);
  const reasons = [
    blocking > 0 ? `${plural(blocking, 'finding')} at or above ${input.failOn}` : undefined,
    input.failedChunks > 0
      ? `${input.failedChunks} of ${input.totalChunks} review requests failed`
      : undefined,
    input.skippedForBudget > 0
      ? `${plural(input.skippedForBudget, 'file')} not reviewed (over budget)`
      : undefined,
    input.totalChunks === 0 && input.skippedForBudget === 0 && input.coverageGap === undefined
      ? 'no reviewable changes'
      : undefined,
    input.coverageGap,
  ].filter((r) => r !== undefined);
  const conclusion: Conclusion = blocking > 0 ? 'failure' : status === 'completed' ? 'success' : 'neutral';
  return reasons.length > 0 ? { status, conclusion, reason: reasons.join('; ') } : { status, conclusion };
}

function statusOf(input: ConclusionInput): ConclusionDecision['status'] {
  if (input.totalChunks === 0) return 'skipped';
  if (input.failedChunks >= input.totalChunks) return 'failed';
  if (input.failedChunks > 0 || input.skippedForBudget > 0 || input.coverageGap !== undefined)
    return 'partial';
  return 'completed';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
