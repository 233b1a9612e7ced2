import { decideReviewRange, selectIncrementalFiles } from '../core/input/incremental.js';
import type { SummaryState } from '../core/output/markers.js';
import { rangeReason } from '../core/output/phrases.js';
import type { DiffFile, ReviewRange } from '../core/types.js';
import type { EngineDeps } from './run-context.js';

export interface ReviewScope {
  range: ReviewRange;
  /** PR files to review in this run (all of them on a full review). */
  review: DiffFile[];
  /** PR files an earlier run reviewed that this push did not touch. */
  unchanged: string[];
  /** Of the files to review, the PR hunks the push changed (`selectIncrementalFiles`); empty on a full review. */
  pushedHunks: Map<string, number[]>;
}

/**
 * What this run reviews: on a push after a reviewed head still in the branch history, only the PR files
 * the push touched, in them the PR hunks it changed; otherwise (first review, re-run, force-push or rebase,
 * unreachable last head) the whole PR, and the range says why.
 */
export async function chooseScope(
  deps: EngineDeps,
  opts: {
    mergeBase: string;
    headSha: string;
    prFiles: DiffFile[];
    previous: SummaryState | undefined;
    /** `@diffray full review`. */
    full?: boolean;
  },
): Promise<ReviewScope> {
  const lastHead = opts.previous?.headSha;
  if (opts.full) {
    const range: ReviewRange = {
      mode: 'full',
      from: opts.mergeBase,
      to: opts.headSha,
      reason: 'requested',
      ...(lastHead !== undefined ? { lastHead } : {}),
    };
    deps.log.info(`Review range: full (${rangeReason(range)})`);
    return { range, review: opts.prFiles, unchanged: [], pushedHunks: new Map() };
  }
  const lastHeadExists =
    lastHead !== undefined && lastHead !== opts.headSha ? await deps.git.ensureCommit(lastHead) : false;
  const isAncestor =
    lastHead !== undefined && lastHeadExists ? await deps.git.isAncestor(lastHead, opts.headSha) : false;
  const range = decideReviewRange({
    ...(lastHead !== undefined ? { lastHead } : {}),
    newHead: opts.headSha,
    base: opts.mergeBase,
    lastHeadExists,
    isAncestor,
  });
  deps.log.info(`Review range: ${range.mode} (${rangeReason(range)})`);
  if (range.mode === 'full') return { range, review: opts.prFiles, unchanged: [], pushedHunks: new Map() };
  const pushed = await deps.git.diffFiles(range.from, range.to);
  const { review, unchanged, pushedHunks } = selectIncrementalFiles(opts.prFiles, pushed);
  deps.log.info(
    `Incremental: ${review.length} files changed since the last review, ${unchanged.length} unchanged`,
  );
  return { range, review, unchanged, pushedHunks };
}
