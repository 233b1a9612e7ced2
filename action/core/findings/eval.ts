import type { DiffFile } from '../types.js';

/** A finding of a past PR and whether a later commit changed the lines it flagged. */
export interface EvalFinding {
  path: string;
  line: number;
  startLine?: number;
  severity: string;
  title: string;
  changedLater: boolean;
}

export interface EvalPr {
  sha: string;
  subject: string;
  findings: EvalFinding[];
  error?: string;
}

/**
 * Whether the flagged lines (in the file as it was at the merge) were changed by a later commit: `later` is
 * the diff from the merge to the branch tip. A deleted file, or a deleted/rewritten line in the flagged
 * range, counts; lines only shifted by edits elsewhere do not. A finding someone later fixed is the
 * likeliest kind of true positive; this is the rough signal `diffray eval` turns into a precision estimate.
 */
export function flaggedLinesChanged(
  finding: { path: string; line: number; startLine?: number },
  later: DiffFile[],
): boolean {
  const file = later.find((f) => (f.oldPath ?? f.path) === finding.path);
  if (file === undefined) return false;
  if (file.status === 'deleted') return true;
  const from = finding.startLine ?? finding.line;
  return file.hunks.some((hunk) =>
    hunk.lines.some(
      (l) => l.kind === 'del' && l.oldLine !== undefined && l.oldLine >= from && l.oldLine <= finding.line,
    ),
  );
}

export interface PrecisionEstimate {
  prs: number;
  findings: number;
  changedLater: number;
  /** changedLater ÷ findings; undefined without findings. */
  precision?: number;
}

/** Per-repository estimate: the share of findings whose lines a later commit changed. */
export function estimatePrecision(prs: EvalPr[]): PrecisionEstimate {
  const findings = prs.flatMap((p) => p.findings);
  const changed = findings.filter((f) => f.changedLater).length;
  return {
    prs: prs.length,
    findings: findings.length,
    changedLater: changed,
    ...(findings.length > 0 ? { precision: changed / findings.length } : {}),
  };
}
