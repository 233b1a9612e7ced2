/**
 * Action benchmark: the bundled action (dist/index.js), spawned as the runner spawns it, on synthetic PRs
 * in real git repositories, against the fake GitHub and the fake Anthropic over HTTP on 127.0.0.1 with
 * the real service's latency model. Prints figures; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDiff } from '../action/core/input/diff.js';
import { buildSystemPrompt, FINDINGS_TOOL } from '../action/core/plan/prompt.js';
import { estimateTokens } from '../action/core/plan/tokens.js';
import { DEFAULT_MODEL_LANES, REQUEST_BUDGET_TOKENS } from '../action/engine.js';
import {
  startFakeAnthropic,
  type FakeAnthropic,
  type RecordedMessage,
  type TierLimits,
  userText,
} from '../test/fakes/anthropic.js';
import { isContentCreating, startFakeGitHub, type FakeGitHub } from '../test/fakes/github.js';
import { OWNER, PR_NUMBER, REPO, runAction } from '../test/e2e/harness.js';
import { cloneBranch } from '../test/support/git.js';
import { prepareBundle } from './lib/bundle.js';
import { benchScript } from './lib/model.js';
import { makespan, median, peakOverlap, unionLength } from './lib/stats.js';
import { makeSyntheticPr, type SyntheticPr } from './lib/synthetic.js';

/** The latency model of the fake model: time to first token, then output tokens at a fixed rate. */
export interface Latency {
  firstTokenMs: number;
  outputTokensPerSecond: number;
}

export const DEFAULT_LATENCY: Latency = { firstTokenMs: 1_800, outputTokensPerSecond: 63 };
const ZERO_LATENCY: Latency = { firstTokenMs: 0, outputTokensPerSecond: Infinity };
/** Sonnet's minimum cacheable prefix: below it, cache_control silently does nothing. */
const MIN_CACHE_PREFIX_TOKENS = 1_024;
/** Weights of input tokens by their price relative to uncached input. */
export const CACHE_WEIGHTS = { uncached: 1, cacheWrite: 1.25, cacheRead: 0.1 };

/**
 * The account tiers the fake model can enforce, per model: 'generous' is Anthropic's Tier 4 for Sonnet
 * (4,000 requests, 2M input and 400k output tokens a minute); 'low' is issue 16's low tier (50 requests and
 * 200k input tokens a minute), with output at a fifth of input as in every published tier.
 */
export const TIERS = {
  generous: { requestsPerMinute: 4_000, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000 },
  low: { requestsPerMinute: 50, inputTokensPerMinute: 200_000, outputTokensPerMinute: 40_000 },
} satisfies Record<string, TierLimits>;
export type TierName = keyof typeof TIERS;

/** A tier's rows: its limits, and how many times faster than real time they run (minute and model alike). */
export interface TierRun {
  tier: TierName;
  speedup: number;
}

export interface ActionBenchOptions {
  sizes: number[];
  latency: Latency;
  /** Build a fresh bundle from the working tree (into a temp dir) instead of using dist/index.js. */
  build: boolean;
  incremental: boolean;
  /** The 1000-file run with a zero-latency model (local overhead). */
  overhead: boolean;
  /** How many times to run it (each on a fresh depth-1 checkout of the same PR); the median is reported. */
  overheadRuns: number;
  /** Only the overhead runs: no cold start, no sizes, no incremental scenario. */
  overheadOnly: boolean;
  coldStartRuns: number;
  /** Rows against a fake model enforcing these tiers' rate limits, at every size. */
  tiers: TierRun[];
  log: (line: string) => void;
}

export interface RunFigures {
  files: number;
  exitCode: number | null;
  conclusion: string | undefined;
  findings: number;
  calls: number;
  /** Calls per tool (report_findings = review, confirm_findings = validation), in order of first use. */
  callsByTool: Record<string, number>;
  input: { uncached: number; cacheWrite: number; cacheRead: number };
  output: number;
  diffTokens: number;
  weightedInput: number;
  weightedInputPerDiffToken: number;
  callTarget: number;
  /** Added and deleted lines of the files the PR does not delete. */
  linesChanged: number;
  /** Changed lines (+/- rows) found in the requests' rendered diffs. */
  linesSent: number;
  filesSent: number;
  wallMs: number;
  floorMs: number;
  wallOverFloor: number;
  /** 1.15 × floor + 1 s. */
  wallTargetMs: number;
  /**
   * The critical path with unbounded lanes: the slowest review request plus the slowest validation request
   * (service times under the latency model), the least a run can take whatever its concurrency.
   */
  criticalPathMs: number;
  /** Requests answered 429 (the fake's tier refused them, or the script said so). */
  rateLimited: number;
  /** Input tokens counted against the tier's input limit (uncached + cache writes of admitted requests). */
  countedInput: number;
  /** The most model requests in flight at once (between arrival and answer, as the fake saw them). */
  peakInFlight: number;
  /** Files of the PR that a successful review request covered, of those it could (not deleted). */
  filesReviewed: { reviewed: number; of: number };
  modelBusyMs: number;
  localOverheadMs: number;
  /** Spawn to the first model request received: process start, git, reading, prompt building. */
  beforeFirstRequestMs: number;
  /** Last model answer to exit: validation, anchoring, GitHub deliveries, outputs, process exit. */
  afterLastAnswerMs: number;
  /** `posts`: content-creating requests (REST POSTs, GraphQL mutations); `mutations`: those plus updates. */
  github: { requests: number; posts: number; mutations: number; inlineComments: number };
  /** stderr tail when the run failed. */
  error?: string;
}

export interface IncrementalFigures {
  first: RunFigures;
  second: RunFigures;
  secondInputShare: number;
  prefixReadShareCalls2n: number;
  prefixReadShareRun1Calls2n: number | null;
  commentsRepostedSecondRun: number;
  commentsPostedSecondRun: number;
  secondRunMode: 'incremental' | 'full' | 'unknown';
  summaryRangeLine: string | undefined;
}

/** A row against a fake model enforcing a tier, with the bound that applies to it. */
export interface TierFigures {
  tier: TierName;
  limits: TierLimits;
  speedup: number;
  latency: Latency;
  run: RunFigures;
  /** What the tier's input rate allows: counted input tokens ÷ input tokens per (scaled) minute. */
  rateFloorMs: number;
  /** The rate binds when its floor exceeds the critical path; then the target is 1.3 × it, else 1.15 × CP + 1 s. */
  bound: 'rate' | 'critical path';
  targetMs: number;
}

export interface ActionResults {
  latency: Latency;
  /** Requests in flight when the model states no rate limits (the untiered rows). */
  defaultLanes: number;
  requestBudgetTokens: number;
  bundle: { bytes: number; build: string; checkedInBytes: number | undefined };
  coldStart: { runs: number; nodeMedianMs: number; actionMedianMs: number; overMs: number };
  sizes: RunFigures[];
  /** The median run (by local overhead) of `overhead1000Runs`. */
  overhead1000?: RunFigures;
  overhead1000Runs?: RunFigures[];
  /**
   * The 5-file PR again with the validation pass off in its base config: the review alone. The pass (issue
   * 5, on by default for high and critical findings) re-checks the model's high finding there with a
   * second request, which the "5 files → 1 call" target predates.
   */
  smallWithoutValidation?: RunFigures;
  incremental?: IncrementalFigures;
  tiers: TierFigures[];
}

/** The base config of the `smallWithoutValidation` run. */
const VALIDATION_OFF = 'validation:\n  enabled: false\n';

function totalInput(r: RunFigures): number {
  return r.input.uncached + r.input.cacheWrite + r.input.cacheRead;
}

/**
 * Rows of changed lines (`12+code`, `-code`, see action/core/plan/listing.ts) in the code listings the model
 * received, inside the `<untrusted_diff>` wrapper only (a PR description may hold lines starting with `-`).
 */
function changedRowsSent(requests: RecordedMessage[]): { lines: number; files: number } {
  let lines = 0;
  const files = new Set<string>();
  for (const r of requests) {
    const text = userText(r.body);
    let inListing = false;
    for (const row of text.split('\n')) {
      if (row === '<untrusted_diff>' || row === '</untrusted_diff>') inListing = row === '<untrusted_diff>';
      if (!inListing) continue;
      if (/^(?:\d+\+|-)/.test(row)) lines++;
      const heading = /^## (.+) \([a-z]+/.exec(row);
      if (heading) files.add(heading[1]!);
    }
  }
  return { lines, files: files.size };
}

function startModel(latency: Latency, rateLimits?: TierLimits): Promise<FakeAnthropic> {
  return startFakeAnthropic(benchScript(), {
    firstTokenMs: latency.firstTokenMs,
    ...(Number.isFinite(latency.outputTokensPerSecond)
      ? { outputTokensPerSecond: latency.outputTokensPerSecond }
      : {}),
    countTokens: estimateTokens,
    realisticCache: { minPrefixTokens: MIN_CACHE_PREFIX_TOKENS },
    ...(rateLimits ? { rateLimits } : {}),
  });
}

async function measureRun(
  bundle: string,
  pr: SyntheticPr,
  github: FakeGitHub,
  anthropic: FakeAnthropic,
  latency: Latency,
): Promise<RunFigures> {
  const reqStart = anthropic.requests.length;
  const ghStart = github.requests.length;
  const commentsStart = github.reviewComments.length;
  const started = performance.now();
  const result = await runAction({ bundle, repo: pr, githubUrl: github.url, anthropicUrl: anthropic.url });
  const wallMs = performance.now() - started;

  const requests = anthropic.requests.slice(reqStart);
  const ok = requests.filter((r) => r.usage && r.timing);
  const sum = (f: (u: NonNullable<RecordedMessage['usage']>) => number) =>
    ok.reduce((n, r) => n + f(r.usage!), 0);
  const input = {
    uncached: sum((u) => u.input_tokens),
    cacheWrite: sum((u) => u.cache_creation_input_tokens),
    cacheRead: sum((u) => u.cache_read_input_tokens),
  };
  const output = sum((u) => u.output_tokens);
  const diffTokens = estimateTokens(pr.diff);
  const weightedInput =
    input.uncached * CACHE_WEIGHTS.uncached +
    input.cacheWrite * CACHE_WEIGHTS.cacheWrite +
    input.cacheRead * CACHE_WEIGHTS.cacheRead;
  const service = ok.map(
    (r) =>
      latency.firstTokenMs +
      (Number.isFinite(latency.outputTokensPerSecond)
        ? (r.usage!.output_tokens / latency.outputTokensPerSecond) * 1000
        : 0),
  );
  // Passes run one after another (validation needs the review's findings); within a pass, requests share
  // the default lanes (the fake states no limits in these rows). The floor is the sum over passes of each
  // pass's best makespan; the critical path, the same with unbounded lanes.
  const byTool = new Map<string, number[]>();
  ok.forEach((r, i) => {
    const tool = r.body.tool_choice?.name ?? 'overview';
    byTool.set(tool, [...(byTool.get(tool) ?? []), service[i]!]);
  });
  const floorMs = [...byTool.values()].reduce((n, pass) => n + makespan(pass, DEFAULT_MODEL_LANES), 0);
  const criticalPathMs = [...byTool.values()].reduce((n, pass) => n + Math.max(...pass), 0);
  const callsByTool: Record<string, number> = {};
  for (const r of requests) {
    const tool = r.body.tool_choice?.name ?? 'overview';
    callsByTool[tool] = (callsByTool[tool] ?? 0) + 1;
  }
  const modelBusyMs = unionLength(ok.map((r) => [r.timing!.receivedAt, r.timing!.doneAt]));
  const firstReceived = Math.min(...requests.map((r) => r.timing?.receivedAt ?? Infinity));
  const lastDone = Math.max(...requests.map((r) => r.timing?.doneAt ?? -Infinity));
  const gh = github.requests.slice(ghStart);
  const sent = changedRowsSent(requests);
  const reviewed = changedRowsSent(ok.filter((r) => r.body.tool_choice?.name === 'report_findings'));
  // Lines of deleted files are not reviewed (nothing can be commented on them): they are not counted.
  const linesChanged = parseDiff(pr.diff)
    .filter((f) => f.status !== 'deleted')
    .reduce((n, f) => n + f.additions + f.deletions, 0);
  return {
    files: pr.files,
    exitCode: result.code,
    conclusion: result.outputs.conclusion,
    findings: Number(result.outputs['findings-count'] ?? NaN),
    calls: requests.length,
    callsByTool,
    input,
    output,
    diffTokens,
    weightedInput,
    weightedInputPerDiffToken: weightedInput / diffTokens,
    // Review requests, one validation request per validating model (review and cheap), and the PR-wide
    // overview when the review is split.
    callTarget:
      Math.ceil(diffTokens / REQUEST_BUDGET_TOKENS) + 2 + (diffTokens > REQUEST_BUDGET_TOKENS ? 1 : 0),
    linesChanged,
    linesSent: sent.lines,
    filesSent: sent.files,
    wallMs,
    floorMs,
    wallOverFloor: floorMs > 0 ? wallMs / floorMs : NaN,
    wallTargetMs: 1.15 * floorMs + 1000,
    criticalPathMs,
    rateLimited: requests.filter((r) => r.status === 429).length,
    countedInput: requests.reduce((n, r) => n + (r.countedInput ?? 0), 0),
    peakInFlight: peakOverlap(
      requests.flatMap((r) => (r.timing ? [[r.timing.receivedAt, r.timing.doneAt]] : [])),
    ),
    filesReviewed: {
      reviewed: reviewed.files,
      of: parseDiff(pr.diff).filter((f) => f.status !== 'deleted').length,
    },
    modelBusyMs,
    localOverheadMs: wallMs - modelBusyMs,
    beforeFirstRequestMs: Number.isFinite(firstReceived) ? firstReceived - started : NaN,
    afterLastAnswerMs: Number.isFinite(lastDone) ? started + wallMs - lastDone : NaN,
    github: {
      requests: gh.length,
      posts: gh.filter(isContentCreating).length,
      mutations: gh.filter((r) => isContentCreating(r) || ['PATCH', 'PUT', 'DELETE'].includes(r.method))
        .length,
      inlineComments: github.reviewComments.length - commentsStart,
    },
    ...(result.code === 0 && !/::error/.test(result.stdout)
      ? {}
      : {
          error: (result.stdout + result.stderr)
            .split('\n')
            .filter((l) => /error|fail/i.test(l))
            .slice(-5)
            .join(' | '),
        }),
  };
}

async function withPr<T>(
  files: number,
  latency: Latency,
  fn: (pr: SyntheticPr, github: FakeGitHub, anthropic: FakeAnthropic) => Promise<T>,
  opts: { config?: string; rateLimits?: TierLimits } = {},
): Promise<T> {
  const pr = makeSyntheticPr(files, opts.config === undefined ? {} : { config: opts.config });
  try {
    return await withFakes(pr, latency, (github, anthropic) => fn(pr, github, anthropic), opts.rateLimits);
  } finally {
    pr.cleanup();
  }
}

/** A fresh fake GitHub (no comments, no check runs yet) and fake model for one PR. */
async function withFakes<T>(
  pr: SyntheticPr,
  latency: Latency,
  fn: (github: FakeGitHub, anthropic: FakeAnthropic) => Promise<T>,
  rateLimits?: TierLimits,
): Promise<T> {
  const github = await startFakeGitHub({
    owner: OWNER,
    repo: REPO,
    pullNumber: PR_NUMBER,
    diff: pr.diff,
    headSha: pr.headSha,
  });
  const anthropic = await startModel(latency, rateLimits);
  try {
    return await fn(github, anthropic);
  } finally {
    await Promise.all([github.close(), anthropic.close()]);
  }
}

const MARKER = /<!-- diffray:finding:([a-f0-9]{16,64}) -->/;

/** Issue 5: a 50-file PR, then a push changing one file, reviewed through the summary comment's state. */
async function incrementalScenario(bundle: string, latency: Latency): Promise<IncrementalFigures> {
  return withPr(50, latency, async (pr, github, anthropic) => {
    const first = await measureRun(bundle, pr, github, anthropic, latency);
    const firstRequests = anthropic.requests.length;
    const postedBefore = new Set(
      github.reviewComments.map((c) => MARKER.exec(c.body)?.[1]).filter((f): f is string => !!f),
    );
    const commentsBefore = github.reviewComments.length;
    pr.push();
    // GitHub's view of the PR follows the new head.
    github.setHead(pr.headSha, pr.diff);
    const second = await measureRun(bundle, pr, github, anthropic, latency);

    const newComments = github.reviewComments.slice(commentsBefore);
    const reposted = newComments.filter((c) => {
      const fp = MARKER.exec(c.body)?.[1];
      return fp !== undefined && postedBefore.has(fp);
    }).length;
    const prefixTokens = (r: RecordedMessage) =>
      estimateTokens(JSON.stringify(r.body.tools) + r.body.system.map((s) => s.text).join(''));
    const readShare = (records: RecordedMessage[]) => {
      const ok = records.filter((r) => r.usage);
      const total = ok.reduce((n, r) => n + prefixTokens(r), 0);
      return total > 0 ? ok.reduce((n, r) => n + r.usage!.cache_read_input_tokens, 0) / total : NaN;
    };
    const all = anthropic.requests.filter((r) => r.body.tool_choice?.name === 'report_findings');
    const firstReviewCalls = anthropic.requests
      .slice(0, firstRequests)
      .filter((r) => r.body.tool_choice?.name === 'report_findings').length;
    const summary = github.issueComments.find((c) => c.body.includes('diffray:state'))?.body ?? '';
    const rangeLine = /Reviewed (?:changes|the whole pull request)[^\n]*/.exec(summary)?.[0];
    const mode = rangeLine
      ? rangeLine.startsWith('Reviewed changes')
        ? 'incremental'
        : 'full'
      : second.filesSent < first.filesSent / 2
        ? 'incremental'
        : second.filesSent > 0
          ? 'full'
          : 'unknown';
    return {
      first,
      second,
      secondInputShare: totalInput(second) / totalInput(first),
      prefixReadShareCalls2n: readShare(all.slice(1)),
      prefixReadShareRun1Calls2n: firstReviewCalls > 1 ? readShare(all.slice(1, firstReviewCalls)) : null,
      commentsRepostedSecondRun: reposted,
      commentsPostedSecondRun: newComments.length,
      secondRunMode: mode,
      summaryRangeLine: rangeLine,
    };
  });
}

/** Median wall time of `node dist/index.js` with no inputs (it skips at once) and of `node -e ''`. */
function coldStart(bundle: string, runs: number): ActionResults['coldStart'] {
  const cwd = mkdtempSync(join(tmpdir(), 'diffray-cold-'));
  const env = { PATH: process.env.PATH ?? '', HOME: cwd };
  const time = (args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore', timeout: 30_000 });
    if (r.error) throw r.error;
    return performance.now() - t;
  };
  time(['-e', '']); // warm the page cache
  time([bundle]);
  const node: number[] = [];
  const action: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(time(['-e', '']));
    action.push(time([bundle]));
  }
  rmSync(cwd, { recursive: true, force: true });
  const nodeMedianMs = median(node);
  const actionMedianMs = median(action);
  return { runs, nodeMedianMs, actionMedianMs, overMs: actionMedianMs - nodeMedianMs };
}

export async function runActionBench(opts: ActionBenchOptions): Promise<ActionResults> {
  const bundle = prepareBundle(opts.build);
  try {
    return await benchWith(bundle.path, opts, {
      bytes: bundle.bytes,
      build: bundle.note,
      checkedInBytes: bundle.checkedInBytes,
    });
  } finally {
    bundle.cleanup();
  }
}

async function benchWith(
  bundlePath: string,
  opts: ActionBenchOptions,
  bundle: ActionResults['bundle'],
): Promise<ActionResults> {
  const { log, latency } = opts;
  log(`  bundle: ${(bundle.bytes / 1024).toFixed(1)} KB (${bundle.build})`);
  const cold = opts.overheadOnly
    ? { runs: 0, nodeMedianMs: NaN, actionMedianMs: NaN, overMs: NaN }
    : coldStart(bundlePath, opts.coldStartRuns);
  log(
    `  cold start: node dist/index.js ${cold.actionMedianMs.toFixed(0)} ms vs node -e '' ${cold.nodeMedianMs.toFixed(0)} ms`,
  );
  const prefix = estimateTokens(JSON.stringify(FINDINGS_TOOL) + buildSystemPrompt({}));
  log(
    `  stable prefix (tools + system prompt): ~${prefix} tokens (cacheable from ${MIN_CACHE_PREFIX_TOKENS})`,
  );

  const results: ActionResults = {
    latency,
    defaultLanes: DEFAULT_MODEL_LANES,
    requestBudgetTokens: REQUEST_BUDGET_TOKENS,
    bundle,
    coldStart: cold,
    sizes: [],
    tiers: [],
  };
  for (const files of opts.overheadOnly ? [] : opts.sizes) {
    log(`  ${files} files: generating the repository and running the action...`);
    const figures = await withPr(files, latency, (pr, github, anthropic) =>
      measureRun(bundlePath, pr, github, anthropic, latency),
    );
    results.sizes.push(figures);
    log(
      `  ${files} files: ${figures.calls} calls, wall ${(figures.wallMs / 1000).toFixed(2)} s, floor ${(figures.floorMs / 1000).toFixed(2)} s` +
        (figures.error ? `, exit ${figures.exitCode}: ${figures.error}` : ''),
    );
  }
  if (!opts.overheadOnly && opts.sizes.includes(5)) {
    log('  5 files, validation pass off: running the action...');
    results.smallWithoutValidation = await withPr(
      5,
      latency,
      (pr, github, anthropic) => measureRun(bundlePath, pr, github, anthropic, latency),
      { config: VALIDATION_OFF },
    );
  }
  if (opts.overhead || opts.overheadOnly) {
    const runs = Math.max(1, opts.overheadRuns);
    log(`  1000 files with a zero-latency model (local overhead), ${runs} run(s)...`);
    const all: RunFigures[] = [];
    const pr = makeSyntheticPr(1000);
    try {
      for (let i = 0; i < runs; i++) {
        // Each run is a first review, as on the runner: a fresh depth-1 checkout (the last run fetched into
        // its own) and a PR with nothing on it yet.
        if (i > 0) {
          rmSync(pr.workspace, { recursive: true, force: true });
          cloneBranch(pr.origin, pr.workspace, 'feature');
        }
        const run = await withFakes(pr, ZERO_LATENCY, (github, anthropic) =>
          measureRun(bundlePath, pr, github, anthropic, ZERO_LATENCY),
        );
        log(
          `    run ${i + 1}: overhead ${(run.localOverheadMs / 1000).toFixed(2)} s (before the first request ${(run.beforeFirstRequestMs / 1000).toFixed(2)} s, after the last answer ${(run.afterLastAnswerMs / 1000).toFixed(2)} s; load ${loadavg()[0]!.toFixed(2)})`,
        );
        all.push(run);
      }
    } finally {
      pr.cleanup();
    }
    const sorted = [...all].sort((a, b) => a.localOverheadMs - b.localOverheadMs);
    results.overhead1000 = sorted[Math.floor((sorted.length - 1) / 2)]!;
    results.overhead1000Runs = all;
  }
  for (const { tier, speedup } of opts.overheadOnly ? [] : opts.tiers) {
    for (const files of opts.sizes) {
      log(
        `  ${tier} tier, ${files} files${speedup === 1 ? '' : `, time ${speedup}× faster`}: running the action...`,
      );
      const row = await tierRow(bundlePath, files, latency, tier, speedup);
      results.tiers.push(row);
      log(
        `  ${tier} tier, ${files} files: ${row.run.calls} calls, ${row.run.rateLimited} answered 429, wall ${(row.run.wallMs / 1000).toFixed(2)} s` +
          (row.run.error ? `, exit ${row.run.exitCode}: ${row.run.error}` : ''),
      );
    }
  }
  if (opts.incremental && !opts.overheadOnly) {
    log('  incremental: 50-file PR, then a push changing 1 file...');
    results.incremental = await incrementalScenario(bundlePath, latency);
  }
  return results;
}

/**
 * One PR against a fake model enforcing `tier`. With a speedup, time runs that many times faster for
 * everything the fake controls: the tier's minute is shorter (its published limits unchanged) and the
 * model answers faster, so the rate limits weigh on the run as they would in real time.
 */
async function tierRow(
  bundle: string,
  files: number,
  realLatency: Latency,
  tier: TierName,
  speedup: number,
): Promise<TierFigures> {
  const latency = {
    firstTokenMs: realLatency.firstTokenMs / speedup,
    outputTokensPerSecond: realLatency.outputTokensPerSecond * speedup,
  };
  const limits: TierLimits = { ...TIERS[tier], minuteMs: 60_000 / speedup };
  const run = await withPr(
    files,
    latency,
    (pr, github, anthropic) => measureRun(bundle, pr, github, anthropic, latency),
    {
      rateLimits: limits,
    },
  );
  const rateFloorMs = (run.countedInput / limits.inputTokensPerMinute) * limits.minuteMs!;
  const bound = rateFloorMs > run.criticalPathMs ? 'rate' : 'critical path';
  return {
    tier,
    limits,
    speedup,
    latency,
    run,
    rateFloorMs,
    bound,
    targetMs: bound === 'rate' ? 1.3 * rateFloorMs : 1.15 * run.criticalPathMs + 1000,
  };
}
