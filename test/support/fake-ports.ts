/**
 * In-memory ports for running the engine (`runReview`) inside a test: plain objects implementing the port
 * interfaces, each recording what it was asked, so a test asserts on what every port received. No module
 * mocking: the engine gets these through its `deps` exactly as main.ts gives it the real adapters.
 *
 * - git: commits of whole files; `diffFiles` computes a line diff (3 lines of context, like git) and hands
 *   the files over one batch at a time, as the real adapter streams them.
 * - GitHub: keeps what was posted (review comments with their threads, the summary comment, replies) and
 *   answers later reads from it the way the adapter reads GitHub, so a second run sees the first one's work.
 * - model: answers from a script; the validation pass confirms every finding unless told otherwise.
 */
import { createHash } from 'node:crypto';
import { parseFindingMarkers, parseSummaryState } from '../../action/core/output/markers.js';
import type { EngineDeps, ReviewSettings } from '../../action/engine.js';
import type {
  CheckRunResult,
  ExistingMarkers,
  GitHubPort,
  GitPort,
  Logger,
  PlannedComment,
  ResultsApiPort,
  ReviewPostResult,
  ReviewThread,
} from '../../action/ports.js';
import type { DiffFile, DiffLine, Hunk, TokenUsage } from '../../action/core/types.js';
import type {
  ConfirmRequest,
  ConfirmResult,
  ModelRequest,
  ModelResult,
  TextResult,
} from '../../action/ports.js';
import type { Finding } from '../../shared/index.js';
import type { DiffrayConfig, ReviewReport } from '../../shared/index.js';

export type { ModelRequest, ModelResult };

/** File path → content; `null` in a change deletes the file. */
export type Files = Record<string, string>;
export type Changes = Record<string, string | null>;

/** A recorded call: the port method and its arguments. */
export interface Call {
  method: string;
  args: unknown[];
}

/** A sha (40 hex) derived from `label`: the summary state the engine writes accepts only sha-shaped heads. */
export function shaOf(label: string): string {
  return createHash('sha1').update(label).digest('hex');
}

// ---------------------------------------------------------------- git

interface Commit {
  parent?: string;
  files: Files;
}

export interface FakeGit extends GitPort {
  calls: Call[];
  /** Adds a commit whose files are the parent's with `changes` applied; returns its sha. */
  commit(label: string, changes: Changes, parent?: string): string;
}

export function fakeGit(): FakeGit {
  const commits = new Map<string, Commit>();
  const calls: Call[] = [];
  const record = (method: string, ...args: unknown[]) => calls.push({ method, args });
  const commitOf = (sha: string): Commit => {
    const found = commits.get(sha);
    if (!found) throw new Error(`fake git: unknown commit ${sha}`);
    return found;
  };
  const ancestors = (sha: string): string[] => {
    const chain: string[] = [];
    for (let at: string | undefined = sha; at !== undefined; at = commits.get(at)?.parent) chain.push(at);
    return chain;
  };
  const diffOf = (base: string, head: string): DiffFile[] => {
    const before = commitOf(base).files;
    const after = commitOf(head).files;
    const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return paths.flatMap((path) => diffFile(path, before[path], after[path]) ?? []);
  };
  return {
    calls,
    commit(label, changes, parent) {
      const files = { ...(parent ? commitOf(parent).files : {}) };
      for (const [path, text] of Object.entries(changes)) {
        if (text === null) delete files[path];
        else files[path] = text;
      }
      const sha = shaOf(label);
      commits.set(sha, { ...(parent ? { parent } : {}), files });
      return sha;
    },
    resolveRef(ref) {
      record('resolveRef', ref);
      return commits.has(ref) ? Promise.resolve(ref) : Promise.reject(new Error(`unknown ref ${ref}`));
    },
    mergeBase(base, head) {
      record('mergeBase', base, head);
      const ofBase = new Set(ancestors(base));
      const found = ancestors(head).find((sha) => ofBase.has(sha));
      return found ? Promise.resolve(found) : Promise.reject(new Error('fake git: no merge base'));
    },
    diff(base, head) {
      record('diff', base, head);
      return Promise.reject(new Error('fake git: the engine reads diffs through diffFiles'));
    },
    diffFiles(base, head, onFiles) {
      record('diffFiles', base, head);
      try {
        const files = diffOf(base, head);
        for (const file of files) onFiles?.([file]);
        return Promise.resolve(files);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    showFile(rev, path) {
      record('showFile', rev, path);
      try {
        return Promise.resolve(commitOf(rev).files[path]);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    showFiles(rev, paths) {
      record('showFiles', rev, [...paths]);
      return paths.map((path) =>
        commits.has(rev)
          ? Promise.resolve(commitOf(rev).files[path])
          : Promise.reject(new Error(`fake git: unknown commit ${rev}`)),
      );
    },
    ensureCommit(sha) {
      record('ensureCommit', sha);
      return Promise.resolve(commits.has(sha));
    },
    checkedOut() {
      record('checkedOut');
      return Promise.resolve(undefined);
    },
    isAncestor(ancestor, descendant) {
      record('isAncestor', ancestor, descendant);
      return Promise.resolve(ancestors(descendant).includes(ancestor));
    },
    firstParentHistory(ref, max) {
      record('firstParentHistory', ref, max);
      return Promise.resolve([]);
    },
  };
}

const CONTEXT = 3;

/** The file's diff as git's parser would give it (3 lines of context, hunks merged when they touch). */
export function diffFile(
  path: string,
  before: string | undefined,
  after: string | undefined,
): DiffFile | undefined {
  if (before === after) return undefined;
  const ops = lineDiff(linesOf(before), linesOf(after));
  const changed = ops.flatMap((op, i) => (op.kind === 'context' ? [] : [i]));
  const hunks: Hunk[] = [];
  let start = 0;
  while (start < changed.length) {
    let end = start;
    while (end + 1 < changed.length && changed[end + 1]! - changed[end]! <= 2 * CONTEXT + 1) end += 1;
    const from = Math.max(0, changed[start]! - CONTEXT);
    const to = Math.min(ops.length - 1, changed[end]! + CONTEXT);
    hunks.push(toHunk(ops, from, to));
    start = end + 1;
  }
  const lines = hunks.flatMap((h) => h.lines);
  return {
    path,
    status: before === undefined ? 'added' : after === undefined ? 'deleted' : 'modified',
    binary: false,
    submodule: false,
    hunks,
    additions: lines.filter((l) => l.kind === 'add').length,
    deletions: lines.filter((l) => l.kind === 'del').length,
  };
}

function linesOf(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Longest-common-subsequence line diff, numbered on both sides. */
function lineDiff(a: string[], b: string[]): DiffLine[] {
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: 'context', text: a[i]!, oldLine: i + 1, newLine: j + 1 });
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // A replaced block shows its deletions first, as git does.
      ops.push({ kind: 'del', text: a[i]!, oldLine: i + 1 });
      i += 1;
    } else {
      ops.push({ kind: 'add', text: b[j]!, newLine: j + 1 });
      j += 1;
    }
  }
  return ops;
}

function toHunk(ops: DiffLine[], from: number, to: number): Hunk {
  const lines = ops.slice(from, to + 1);
  const oldNumbers = lines.flatMap((l) => l.oldLine ?? []);
  const newNumbers = lines.flatMap((l) => l.newLine ?? []);
  // An empty side starts at the line before it, as git numbers it (0 for a file added or deleted whole).
  const before = (key: 'oldLine' | 'newLine') =>
    ops
      .slice(0, from)
      .reverse()
      .find((l) => l[key] !== undefined)?.[key] ?? 0;
  return {
    oldStart: oldNumbers[0] ?? before('oldLine'),
    oldLines: oldNumbers.length,
    newStart: newNumbers[0] ?? before('newLine'),
    newLines: newNumbers.length,
    header: '',
    lines,
  };
}

// ---------------------------------------------------------------- GitHub

export interface PostedComment {
  threadId: string;
  fingerprint: string;
  path: string;
  line: number;
  startLine?: number;
  body: string;
  resolved: boolean;
  /** Replies written by people (diffray's own "fixed" replies are in `replies` of the fake). */
  userReplies: string[];
}

export interface FakeGitHub extends GitHubPort {
  calls: Call[];
  /** What the PR's head is when asked; a function to make it move during a run. */
  head: string | (() => string);
  checkRuns: { id: number; headSha: string; result?: CheckRunResult }[];
  reviews: { pr: number; commitId: string; body: string; comments: PlannedComment[] }[];
  comments: PostedComment[];
  summary?: string;
  replies: { threadIds: string[]; body: string }[];
  /** A method to fail with the error (a missing permission, say) instead of answering. */
  failing: Partial<Record<keyof GitHubPort, Error>>;
  /** Names of the calls that write to the PR, in order. */
  writes(): string[];
  /** The newest check run (this run's, after a run). */
  lastCheck(): { id: number; headSha: string; result?: CheckRunResult };
  /** The state the summary comment carries for the next run. */
  summaryState(): ExistingMarkers['state'];
}

const WRITES = new Set([
  'createCheckRun',
  'completeCheckRun',
  'createReview',
  'upsertSummaryComment',
  'replyInThreads',
]);

export function fakeGitHub(head: string): FakeGitHub {
  const calls: Call[] = [];
  const github: FakeGitHub = {
    calls,
    head,
    checkRuns: [],
    reviews: [],
    comments: [],
    replies: [],
    failing: {},
    writes: () => calls.filter((c) => WRITES.has(c.method)).map((c) => c.method),
    lastCheck: () => {
      const last = github.checkRuns.at(-1);
      if (!last) throw new Error('no check run was created');
      return last;
    },
    summaryState: () => (github.summary === undefined ? undefined : parseSummaryState(github.summary)),
    createCheckRun: (headSha) =>
      answer('createCheckRun', [headSha], () => {
        const id = github.checkRuns.length + 1;
        github.checkRuns.push({ id, headSha });
        return id;
      }),
    completeCheckRun: (id, result) =>
      answer('completeCheckRun', [id, result], () => {
        const run = github.checkRuns.find((r) => r.id === id);
        if (!run) throw new Error(`no check run ${id}`);
        run.result = result;
      }),
    listExistingFindingMarkers: (pr) =>
      answer('listExistingFindingMarkers', [pr], () => {
        const fingerprints = new Set(github.comments.flatMap((c) => parseFindingMarkers(c.body)));
        const state = github.summaryState();
        for (const fp of state?.fingerprints ?? []) fingerprints.add(fp);
        return state ? { fingerprints, lastHeadSha: state.headSha, state } : { fingerprints };
      }),
    currentHead: (pr) =>
      answer('currentHead', [pr], () => (typeof github.head === 'function' ? github.head() : github.head)),
    createReview: (pr, review) =>
      answer('createReview', [pr, review], (): ReviewPostResult => {
        github.reviews.push({ pr, ...review });
        for (const { fingerprint, comment } of review.comments) {
          github.comments.push({
            threadId: `T${github.comments.length + 1}`,
            fingerprint,
            path: comment.path,
            line: comment.line,
            ...(comment.start_line !== undefined ? { startLine: comment.start_line } : {}),
            body: comment.body,
            resolved: false,
            userReplies: [],
          });
        }
        return { posted: review.comments.map((c) => c.fingerprint), rejected: [] };
      }),
    upsertSummaryComment: (pr, body) =>
      answer('upsertSummaryComment', [pr, body], () => {
        github.summary = body;
      }),
    // As the adapter reads them: threads whose first comment carries a finding marker.
    listReviewThreads: (pr) =>
      answer('listReviewThreads', [pr], () =>
        github.comments.flatMap((c): ReviewThread[] => {
          const fingerprint = parseFindingMarkers(c.body)[0];
          return fingerprint === undefined
            ? []
            : [{ threadId: c.threadId, fingerprint, resolved: c.resolved, replies: c.userReplies }];
        }),
      ),
    replyInThreads: (threadIds, body) =>
      answer('replyInThreads', [threadIds, body], () => {
        github.replies.push({ threadIds, body });
        return { replied: threadIds, failed: [] };
      }),
  };

  function answer<T>(method: keyof GitHubPort, args: unknown[], fn: () => T): Promise<T> {
    calls.push({ method, args });
    const failure = github.failing[method];
    if (failure) return Promise.reject(failure);
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return github;
}

// ---------------------------------------------------------------- model

export type ReviewScript = (request: ModelRequest, n: number) => ModelResult | Promise<ModelResult>;
export type ConfirmScript = (request: ConfirmRequest, n: number) => ConfirmResult | Promise<ConfirmResult>;

export interface FakeModel {
  review(request: ModelRequest): Promise<ModelResult>;
  confirm(request: ConfirmRequest): Promise<ConfirmResult>;
  reviews: ModelRequest[];
  confirms: ConfirmRequest[];
  summarize(request: ModelRequest): Promise<TextResult>;
  summaries: ModelRequest[];
  script: ReviewScript;
  confirmScript: ConfirmScript;
}

export const USAGE: TokenUsage = { input: 1_000, cacheWrite: 0, cacheRead: 0, output: 100 };

/** An answer with these findings. */
export function found(findings: Finding[]): ModelResult {
  return { ok: true, findings, usage: USAGE };
}

/** Whether the request lists the file (its `## path` heading, `## path (added)` for a new file). */
export function lists(request: ModelRequest, path: string): boolean {
  return request.user.split('\n').some((l) => l === `## ${path}` || l.startsWith(`## ${path} (`));
}

/** Each request gets the findings on the files it lists. */
export function findingsFor(...findings: Finding[]): ReviewScript {
  return (request) => found(findings.filter((f) => lists(request, f.path)));
}

/** The validation pass confirming every finding it is shown. */
export const confirmAll: ConfirmScript = (request) => ({
  ok: true,
  verdicts: Array.from({ length: request.count }, (_, index) => ({ index, score: 100, reason: 'real' })),
  usage: USAGE,
});

export function fakeModel(script: ReviewScript = () => found([])): FakeModel {
  const model: FakeModel = {
    reviews: [],
    confirms: [],
    script,
    confirmScript: confirmAll,
    review: (request) => {
      model.reviews.push(request);
      return Promise.resolve(model.script(request, model.reviews.length - 1));
    },
    confirm: (request) => {
      model.confirms.push(request);
      return Promise.resolve(model.confirmScript(request, model.confirms.length - 1));
    },
    summaries: [],
    summarize: (request) => {
      model.summaries.push(request);
      return Promise.resolve({ ok: true, text: 'Overview of the whole change.', usage: USAGE });
    },
  };
  return model;
}

/** A finding as the model reports it; `quote` is the code line it is about. */
export function modelFinding(f: Partial<Finding> & Pick<Finding, 'path' | 'line'>): Finding {
  return {
    severity: 'medium',
    category: 'correctness',
    title: 'A problem',
    body: 'Why it is a problem.',
    confidence: 0.9,
    ...f,
  };
}

// ---------------------------------------------------------------- results API, log

export interface FakeResultsApi extends ResultsApiPort {
  calls: Call[];
  config?: DiffrayConfig;
  reports: ReviewReport[];
}

export function fakeResultsApi(config?: DiffrayConfig): FakeResultsApi {
  const api: FakeResultsApi = {
    calls: [],
    reports: [],
    ...(config ? { config } : {}),
    fetchConfig: (repository) => {
      api.calls.push({ method: 'fetchConfig', args: [repository] });
      return Promise.resolve(api.config ? { config: api.config } : {});
    },
    sendReport: (report) => {
      api.calls.push({ method: 'sendReport', args: [report] });
      api.reports.push(report);
      const id = `r${api.reports.length}`;
      return Promise.resolve({ id, url: `https://app.diffray.example/reviews/${id}` });
    },
    reportDismissal: (dismissal) => {
      api.calls.push({ method: 'reportDismissal', args: [dismissal] });
      return Promise.resolve({});
    },
    reportAnswer: (answer) => {
      api.calls.push({ method: 'reportAnswer', args: [answer] });
      return Promise.resolve({});
    },
  };
  return api;
}

export interface FakeLog extends Logger {
  lines: { level: 'info' | 'warning' | 'debug'; message: string }[];
  /** Every line of the level, in order. */
  of(level: 'info' | 'warning' | 'debug'): string[];
}

export function fakeLog(): FakeLog {
  const log: FakeLog = {
    lines: [],
    of: (level) => log.lines.filter((l) => l.level === level).map((l) => l.message),
    info: (message) => log.lines.push({ level: 'info', message }),
    warning: (message) => log.lines.push({ level: 'warning', message }),
    debug: (message) => log.lines.push({ level: 'debug', message }),
  };
  return log;
}

// ---------------------------------------------------------------- a PR

export const PR_NUMBER = 7;

export interface FakePr {
  git: FakeGit;
  github: FakeGitHub;
  model: FakeModel;
  log: FakeLog;
  resultsApi?: FakeResultsApi;
  deps: EngineDeps;
  settings: ReviewSettings;
  baseSha: string;
  /** A push to the PR: a commit on its head (or, `force`d, on the base), which becomes the head. */
  push(changes: Changes, opts?: { force?: boolean }): string;
  /** Forgets the calls recorded so far (what was posted stays): the next run's calls start from zero. */
  nextRun(): void;
}

/**
 * A PR from a base commit with `base` to a head commit changing it by `head`, with every port faked. The
 * model answers with `script` (no findings by default); a results API is wired when `resultsApi` is set.
 */
export function fakePr(opts: {
  base: Files;
  head: Changes;
  script?: ReviewScript;
  resultsApi?: FakeResultsApi;
  settings?: Partial<Omit<ReviewSettings, 'pr'>> & { pr?: Partial<ReviewSettings['pr']> };
}): FakePr {
  const git = fakeGit();
  const baseSha = git.commit('base', opts.base);
  const headSha = git.commit('head', opts.head, baseSha);
  const github = fakeGitHub(headSha);
  const model = fakeModel(opts.script);
  const log = fakeLog();
  let time = 1_700_000_000_000;
  const deps: EngineDeps = {
    git,
    github,
    model,
    clock: { now: () => (time += 250) },
    log,
    ...(opts.resultsApi ? { resultsApi: opts.resultsApi } : {}),
  };
  const { pr, ...rest } = opts.settings ?? {};
  const settings: ReviewSettings = {
    repository: 'acme/widgets',
    serverUrl: 'https://github.com',
    pr: {
      number: PR_NUMBER,
      title: 'Count the widgets',
      body: 'Adds counting.',
      draft: false,
      baseSha,
      headSha,
      ...pr,
    },
    model: 'claude-sonnet-4-5',
    failOn: 'high',
    maxComments: 20,
    configFile: '.diffray.yml',
    exclude: [],
    ...rest,
  };
  let pushes = 0;
  return {
    git,
    github,
    model,
    log,
    ...(opts.resultsApi ? { resultsApi: opts.resultsApi } : {}),
    deps,
    settings,
    baseSha,
    push(changes, pushOpts = {}) {
      pushes += 1;
      const parent = pushOpts.force ? baseSha : settings.pr.headSha;
      const files = pushOpts.force ? { ...opts.head, ...changes } : changes;
      const sha = git.commit(`push ${pushes}`, files, parent);
      settings.pr.headSha = sha;
      github.head = sha;
      return sha;
    },
    nextRun() {
      git.calls.length = 0;
      github.calls.length = 0;
      model.reviews.length = 0;
      model.confirms.length = 0;
      log.lines.length = 0;
      opts.resultsApi?.calls.splice(0);
    },
  };
}

/** The calls of one method, their arguments in order. */
export function callsOf(calls: Call[], method: string): unknown[][] {
  return calls.filter((c) => c.method === method).map((c) => c.args);
}
