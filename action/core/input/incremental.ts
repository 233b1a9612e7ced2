import type { DiffFile, Hunk, ReviewRange } from '../types.js';
import { countChanges } from './diff.js';

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

/**
 * Chooses what a run reviews. After a push only the commits since the last reviewed head are new, so
 * reviewing just those keeps cost proportional to the push; but the last head only means something while
 * it is still in the branch's history. A force-push or rebase that dropped it, or a commit the checkout
 * cannot get, makes the difference meaningless, so the whole PR is reviewed and the summary says why. A
 * re-run on the same head is also a full review: people re-run to recover from a failed or partial run,
 * and posting stays deduplicated by fingerprint.
 */
export function decideReviewRange(facts: RangeFacts): ReviewRange {
  const { lastHead, base, newHead } = facts;
  if (lastHead === undefined) return { mode: 'full', from: base, to: newHead, reason: 'first-review' };
  const full = (reason: 'same-head' | 'last-head-missing' | 'history-rewritten'): ReviewRange => ({
    mode: 'full',
    from: base,
    to: newHead,
    reason,
    lastHead,
  });
  if (lastHead === newHead) return full('same-head');
  if (!facts.lastHeadExists) return full('last-head-missing');
  if (!facts.isAncestor) return full('history-rewritten');
  return { mode: 'incremental', from: lastHead, to: newHead, reason: 'pushed', lastHead };
}

export interface IncrementalFiles {
  /** The PR's own diff of each file touched since the last head, whole (see `narrowToPush`). */
  review: DiffFile[];
  /** PR files untouched since the last head: reviewed by an earlier run, their findings carry over. */
  unchanged: string[];
  /**
   * For each reviewed file whose push changes could be placed (text hunks on both sides): the indexes of
   * its PR hunks that hold a line the push changed. A file absent here is reviewed whole.
   */
  pushedHunks: Map<string, number[]>;
}

/**
 * Picks what an incremental run reviews: the files the push touched that are still part of the PR, and in
 * each, the PR hunks the push changed. A push can touch files the PR no longer changes (a revert, or a
 * merge of the base branch), and those have nothing to review. The PR's diff is reviewed, not the push's
 * (comments must sit on lines of the PR diff, and a PR hunk shows the whole change around a pushed line),
 * but only its hunks the push changed: the others were reviewed by an earlier run, and showing them again
 * costs tokens and invites comments on code the author did not touch in this push. Both diffs end at the
 * new head, so their new-file line numbers agree.
 */
export function selectIncrementalFiles(prFiles: DiffFile[], pushed: readonly DiffFile[]): IncrementalFiles {
  // A path the push renamed away from is touched as a whole (no hunk of the push is in its coordinates).
  const touched = new Map<string, DiffFile | undefined>();
  for (const f of pushed) {
    touched.set(f.path, f);
    if (f.oldPath !== undefined && !touched.has(f.oldPath)) touched.set(f.oldPath, undefined);
  }
  const review: DiffFile[] = [];
  const unchanged: string[] = [];
  const pushedHunks = new Map<string, number[]>();
  for (const file of prFiles) {
    if (!touched.has(file.path)) {
      unchanged.push(file.path);
      continue;
    }
    review.push(file);
    const push = touched.get(file.path);
    if (push === undefined || push.hunks.length === 0 || file.hunks.length === 0) continue;
    const marks = changedPositions(push);
    pushedHunks.set(
      file.path,
      file.hunks.flatMap((hunk, i) => (marks.some((q) => inSpan(hunk, q)) ? [i] : [])),
    );
  }
  return { review, unchanged, pushedHunks };
}

/**
 * Where a diff changed its new file, on a doubled axis: line n is 2n, the gap after line n is 2n + 1 (where
 * deleted lines were).
 */
function changedPositions(file: DiffFile): number[] {
  const marks: number[] = [];
  for (const hunk of file.hunks) {
    let last = hunk.newStart - 1;
    for (const line of hunk.lines) {
      if (line.newLine !== undefined) last = line.newLine;
      if (line.kind === 'add') marks.push(2 * last);
      else if (line.kind === 'del') marks.push(2 * last + 1);
    }
  }
  return marks;
}

/** Whether position `q` (doubled axis) falls in the hunk's new-file span, the gaps at both ends included. */
function inSpan(hunk: Hunk, q: number): boolean {
  const first = 2 * hunk.newStart - 1;
  // A hunk without new lines (the file emptied) sits in the gap after line newStart.
  const last = hunk.newLines > 0 ? 2 * (hunk.newStart + hunk.newLines - 1) + 1 : 2 * hunk.newStart + 1;
  return q >= first && q <= last;
}

/** `file` with only the PR hunks `pushedHunks` keeps for it (the file itself when it is reviewed whole). */
export function narrowToPush(file: DiffFile, pushedHunks: ReadonlyMap<string, readonly number[]>): DiffFile {
  const keep = pushedHunks.get(file.path);
  if (keep === undefined || keep.length === file.hunks.length) return file;
  const hunks = keep.map((i) => file.hunks[i]!);
  return { ...file, hunks, ...countChanges(hunks) };
}

/** Changed lines of the PR hunks an incremental run leaves out, per file: an earlier run reviewed them. */
export function linesLeftOut(
  prFiles: readonly DiffFile[],
  pushedHunks: ReadonlyMap<string, readonly number[]>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of prFiles) {
    const narrowed = narrowToPush(file, pushedHunks);
    if (narrowed === file) continue;
    out.set(file.path, file.additions + file.deletions - narrowed.additions - narrowed.deletions);
  }
  return out;
}
