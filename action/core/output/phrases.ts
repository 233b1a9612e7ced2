/**
 * The run's facts in plain sentences: the domain modules decide (the range, the lifecycle counts, the
 * coverage receipt, the verdict's reasons, why a finding has no place on the diff) and return data; the
 * words are here, shared by the rendered texts (render.ts, render-check.ts), the log and the CLI.
 */
import type {
  ConclusionReason,
  CoverageReceipt,
  LifecycleCounts,
  ReviewRange,
  SkipReason,
  UnanchoredReason,
} from '../types.js';
import type { PrivilegedCheckout } from '../input/checkout.js';
import { shortSha } from '../text.js';

/** "1 file", "2 files"; `many` for words whose plural is not `one` + "s". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Reviewed changes pushed since abc1234 (abc1234..def5678)." / "Reviewed the whole pull request (...): <why>." */
export function rangeLine(range: ReviewRange): string {
  const span = `${shortSha(range.from)}..${shortSha(range.to)}`;
  if (range.mode === 'incremental') return `Reviewed ${rangeReason(range)} (${span}).`;
  return `Reviewed the whole pull request (${span}): ${rangeReason(range)}.`;
}

/** Why the run reviews this range, for the summary and the log. */
export function rangeReason(range: ReviewRange): string {
  if (range.reason === 'first-review') return 'first review of this pull request';
  if (range.reason === 'requested') return 'a full review was requested (`@diffray full review`)';
  const last = shortSha(range.lastHead);
  switch (range.reason) {
    case 'pushed':
      return `changes pushed since ${last}`;
    case 'same-head':
      return `re-run on the already reviewed head ${last}`;
    case 'last-head-missing':
      return `the last reviewed head ${last} could not be fetched`;
    case 'history-rewritten':
      return `the last reviewed head ${last} is no longer in the branch history (force-push or rebase)`;
  }
}

/**
 * "3 new · 2 still open · 4 fixed since abc1234" (and "· 1 dismissed" when any). Without a previous
 * head there is nothing to compare with, so only the new count is shown.
 */
export function lifecycleLine(counts: LifecycleCounts, sinceSha: string | undefined): string {
  if (sinceSha === undefined) return `${counts.new} new`;
  const parts = [
    `${counts.new} new`,
    `${counts.stillOpen} still open`,
    `${counts.fixed} fixed since ${shortSha(sinceSha)}`,
  ];
  if (counts.dismissed > 0) parts.push(`${counts.dismissed} dismissed`);
  return parts.join(' · ');
}

/** How each reason reads after a count: "1 lockfile", "2 over budget". */
const REASON_WORDS: Record<SkipReason, [string, string]> = {
  deleted: ['deleted', 'deleted'],
  binary: ['binary', 'binary'],
  submodule: ['submodule', 'submodules'],
  'mode-only': ['mode change', 'mode changes'],
  lockfile: ['lockfile', 'lockfiles'],
  generated: ['generated', 'generated'],
  minified: ['minified', 'minified'],
  vendored: ['vendored', 'vendored'],
  image: ['image', 'images'],
  snapshot: ['snapshot', 'snapshots'],
  'excluded-by-config': ['excluded by config', 'excluded by config'],
  'too-large': ['too large', 'too large'],
  'over-budget': ['over budget', 'over budget'],
  'request-failed': ['failed request', 'failed requests'],
};

/**
 * The receipt in one line for the summary and the check run:
 * "Reviewed 412 of 430 changed lines in 18 of 20 files; skipped: 1 lockfile, 1 over budget".
 * Partial files are named by count with their reasons, so "reviewed" never overstates.
 */
export function coverageLine(receipt: CoverageReceipt): string {
  const head =
    `Reviewed ${receipt.linesReviewed} of ${plural(receipt.linesChanged, 'changed line')} ` +
    `in ${receipt.filesReviewed} of ${plural(receipt.filesChanged, 'file')}`;
  const parts = [head];
  const partial = receipt.files.filter((f) => f.status === 'partial');
  if (partial.length > 0) {
    const reasons = [...new Set(partial.map((f) => REASON_WORDS[f.reason ?? 'too-large'][0]))].join(', ');
    parts.push(`partially reviewed: ${plural(partial.length, 'file')} (${reasons})`);
  }
  const skippedCounts = new Map<SkipReason, number>();
  for (const f of receipt.files) {
    if (f.status === 'skipped' && f.reason !== undefined)
      skippedCounts.set(f.reason, (skippedCounts.get(f.reason) ?? 0) + 1);
  }
  if (skippedCounts.size > 0) {
    const list = [...skippedCounts].map(([reason, n]) => plural(n, ...REASON_WORDS[reason])).join(', ');
    parts.push(`skipped: ${list}`);
  }
  const earlier = receipt.files.filter((f) => f.status === 'reviewed-earlier').length;
  if (earlier > 0) parts.push(`${plural(earlier, 'file')} unchanged since the last review`);
  return parts.join('; ');
}

/** The verdict's reasons in one line ("1 finding at or above high; 1 of 3 review requests failed"). */
export function conclusionReason(reasons: readonly ConclusionReason[] | undefined): string | undefined {
  if (reasons === undefined || reasons.length === 0) return undefined;
  return reasons.map(conclusionReasonWords).join('; ');
}

function conclusionReasonWords(reason: ConclusionReason): string {
  switch (reason.kind) {
    case 'blocking-findings':
      return `${plural(reason.findings, 'finding')} at or above ${reason.failOn}`;
    case 'failed-requests':
      return `${reason.failed} of ${reason.total} review requests failed`;
    case 'over-budget':
      return `${plural(reason.files, 'file')} not reviewed (over budget)`;
    case 'nothing-to-review':
      return 'no reviewable changes';
    case 'coverage-gap':
      return coverageLine(reason.coverage);
  }
}

/** Why a finding is listed instead of posted inline; `line` is the finding's own (the model's) line. */
export function unanchoredReason(reason: UnanchoredReason, line: number): string {
  switch (reason) {
    case 'path-outside-repository':
      return 'path is outside the repository';
    case 'file-not-in-diff':
      return 'file is not in the diff';
    case 'line-not-in-diff':
      return `line ${line} is not in the diff`;
    case 'quote-not-in-diff':
      return 'the quoted code is not in the diff';
    case 'review-not-posted':
      return 'the review could not be posted';
    case 'line-rejected-by-github':
      return 'GitHub rejected the line (not part of the PR diff)';
    case 'comment-rejected-by-github':
      return 'GitHub rejected the inline comment';
  }
}

/**
 * "2 findings dropped from the model's answers (no valid line; no known severity); 1 kept after a repair
 * (a text cut to its length limit or an unusable optional field left out)".
 */
export function answerRepairsLine(r: { dropped: number; reasons: string[]; repaired: number }): string {
  const parts: string[] = [];
  if (r.dropped > 0) {
    const reasons = r.reasons.slice(0, 3).join('; ') + (r.reasons.length > 3 ? '; …' : '');
    parts.push(`${plural(r.dropped, 'finding')} dropped from the model's answers (${reasons})`);
  }
  if (r.repaired > 0)
    parts.push(
      `${plural(r.repaired, 'finding')} kept after a repair (a text cut to its length limit or an unusable optional field left out)`,
    );
  return parts.join('; ');
}

/** What a run that could not read the PR's review threads did not check (steps/track.ts). */
export const THREADS_NOT_CHECKED =
  'findings dismissed in their threads (resolved, or a `@diffray dismiss` reply) were not checked, and fixed ' +
  'findings got no reply in their threads';

/** The run's one warning when GitHub refused the review-threads query; `reason` is GitHub's answer. */
export function threadsUnreadWarning(reason: string): string {
  return `Could not read the pull request's review threads (${reason}): reviewed without them; ${THREADS_NOT_CHECKED}.`;
}

/** Why a fallback model did part of the review. */
export function fallbackReason(fallback: { model: string; overloaded: string }): string {
  return `${fallback.overloaded} was overloaded (HTTP 529 after retries), so ${fallback.model} finished the review`;
}

/** The warning for a pull_request_target job that has the PR's code checked out (input/checkout.ts). */
export function privilegedCheckoutWarning(found: PrivilegedCheckout): string {
  const what =
    found.commit === 'head' ? "the pull request's head commit" : "a merge of the pull request's head";
  return (
    `This pull_request_target job checked out ${what} (${shortSha(found.sha)}), not the event's ` +
    `commit: the PR's untrusted code is in a job that holds the repository's secrets and a write token. ` +
    `diffray only reads it as data and never needs it checked out here; make sure no step of this job ` +
    `builds, installs or runs it, or use the pull_request event (see the README).`
  );
}
