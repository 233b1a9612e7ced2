import type { ReviewReport } from '../../../shared/index.js';
import type {
  CoverageReceipt,
  DiffFile,
  FileCoverage,
  FileCoverageStatus,
  Hunk,
  ReviewChunk,
  SkipReason,
  SkippedFile,
} from '../types.js';

export interface CoverageInput {
  /** Every file of the PR diff, before selection. */
  files: DiffFile[];
  /** Files not sent to the model, with reasons: selection, budget, chunking (too large). */
  skipped: SkippedFile[];
  /** The chunks that were sent. */
  chunks: ReviewChunk[];
  /** Ids of the chunks whose request failed, with the error for the detail. */
  failedChunks: { id: string; error?: string }[];
  /** Files an earlier run reviewed that the push did not touch (incremental mode). */
  reviewedEarlier?: string[];
  /**
   * Of the files the push touched, the changed lines of the PR hunks it did not change, which this run
   * did not send (incremental mode): an earlier run reviewed them.
   */
  linesReviewedEarlier?: ReadonlyMap<string, number>;
}

/** Reasons a file is deliberately not reviewed, as opposed to a gap the summary must flag. */
const INTENDED: ReadonlySet<SkipReason> = new Set<SkipReason>([
  'deleted',
  'binary',
  'submodule',
  'mode-only',
  'lockfile',
  'generated',
  'minified',
  'vendored',
  'image',
  'snapshot',
  'excluded-by-config',
]);

function changedIn(hunks: Hunk[]): number {
  let n = 0;
  for (const hunk of hunks) for (const line of hunk.lines) if (line.kind !== 'context') n += 1;
  return n;
}

/**
 * Builds the coverage receipt from what actually happened: a file counts as reviewed only for the lines
 * that were in a request that succeeded, so a failed part of a split file makes it partial rather than
 * silently reviewed. Lines are the PR diff's added plus deleted lines, the numbers GitHub shows.
 */
export function buildCoverage(input: CoverageInput): CoverageReceipt {
  const failed = new Map(input.failedChunks.map((c) => [c.id, c.error]));
  const reviewed = new Map<string, number>();
  const failedLines = new Map<string, { lines: number; error?: string }>();
  for (const chunk of input.chunks) {
    const didFail = failed.has(chunk.id);
    for (const slice of chunk.slices) {
      const lines = changedIn(slice.hunks);
      const path = slice.file.path;
      if (didFail) {
        const error = failed.get(chunk.id);
        failedLines.set(path, {
          lines: (failedLines.get(path)?.lines ?? 0) + lines,
          ...(error !== undefined ? { error } : {}),
        });
      } else {
        reviewed.set(path, (reviewed.get(path) ?? 0) + lines);
      }
    }
  }
  const skipped = new Map(input.skipped.map((s) => [s.path, s]));
  const earlier = new Set(input.reviewedEarlier ?? []);

  const files: FileCoverage[] = input.files.map((file) => {
    const changedLines = file.additions + file.deletions;
    const base = { path: file.path, changedLines };
    if (earlier.has(file.path)) return { ...base, status: 'reviewed-earlier', reviewedLines: changedLines };
    const skip = skipped.get(file.path);
    // A file skipped on purpose now was skipped by the earlier run too: nothing of it was reviewed then.
    const before = skip && INTENDED.has(skip.reason) ? 0 : (input.linesReviewedEarlier?.get(file.path) ?? 0);
    const done = Math.min((reviewed.get(file.path) ?? 0) + before, changedLines);
    const failure = failedLines.get(file.path);
    const sent = reviewed.has(file.path) || failure !== undefined;
    if (!sent && before === 0) {
      // A file neither skipped nor sent is a bug upstream; it is still reported, never counted as reviewed.
      const reason = skip?.reason ?? 'request-failed';
      const detail = skip === undefined ? 'not sent to the model' : skip.detail;
      return {
        ...base,
        status: 'skipped',
        reviewedLines: 0,
        reason,
        ...(detail !== undefined ? { detail } : {}),
      };
    }
    if (failure === undefined && done >= changedLines && skip === undefined)
      return { ...base, status: 'reviewed', reviewedLines: done };
    const reason: SkipReason = failure !== undefined ? 'request-failed' : (skip?.reason ?? 'too-large');
    const detail = failure?.error ?? skip?.detail;
    const status: FileCoverageStatus = done > 0 || reviewed.has(file.path) ? 'partial' : 'skipped';
    return { ...base, status, reviewedLines: done, reason, ...(detail !== undefined ? { detail } : {}) };
  });

  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  for (const f of files) {
    if (f.reason !== undefined) skippedByReason[f.reason] = (skippedByReason[f.reason] ?? 0) + 1;
  }
  const count = (status: FileCoverageStatus) => files.filter((f) => f.status === status).length;
  return {
    files,
    filesChanged: files.length,
    filesReviewed: count('reviewed') + count('reviewed-earlier'),
    filesPartial: count('partial'),
    filesSkipped: count('skipped'),
    linesChanged: files.reduce((n, f) => n + f.changedLines, 0),
    linesReviewed: files.reduce((n, f) => n + f.reviewedLines, 0),
    skippedByReason,
    complete: files.every(
      (f) =>
        f.status === 'reviewed' ||
        f.status === 'reviewed-earlier' ||
        (f.reason !== undefined && INTENDED.has(f.reason) && f.status === 'skipped'),
    ),
  };
}

/**
 * The coverage block of the results-API report, from the same receipt as the summary's coverage line. Its
 * two file counts split the PR's changed files (the API's page shows "reviewed of reviewed + skipped"): a
 * file reviewed in part counts as reviewed, reviewed earlier (incremental) too, and the line counts say how
 * much of it was.
 */
export function reportCoverage(receipt: CoverageReceipt): ReviewReport['coverage'] {
  return {
    filesReviewed: receipt.filesReviewed + receipt.filesPartial,
    filesSkipped: receipt.filesSkipped,
    linesReviewed: receipt.linesReviewed,
    linesChanged: receipt.linesChanged,
  };
}
