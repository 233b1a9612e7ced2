/**
 * Types the action's modules agree on. Pure data only: no I/O, no SDK types.
 * Ports (interfaces implemented by adapters in action/adapters/) are documented where they are declared.
 */
import type {
  Conclusion,
  DiffrayConfig,
  FailOn,
  Finding,
  ReviewReport,
  Rule,
  Severity,
} from '../shared/index.js';
import type { CoverageReceipt } from './core/coverage.js';
import type { ReviewRange } from './core/incremental.js';
import type { LifecycleCounts } from './core/lifecycle.js';

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

// ---------------------------------------------------------------- model port

export interface TokenUsage {
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

export interface ModelRequest {
  model: string;
  /** Stable, cacheable prefix: instructions and rules shared by every request of the run. */
  system: string;
  /** The chunk's content (diff, context, PR metadata marked untrusted). */
  user: string;
  maxOutputTokens: number;
  /**
   * Called once when the answer starts (its first streamed event), or not at all if it never does. Given,
   * the request is streamed: the run holds its other requests until then, because a prompt-cache entry
   * becomes readable only once its writer's answer has begun.
   */
  onFirstToken?: () => void;
}

/**
 * A request that failed after the SDK's own retries. `blocks` says what else the error rules out: every
 * request (`account`: the key is rejected or its spend cap reached) or every request to this model
 * (`model`: the key may not use it, or it does not exist); absent, only this request failed (a bad or too
 * large request says nothing about the others). The message carries status and request id only.
 */
export interface ModelFailure {
  ok: false;
  error: string;
  blocks?: 'account' | 'model';
  usage: TokenUsage;
}

export type ModelResult = { ok: true; findings: Finding[]; usage: TokenUsage } | ModelFailure;

/** A validation request: `count` findings numbered [0]..[count-1] in `user`. */
export interface ConfirmRequest extends ModelRequest {
  count: number;
}

/** One verdict of the validation pass, by the index of the finding in the request. */
export interface Verdict {
  index: number;
  confirmed: boolean;
  reason: string;
}

export type ConfirmResult = { ok: true; verdicts: Verdict[]; usage: TokenUsage } | ModelFailure;

/**
 * Port: asks the model to review one chunk through a forced tool call. The adapter validates the tool
 * input with FindingsToolInputSchema, retries malformed output once, and never throws for API errors.
 */
export interface ModelPort {
  review(request: ModelRequest): Promise<ModelResult>;
  /**
   * The validation pass: a second, cheaper request that sees the exact code of a batch of findings and
   * must confirm or reject each through the forced `confirm_findings` tool. Never throws for API errors.
   */
  confirm(request: ConfirmRequest): Promise<ConfirmResult>;
}

// ---------------------------------------------------------------- posting

/** A finding placed on the diff, ready to become an inline comment. */
export interface AnchoredFinding extends Finding {
  fingerprint: string;
  /** Validated anchor: `line` and optional `startLine` on the RIGHT side, inside one hunk. */
  anchor: { line: number; startLine?: number };
  /** True when `suggestion` replaces exactly the commented lines and may be a ```suggestion block. */
  suggestionApplies: boolean;
}

export interface UnanchoredFinding extends Finding {
  fingerprint: string;
  reason: string;
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

/** Everything the run learned, used to render the summary, check, job summary, SARIF and API report. */
export interface ReviewOutcome {
  status: ReviewReport['status'];
  conclusion: Conclusion;
  /** Why the conclusion is not a plain success/failure (partial, skipped...), shown to users. */
  conclusionReason?: string;
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
  linesChanged: number;
  linesReviewed: number;
  failOn: FailOn;
  /** Which commits were reviewed and why (incremental since the last head, or the whole PR). */
  range?: ReviewRange;
  /** Findings across pushes; `since` is the last reviewed head (absent on a first review). */
  lifecycle?: LifecycleCounts & {
    since?: string;
    /** Replies posted in fixed findings' threads, and how many were left out by the per-run cap. */
    replies: { posted: number; capped: number };
  };
  /** The validation pass: findings re-checked, how many were dropped as unconfirmed, by which model. */
  validation?: { checked: number; dropped: number; model: string; error?: string };
  /** Files and changed lines reviewed, partially reviewed and skipped, with reasons. */
  coverage?: CoverageReceipt;
  /** Models other than `model` that did part of the work, and why. */
  routing?: { triage?: { model: string; files: number }; fallback?: { model: string; reason: string } };
  /** Repository guideline files included in the instructions. */
  guidelines?: string[];
}

export type { Finding, Rule, Severity, DiffrayConfig };
