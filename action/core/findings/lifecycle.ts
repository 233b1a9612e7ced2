import * as z from 'zod/mini';
import {
  CATEGORIES,
  LIMITS,
  SEVERITIES,
  bySeverity,
  truncate,
  type Category,
  type Finding,
  type Severity,
} from '../../../shared/index.js';
import type { DiffFile, LifecycleCounts } from '../types.js';
import { MAX_STATE_FINGERPRINTS } from '../constants.js';
import { decidePermission } from '../input/permission.js';
import { fingerprintFinding } from './fingerprint.js';

const FINGERPRINT = z.string().check(z.regex(/^[a-f0-9]{16,64}$/));
/** Titles kept in the state are capped: the state rides in the summary comment (65536 chars in all). */
const STATE_TITLE_CHARS = 80;
/** A fingerprint covers at most this many lines (the same cap as fingerprint.ts). */
const MAX_SPAN = 100;
/**
 * JSON characters the lifecycle state may take: base64 makes it 40,000 characters of the 65,536 a comment
 * may hold, leaving the rest to the summary itself.
 */
export const STATE_JSON_CHARS = 30_000;

/** A finding that was open after an earlier run, as remembered in the summary comment's state. */
export const OpenFindingSchema = z.object({
  fingerprint: FINGERPRINT,
  path: z.string().check(z.minLength(1), z.maxLength(1_024)),
  title: z.string().check(z.minLength(1), z.maxLength(STATE_TITLE_CHARS)),
  severity: z.enum(SEVERITIES),
  category: z.enum(CATEGORIES),
  /** Lines the fingerprinted code spans (startLine..line), so a later run can look for that code again. */
  span: z.int().check(z.minimum(1), z.maximum(MAX_SPAN)),
  /** Head sha of the run that first raised it. */
  seenAt: z.string().check(z.regex(/^[a-f0-9]{7,64}$/)),
  /** Its line when last raised (absent from states written before it was kept). */
  line: z.optional(z.int().check(z.minimum(1))),
});
export type OpenFinding = z.infer<typeof OpenFindingSchema>;

/** What the lifecycle remembers between runs; markers.ts embeds it in the summary state. */
export const LifecycleStateSchema = z.object({
  open: z.array(OpenFindingSchema).check(z.maxLength(MAX_STATE_FINGERPRINTS)),
  /** Never raised again on this PR. */
  dismissed: z.array(FINGERPRINT).check(z.maxLength(MAX_STATE_FINGERPRINTS)),
});
export type LifecycleState = z.infer<typeof LifecycleStateSchema>;

/** The fields of a finding of this run the lifecycle needs; AnchoredFinding has them all. */
export interface TrackedFinding {
  fingerprint: string;
  path: string;
  title: string;
  severity: Severity;
  category: Category;
  line: number;
  startLine?: number;
}

/** One review thread of an earlier diffray comment, as the GitHub adapter read it. */
export interface ThreadSignal {
  /** From the finding marker of the thread's first comment. */
  fingerprint: string;
  resolved: boolean;
  /** Bodies of the replies written by people (not by diffray). */
  replies: string[];
  /** Those replies' authors, in the same order, when known. */
  replyAuthors?: ReplyAuthor[];
  /** Who resolved the thread, when it is resolved and GitHub says. */
  resolvedBy?: string;
  /**
   * The resolver's association when it is known: for the PR's author, the one person GitHub lets resolve a
   * thread without write access (anyone else who resolves has it).
   */
  resolverAssociation?: string;
}

/** Who wrote a reply in a thread, as far as GitHub said. */
export interface ReplyAuthor {
  login?: string;
  /** GraphQL's `__typename` of the author: `User`, `Bot`, ... */
  type?: string;
  /** The comment's `authorAssociation`: `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`, ... */
  association?: string;
}

/** Who dismissed a finding and why, as far as its thread tells. */
export interface Dismissal {
  by?: string;
  reason?: string;
}

export interface LifecycleInput<T extends TrackedFinding> {
  /** Undefined on the first run, or when the stored state could not be read. */
  previous: LifecycleState | undefined;
  /** Findings of this run (anchored ones; unanchored findings have no thread and are not tracked). */
  current: T[];
  headSha: string;
  /**
   * Paths this run covered: reviewed in full, plus paths the PR no longer changes or deleted (nothing left to
   * look at). An open finding elsewhere (a file an incremental run did not re-examine, a failed request, a
   * budget skip) stays open even when its code changed: a bug that survived a reformat would otherwise be
   * called fixed without anyone looking at it again.
   */
  reviewedPaths: ReadonlySet<string>;
  /**
   * Whether the code an open finding was fingerprinted on still exists in the new head's file (see
   * {@link fingerprintStillPresent}); `undefined` when the caller could not tell, which keeps it open.
   */
  codeStillPresent: (finding: OpenFinding) => boolean | undefined;
  threads?: ThreadSignal[];
  /** `commands.allowed-associations`: who may dismiss or undismiss in a thread (default as for commands). */
  allowedAssociations?: readonly string[];
}

export interface LifecycleResult<T extends TrackedFinding> {
  /** Raised for the first time: to be posted. */
  new: T[];
  /** Open before and still open (re-raised, or not looked at again); already on the PR, not re-posted. */
  stillOpen: OpenFinding[];
  /** The code they pointed at is gone or changed: each thread gets the fixed reply (output/render.ts). */
  fixed: OpenFinding[];
  /** Dismissed by a person (this run or before) and raised or open again: never posted, only counted. */
  dismissed: OpenFinding[];
  /** Who dismissed and why, by fingerprint, for the dismissals whose thread says. */
  dismissals: Map<string, Dismissal>;
  /** Findings of this run dropped because they were dismissed; the engine must not post them. */
  suppressed: T[];
  /** The state to store in the summary comment. */
  next: LifecycleState;
}

/**
 * A reply dismisses a finding when a line starts with `@diffray dismiss` or `diffray: dismiss` (any case,
 * an optional reason after it). Both spellings are accepted because people write either; requiring it at
 * the start of a line keeps quoted or passing mentions ("should I @diffray dismiss this?") from counting.
 */
const DISMISS_COMMAND = /^[ \t]*(?:@diffray\s+dismiss|diffray:\s*dismiss)\b/im;

/** `@diffray undismiss` at the start of a line: takes back an earlier dismissal in the same thread. */
const UNDISMISS_COMMAND = /^[ \t]*(?:@diffray\s+undismiss|diffray:\s*undismiss)\b/im;

/** True when a reply asks diffray to dismiss the finding of its thread. */
export function isDismissCommand(reply: string): boolean {
  return DISMISS_COMMAND.test(withoutQuotes(reply));
}

function withoutQuotes(reply: string): string {
  return reply.replace(/^[ \t]*>.*$/gm, '');
}

/**
 * What the replies of a thread say, the last command winning: `dismissed` after a dismiss command,
 * `undismissed` after an undismiss that came later, undefined when no reply says either.
 */
export function threadDismissal(replies: readonly string[]): 'dismissed' | 'undismissed' | undefined {
  let said: 'dismissed' | 'undismissed' | undefined;
  for (const reply of replies) {
    const text = withoutQuotes(reply);
    if (UNDISMISS_COMMAND.test(text)) said = 'undismissed';
    else if (DISMISS_COMMAND.test(text)) said = 'dismissed';
  }
  return said;
}

/** The state with a finding dismissed at once (`@diffray dismiss`, or an answer agreeing it is wrong). */
export function dismissInState(state: LifecycleState, fingerprint: string): LifecycleState {
  return {
    open: state.open.filter((f) => f.fingerprint !== fingerprint),
    dismissed: [...state.dismissed.filter((fp) => fp !== fingerprint), fingerprint],
  };
}

/** The state with a dismissal taken back (`@diffray undismiss`): a later review may raise it again. */
export function undismissInState(state: LifecycleState, fingerprint: string): LifecycleState {
  return { open: state.open, dismissed: state.dismissed.filter((fp) => fp !== fingerprint) };
}

/**
 * Follows each finding across pushes. A finding is fixed only when its code is gone or changed, never just
 * because the model did not mention it again (models are not deterministic, and an incremental run does
 * not look at unchanged code). A person dismisses a finding by resolving its thread while it is open or
 * by replying with a dismiss command; it is then never raised again on the PR. A resolved thread of a
 * finding that was already fixed is housekeeping, not a dismissal, so a regression is raised again.
 */
export function classifyFindings<T extends TrackedFinding>(input: LifecycleInput<T>): LifecycleResult<T> {
  const previousOpen = new Map((input.previous?.open ?? []).map((f) => [f.fingerprint, f]));
  const currentByFp = new Map(input.current.map((f) => [f.fingerprint, f]));
  const dismissedFps = new Set(input.previous?.dismissed ?? []);
  const dismissals = new Map<string, Dismissal>();
  for (const thread of input.threads ?? []) {
    const wasOpen = input.previous === undefined || previousOpen.has(thread.fingerprint);
    const heard = commandsHeard(thread, input.allowedAssociations);
    const said = threadDismissal(heard);
    const resolved = thread.resolved && resolutionHeard(thread, input.allowedAssociations);
    // An undismiss in the thread wins over an earlier dismiss reply and over the stored dismissal.
    if (said === 'undismissed') dismissedFps.delete(thread.fingerprint);
    else if (said === 'dismissed' || (resolved && wasOpen)) dismissedFps.add(thread.fingerprint);
    if (dismissedFps.has(thread.fingerprint) && (said === 'dismissed' || resolved)) {
      const command = said === 'dismissed' ? heard.findLastIndex(isDismissCommand) : -1;
      dismissals.set(thread.fingerprint, dismissalOf(thread, heard, command));
    }
  }

  const result: LifecycleResult<T> = {
    new: [],
    stillOpen: [],
    fixed: [],
    dismissed: [],
    suppressed: [],
    dismissals,
    next: { open: [], dismissed: [] },
  };
  for (const finding of currentByFp.values()) {
    const before = previousOpen.get(finding.fingerprint);
    if (dismissedFps.has(finding.fingerprint)) {
      result.suppressed.push(finding);
      result.dismissed.push(before ?? toOpenFinding(finding, input.headSha));
    } else if (before !== undefined) {
      result.stillOpen.push({ ...toOpenFinding(finding, input.headSha), seenAt: before.seenAt });
    } else {
      result.new.push(finding);
    }
  }
  for (const before of previousOpen.values()) {
    if (currentByFp.has(before.fingerprint)) continue;
    if (dismissedFps.has(before.fingerprint)) result.dismissed.push(before);
    else if (input.reviewedPaths.has(before.path) && input.codeStillPresent(before) === false)
      result.fixed.push(before);
    else result.stillOpen.push(before);
  }

  result.next = {
    open: [...result.new.map((f) => toOpenFinding(f, input.headSha)), ...result.stillOpen],
    dismissed: [...dismissedFps],
  };
  return result;
}

/**
 * The thread's replies with those whose author may not command diffray blanked (indexes kept): a dismiss
 * or undismiss read at a push obeys the rule `@diffray dismiss` obeys when it is posted (`permission.ts`),
 * so someone who may not dismiss through the command cannot by waiting for the next push either. A reply
 * whose author GitHub did not describe is not heard. `commands.enabled` is left out: it turns off the
 * comment runs (model calls and posts), and reading a thread at a push costs neither.
 */
function commandsHeard(thread: ThreadSignal, allowed: readonly string[] | undefined): string[] {
  return thread.replies.map((reply, i) => {
    const author = thread.replyAuthors?.[i];
    if (author?.association === undefined) return '';
    return mayDismiss({ ...author, association: author.association }, allowed) ? reply : '';
  });
}

/**
 * Whether a resolution dismisses: the PR's author resolving without an association that may dismiss does
 * not (GitHub lets them resolve, and a failing check must not turn green by it); anyone else needed write
 * access to resolve, and a resolver GitHub did not name keeps the resolution.
 */
function resolutionHeard(thread: ThreadSignal, allowed: readonly string[] | undefined): boolean {
  if (thread.resolverAssociation === undefined) return true;
  return mayDismiss({ login: thread.resolvedBy, association: thread.resolverAssociation }, allowed);
}

/** `permission.ts`'s rule for a dismiss command by `author`. */
function mayDismiss(author: ReplyAuthor & { association: string }, allowed: readonly string[] | undefined) {
  return decidePermission({
    command: { kind: 'dismiss', reason: '' },
    commenter: { login: author.login ?? '', type: author.type ?? 'User', association: author.association },
    prAuthor: '',
    inDiffrayThread: true,
    ...(allowed ? { allowed } : {}),
  }).allowed;
}

/** The words after the dismiss command, on its line and the lines after it. */
const DISMISS_REASON = /^[ \t]*(?:@diffray\s+dismiss|diffray:\s*dismiss)\b[:,.\s-]*([\s\S]*)$/im;

/** Who dismissed through `thread` (the command's author, else who resolved it) and the command's reason. */
function dismissalOf(thread: ThreadSignal, replies: readonly string[], command: number): Dismissal {
  const dismissal: Dismissal = {};
  const by = command >= 0 ? thread.replyAuthors?.[command]?.login : thread.resolvedBy;
  if (by) dismissal.by = by;
  if (command >= 0) {
    const reason = DISMISS_REASON.exec(withoutQuotes(replies[command]!))?.[1]?.trim();
    if (reason) dismissal.reason = truncate(reason, LIMITS.dismissReasonChars);
  }
  return dismissal;
}

/** The state record of a finding of this run. */
export function toOpenFinding(f: TrackedFinding, headSha: string): OpenFinding {
  const span =
    f.startLine !== undefined && f.startLine < f.line ? Math.min(f.line - f.startLine + 1, MAX_SPAN) : 1;
  return {
    fingerprint: f.fingerprint,
    path: f.path,
    title: truncate(f.title, STATE_TITLE_CHARS),
    severity: f.severity,
    category: f.category,
    span,
    seenAt: headSha,
    line: f.line,
  };
}

/**
 * Keeps the state within the limits of the summary comment (its JSON at most `maxChars`, at most
 * `maxEntries` fingerprints). Dismissals are kept first, newest first (forgetting one would raise a
 * dismissed finding again), then the most severe open findings; an open finding dropped from the state is
 * at worst reported as new again later, and its comment stays on the PR.
 */
export function compactState(
  state: LifecycleState,
  limits: { maxEntries?: number; maxChars?: number } = {},
): LifecycleState {
  const maxEntries = limits.maxEntries ?? MAX_STATE_FINGERPRINTS;
  let budget = (limits.maxChars ?? STATE_JSON_CHARS) - JSON.stringify({ open: [], dismissed: [] }).length;
  const dismissed: string[] = [];
  for (const fp of [...new Set(state.dismissed)].reverse()) {
    if (dismissed.length >= maxEntries || budget < fp.length + 3) break;
    dismissed.unshift(fp);
    budget -= fp.length + 3;
  }
  const open: OpenFinding[] = [];
  for (const finding of [...state.open].sort(bySeverity)) {
    const size = JSON.stringify(finding).length + 1;
    if (open.length >= maxEntries - dismissed.length || budget < size) break;
    open.push(finding);
    budget -= size;
  }
  return { open, dismissed };
}

/**
 * Whether the code an open finding was fingerprinted on is still somewhere in the file at the new head:
 * every window of `span` lines is fingerprinted the way fingerprint.ts does it, so a finding whose lines
 * only moved stays open and one whose lines were edited or deleted reads as fixed. A file that is gone
 * (`undefined`) fixes its findings.
 */
export function fingerprintStillPresent(finding: OpenFinding, fileText: string | undefined): boolean {
  if (fileText === undefined) return false;
  const lines = fileText.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const probe: Finding = {
    path: finding.path,
    category: finding.category,
    severity: finding.severity,
    title: finding.title,
    body: '-',
    confidence: 1,
    line: 1,
  };
  for (let end = finding.span; end <= lines.length; end += 1) {
    const start = end - finding.span + 1;
    const window = windowFile(finding.path, lines, start, end);
    const located: Finding =
      finding.span > 1 ? { ...probe, startLine: start, line: end } : { ...probe, line: end };
    if (fingerprintFinding(located, window) === finding.fingerprint) return true;
  }
  return false;
}

/** A one-hunk diff showing lines start..end of the new file as context, the only lines fingerprint reads. */
function windowFile(path: string, lines: string[], start: number, end: number): DiffFile {
  const shown = lines.slice(start - 1, end);
  return {
    path,
    status: 'modified',
    binary: false,
    submodule: false,
    additions: 0,
    deletions: 0,
    hunks: [
      {
        oldStart: start,
        oldLines: shown.length,
        newStart: start,
        newLines: shown.length,
        header: '',
        lines: shown.map((text, i) => ({ kind: 'context', text, oldLine: start + i, newLine: start + i })),
      },
    ],
  };
}

/** Counts of a classification, for the summary line and the report. */
export function lifecycleCounts(result: LifecycleResult<TrackedFinding>): LifecycleCounts {
  return {
    new: result.new.length,
    stillOpen: result.stillOpen.length,
    fixed: result.fixed.length,
    dismissed: new Set(result.dismissed.map((f) => f.fingerprint)).size,
  };
}
