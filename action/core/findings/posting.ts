import { severityRank, type Finding } from '../../../shared/index.js';
import type { AnchoredFinding, ReviewComment } from '../types.js';

/**
 * Most severe first, then the validation pass's score (a finding it did not grade counts as 100: secrets and
 * findings already on the PR), then the model's confidence: the order in which findings earn one of the few
 * comment slots.
 */
export function byPriority(
  a: Finding & { validationScore?: number },
  b: Finding & { validationScore?: number },
): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (b.validationScore ?? 100) - (a.validationScore ?? 100) ||
    b.confidence - a.confidence
  );
}

export interface PostingPlan {
  /** Inline comments for this run, most important first. */
  posted: AnchoredFinding[];
  /** Anchored but over `maxComments`: listed in the summary instead. */
  overflow: AnchoredFinding[];
  /** How many findings an earlier run already posted (same fingerprint), so they are not posted again. */
  alreadyPosted: number;
}

/**
 * Chooses which findings become inline comments. Re-runs must not repeat themselves and a noisy review
 * must not bury the important comments, so known fingerprints are skipped and the cap keeps the most
 * severe ones; the rest stay visible in the summary.
 */
export function planPosting(
  anchored: AnchoredFinding[],
  opts: { maxComments: number; alreadyPosted: Set<string> },
): PostingPlan {
  const fresh = anchored.filter((f) => !opts.alreadyPosted.has(f.fingerprint));
  const ordered = [...fresh].sort(byPriority);
  const cap = Math.max(0, opts.maxComments);
  return {
    posted: ordered.slice(0, cap),
    overflow: ordered.slice(cap),
    alreadyPosted: anchored.length - fresh.length,
  };
}

/** The REST shape of one review comment; the anchor was validated against the diff by anchorFindings. */
export function toReviewComment(f: AnchoredFinding, body: string): ReviewComment {
  const comment: ReviewComment = { path: f.path, body, line: f.anchor.line, side: 'RIGHT' };
  if (f.anchor.startLine !== undefined) {
    comment.start_line = f.anchor.startLine;
    comment.start_side = 'RIGHT';
  }
  return comment;
}
