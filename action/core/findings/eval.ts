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
  kind: PastPrKind;
  findings: EvalFinding[];
  error?: string;
}

/** A commit of the first-parent history, newest first, as `git log --first-parent` lists it. */
export interface HistoryCommit {
  sha: string;
  parents: string[];
  subject: string;
}

/**
 * How a past PR shows in the history: a merge commit, a squash merge (one commit whose subject ends with
 * the `(#123)` GitHub writes), or, in a history with neither (rebase merges, direct pushes), a plain commit.
 */
export type PastPrKind = 'merge' | 'squash' | 'commit';

/** A past PR to review: `sha` against `parent` (the default branch just before it landed). */
export interface PastPr {
  sha: string;
  parent: string;
  subject: string;
  kind: PastPrKind;
}

/** How far back `diffray eval` looks for past PRs, in first-parent commits. */
export const EVAL_HISTORY_COMMITS = 1_000;

const SQUASH_SUBJECT = /\(#\d+\)$/;

/**
 * The last `max` PRs of a first-parent history (newest first): merge commits and squash merges, mixed as
 * they landed. Only when there is neither is every commit taken for a PR, so a squash-merge repository is
 * not reviewed commit by commit, nor a merge-commit one through its direct pushes. A root commit has no
 * parent to diff against and is never taken.
 */
export function pickPastPrs(history: readonly HistoryCommit[], max: number): PastPr[] {
  const withParent = history.filter((c) => c.parents.length > 0);
  const kindOf = (c: HistoryCommit): PastPrKind =>
    c.parents.length > 1 ? 'merge' : SQUASH_SUBJECT.test(c.subject.trimEnd()) ? 'squash' : 'commit';
  const prs = withParent.filter((c) => kindOf(c) !== 'commit');
  return (prs.length > 0 ? prs : withParent)
    .slice(0, Math.max(0, max))
    .map((c) => ({ sha: c.sha, parent: c.parents[0]!, subject: c.subject, kind: kindOf(c) }));
}

/**
 * Which kinds the PRs were found as, in words: `3 merge commits, 2 squash merges`, or for a history with
 * neither, `10 commits (no merge commits or squash merges found)`.
 */
export function describePastPrKinds(prs: readonly { kind: PastPrKind }[]): string {
  const names: Record<PastPrKind, [string, string]> = {
    merge: ['merge commit', 'merge commits'],
    squash: ['squash merge', 'squash merges'],
    commit: ['commit', 'commits'],
  };
  const counts = (['merge', 'squash', 'commit'] as const)
    .map((kind) => [kind, prs.filter((p) => p.kind === kind).length] as const)
    .filter(([, n]) => n > 0);
  const words = counts.map(([kind, n]) => `${n} ${names[kind][n === 1 ? 0 : 1]}`).join(', ');
  return counts.some(([kind]) => kind === 'commit')
    ? `${words} (no merge commits or squash merges found)`
    : words;
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
