/**
 * The review's vocabulary: the data the pipeline of action/core/ takes in, passes between its stages and
 * hands to the runtime. Pure data only (no I/O, no SDK types), importing nothing of ours but shared/, so
 * every module may use it. The requests and results of the ports are declared with them, in action/ports.ts.
 */
import type {
  Category,
  Conclusion,
  FailOn,
  FileSummary,
  Finding,
  ReviewReport,
  Severity,
} from '../../shared/index.js';

// ---------------------------------------------------------------- the diff

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'mode-changed';

/** One line of a hunk. `newLine` is set for context and added lines, `oldLine` for context and deleted. */
export interface DiffLine {
  kind: 'context' | 'add' | 'del';
  text: string;
  oldLine?: number;
  newLine?: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second @@ (often the enclosing function). */
  header: string;
  lines: DiffLine[];
}

export interface DiffFile {
  /** New path (old path for deletions). Always repository-relative, forward slashes, unquoted. */
  path: string;
  oldPath?: string;
  status: FileStatus;
  binary: boolean;
  /** Submodule pointer change (mode 160000). */
  submodule: boolean;
  hunks: Hunk[];
  additions: number;
  deletions: number;
}

// ---------------------------------------------------------------- selection and chunking

export type SkipReason =
  | 'deleted'
  | 'binary'
  | 'submodule'
  | 'mode-only'
  | 'lockfile'
  | 'generated'
  | 'minified'
  | 'vendored'
  | 'image'
  | 'snapshot'
  | 'excluded-by-config'
  | 'too-large'
  | 'over-budget'
  | 'request-failed';

export interface SkippedFile {
  path: string;
  reason: SkipReason;
  /** Extra words for the summary, e.g. which glob matched or which request failed. */
  detail?: string;
}

export interface Selection {
  selected: DiffFile[];
  skipped: SkippedFile[];
}

/** A part of one file sent in one request: whole file, or a run of hunks when the file was split. */
export interface FileSlice {
  file: DiffFile;
  hunks: Hunk[];
  /** Surrounding lines read from the checkout, keyed by new-file line number (1-based). */
  context?: Map<number, string>;
  /** 1-based index of this part and the number of parts, when the file was split. */
  part?: { index: number; of: number };
}

/** One model request's worth of work. */
export interface ReviewChunk {
  id: string;
  slices: FileSlice[];
  /** Estimated input tokens of the chunk's variable part (not counting the cached prefix). */
  estimatedTokens: number;
}

// ---------------------------------------------------------------- secrets

export interface SecretHit {
  path: string;
  line: number;
  /** Kind of secret, e.g. 'aws-access-key', 'github-token'. Never the secret itself. */
  kind: string;
}

// ---------------------------------------------------------------- model usage and verdicts

export interface TokenUsage {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

/**
 * Why a finding was dropped before it was posted: by a filter in code (action/core/findings/filters.ts,
 * before any validation request), or by the validation pass's score.
 */
export type DropReason = 'low-confidence' | 'base-only' | 'rule-not-quoted' | 'rule-misquoted' | 'validation';

/** One verdict of the validation pass, by the index of the finding in the request: a grade from 0 to 100. */
export interface Verdict {
  index: number;
  score: number;
  reason: string;
}

// ---------------------------------------------------------------- the walkthrough

/** What one review request's answer says its part of the PR changes, as the model wrote it. */
export interface WalkthroughPart {
  overview?: string;
  files: FileSummary[];
}

/** What the PR changes: the requests' overviews and one line per file, merged in file order. */
export interface Walkthrough {
  overview: string[];
  files: FileSummary[];
}

// ---------------------------------------------------------------- findings placed on the diff, as GitHub takes them

/** A finding placed on the diff, ready to become an inline comment. */
export interface AnchoredFinding extends Finding {
  fingerprint: string;
  /** The validation pass's grade (0–100), when the finding was validated: it ranks findings for posting. */
  validationScore?: number;
  /** Validated anchor: `line` and optional `startLine` on the RIGHT side, inside one hunk. */
  anchor: { line: number; startLine?: number };
  /** True when `suggestion` replaces exactly the commented lines and may be a ```suggestion block. */
  suggestionApplies: boolean;
}

/**
 * Why a finding is listed in the summary instead of posted inline: the anchoring found no place for it on
 * the diff (its path, line or quoted code), or GitHub did not take the comment.
 */
export type UnanchoredReason =
  | 'path-outside-repository'
  | 'file-not-in-diff'
  | 'line-not-in-diff'
  | 'quote-not-in-diff'
  | 'review-not-posted'
  | 'line-rejected-by-github'
  | 'comment-rejected-by-github';

export interface UnanchoredFinding extends Finding {
  fingerprint: string;
  validationScore?: number;
  reason: UnanchoredReason;
}

export interface ReviewComment {
  path: string;
  body: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
}

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

// ---------------------------------------------------------------- scope, coverage, lifecycle

export type ReviewMode = 'full' | 'incremental';

/** The commits a run reviews, and why (decided by input/incremental.ts). */
export type ReviewRange = {
  mode: ReviewMode;
  /** First revision of the diff that picks the files to review (the base, or the last reviewed head). */
  from: string;
  to: string;
} & (
  | { reason: 'first-review' }
  /** `@diffray full review`: everything again, whatever was reviewed before. */
  | { reason: 'requested'; lastHead?: string }
  | {
      /**
       * A push since `lastHead` (incremental), or why the whole PR is reviewed again: a re-run on the same
       * head, a last head the checkout cannot get, or one a force-push or rebase took out of the history.
       */
      reason: 'pushed' | 'same-head' | 'last-head-missing' | 'history-rewritten';
      /** The head the last run reviewed. */
      lastHead: string;
    }
);

export type FileCoverageStatus = 'reviewed' | 'partial' | 'skipped' | 'reviewed-earlier';

export interface FileCoverage {
  path: string;
  status: FileCoverageStatus;
  /** Added plus deleted lines of the file in the PR diff. */
  changedLines: number;
  reviewedLines: number;
  /** For skipped and partial files: why lines were not reviewed. */
  reason?: SkipReason;
  detail?: string;
}

/** What a run looked at, file by file, so a partial review says exactly what it covered. */
export interface CoverageReceipt {
  files: FileCoverage[];
  filesChanged: number;
  filesReviewed: number;
  filesPartial: number;
  filesSkipped: number;
  linesChanged: number;
  linesReviewed: number;
  /** Skipped files per reason (partial files count under their reason too). */
  skippedByReason: Partial<Record<SkipReason, number>>;
  /**
   * No unintended gap: every changed line was reviewed except in files skipped on purpose (lockfiles,
   * generated, binary, deleted, excluded by config...). Over budget, too large and failed requests are
   * gaps; a run with gaps must not conclude with an unqualified success.
   */
  complete: boolean;
}

/** The run's findings by their life across pushes (findings/lifecycle.ts classifies them). */
export interface LifecycleCounts {
  new: number;
  stillOpen: number;
  fixed: number;
  dismissed: number;
}

/**
 * A finding raised by an earlier run of the PR, as this run found it: still open, fixed by this run, or
 * dismissed by a person. Title and body are the run's own when it raised the finding again; otherwise the
 * title the summary's state kept and no body.
 */
export interface CarriedFinding {
  fingerprint: string;
  path: string;
  title: string;
  body?: string;
  severity: Severity;
  category: Category;
  /** Absent when the state that remembered it was written before lines were kept. */
  line?: number;
  startLine?: number;
  /** The head commit of the run that first raised it. */
  seenAt: string;
  /** Who dismissed it and why, when its thread says. */
  dismissal?: { by?: string; reason?: string };
}

// ---------------------------------------------------------------- the outcome

/** Why a run's verdict is not a plain success (output/conclusion.ts), in the order users read them. */
export type ConclusionReason =
  | { kind: 'blocking-findings'; findings: number; failOn: FailOn }
  | { kind: 'failed-requests'; failed: number; total: number }
  | { kind: 'over-budget'; files: number }
  | { kind: 'nothing-to-review' }
  /** Less than every changed line meant to be reviewed was reviewed: the receipt says what was. */
  | { kind: 'coverage-gap'; coverage: CoverageReceipt };

/** Everything the run learned, used to render the summary, check, job summary, SARIF and API report. */
export interface ReviewOutcome {
  status: ReviewReport['status'];
  conclusion: Conclusion;
  /** Why the conclusion is not a plain success/failure (partial, failed requests...), shown to users. */
  conclusionReasons?: ConclusionReason[];
  model: string;
  posted: AnchoredFinding[];
  /** Anchored but over max-comments, so listed in the summary only. */
  overflow: AnchoredFinding[];
  unanchored: UnanchoredFinding[];
  /** Findings already posted by an earlier run (same fingerprint): not posted again. */
  alreadyPosted: number;
  secrets: SecretHit[];
  reviewedFiles: string[];
  skipped: SkippedFile[];
  failedChunks: { id: string; files: string[]; error: string }[];
  usage: TokenUsage;
  costUsd: number;
  durationMs: number;
  failOn: FailOn;
  /** Which commits were reviewed and why (incremental since the last head, or the whole PR). */
  range?: ReviewRange;
  /** Findings across pushes; `since` is the last reviewed head (absent on a first review). */
  lifecycle?: LifecycleCounts & {
    since?: string;
    /** Replies posted in fixed findings' threads, and how many were left out by the per-run cap. */
    replies: { posted: number; capped: number };
    /** Why the PR's review threads could not be read (GitHub refused the query); absent when they were. */
    threadsUnread?: string;
  };
  /**
   * What reading the model's answers changed (findings/answer.ts): findings dropped as unrepairable, with
   * their distinct reasons, and findings kept after a repair (a text cut to its limit...). Absent when none.
   */
  answerRepairs?: { dropped: number; reasons: string[]; repaired: number };
  /** Findings the filters in code dropped before validation, by reason (absent when none). */
  filtered?: Partial<Record<Exclude<DropReason, 'validation'>, number>>;
  /**
   * The validation pass: findings graded, how many scored below `threshold` and were dropped, by which
   * models; `unchecked` findings were kept because their request failed (`error`, the first failure).
   */
  validation?: {
    checked: number;
    dropped: number;
    threshold: number;
    models: string[];
    unchecked?: number;
    error?: string;
  };
  /** The earlier runs' findings at this head (absent when the run tracked none). */
  carried?: { stillOpen: CarriedFinding[]; fixed: CarriedFinding[]; dismissed: CarriedFinding[] };
  /**
   * Files and changed lines reviewed, partially reviewed and skipped, with reasons: the one source of the
   * coverage figures the summary, the check and the results-API report show.
   */
  coverage: CoverageReceipt;
  /**
   * Models other than `model` that did part of the work: the cheap model of trivial files, and the fallback
   * that finished the review when the configured model (`overloaded`) kept answering 529.
   */
  routing?: { triage?: { model: string; files: number }; fallback?: { model: string; overloaded: string } };
  /** Repository guideline files included in the instructions. */
  guidelines?: string[];
  /** What the PR changes (config `walkthrough`, on by default), for the files this run reviewed. */
  walkthrough?: Walkthrough;
}
