import type { DiffFile } from '../types.js';

/** What the git adapter found out about the last reviewed head; the decision itself stays pure. */
export interface RangeFacts {
  /** Head sha recorded by the last run's summary state; undefined on the first review. */
  lastHead?: string;
  newHead: string;
  /** Merge base of the PR (where a full review starts). */
  base: string;
  /** The last head is a commit the checkout has (after a bounded fetch). */
  lastHeadExists: boolean;
  /** `git merge-base --is-ancestor lastHead newHead` succeeded. Only meaningful when it exists. */
  isAncestor: boolean;
}

export type ReviewMode = 'full' | 'incremental';

export interface ReviewRange {
  mode: ReviewMode;
  /** First revision of the diff that picks the files to review (the base, or the last reviewed head). */
  from: string;
  to: string;
  /** One sentence for the summary saying why this range was chosen. */
  reason: string;
}

/** Short sha as GitHub shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/**
 * Chooses what a run reviews. After a push only the commits since the last reviewed head are new, so
 * reviewing just those keeps cost proportional to the push; but the last head only means something while
 * it is still in the branch's history. A force-push or rebase that dropped it, or a commit the checkout
 * cannot get, makes the difference meaningless, so the whole PR is reviewed and the summary says why. A
 * re-run on the same head is also a full review: people re-run to recover from a failed or partial run,
 * and posting stays deduplicated by fingerprint.
 */
export function decideReviewRange(facts: RangeFacts): ReviewRange {
  const full = (reason: string): ReviewRange => ({
    mode: 'full',
    from: facts.base,
    to: facts.newHead,
    reason,
  });
  const { lastHead } = facts;
  if (lastHead === undefined) return full('first review of this pull request');
  const last = shortSha(lastHead);
  if (lastHead === facts.newHead) return full(`re-run on the already reviewed head ${last}`);
  if (!facts.lastHeadExists) return full(`the last reviewed head ${last} could not be fetched`);
  if (!facts.isAncestor) {
    return full(`the last reviewed head ${last} is no longer in the branch history (force-push or rebase)`);
  }
  return { mode: 'incremental', from: lastHead, to: facts.newHead, reason: `changes pushed since ${last}` };
}

/** "Reviewed changes since abc1234 (abc1234..def5678)." / "Reviewed the whole pull request: <reason>." */
export function rangeLine(range: ReviewRange): string {
  if (range.mode === 'incremental') {
    return `Reviewed ${range.reason} (${shortSha(range.from)}..${shortSha(range.to)}).`;
  }
  return `Reviewed the whole pull request (${shortSha(range.from)}..${shortSha(range.to)}): ${range.reason}.`;
}

export interface IncrementalFiles {
  /** The PR's own diff of each file touched since the last head, with all its PR hunks. */
  review: DiffFile[];
  /** PR files untouched since the last head: reviewed by an earlier run, their findings carry over. */
  unchanged: string[];
}

/**
 * Picks the files an incremental run reviews: those the push touched that are still part of the PR. A
 * push can touch files the PR no longer changes (a revert, or a merge of the base branch), and those
 * have nothing to review. The PR's diff of each file is reviewed, not the push's: comments must sit on
 * lines of the PR diff, and the model sees the whole change it is commenting on.
 */
export function selectIncrementalFiles(
  prFiles: DiffFile[],
  changedSinceLast: readonly (DiffFile | string)[],
): IncrementalFiles {
  const touched = new Set(changedSinceLast.map((f) => (typeof f === 'string' ? f : f.path)));
  const review: DiffFile[] = [];
  const unchanged: string[] = [];
  for (const file of prFiles) {
    if (touched.has(file.path)) review.push(file);
    else unchanged.push(file.path);
  }
  return { review, unchanged };
}
