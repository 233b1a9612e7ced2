import {
  formatConfigIssues,
  mergeConfigs,
  parseConfigYaml,
  severityRank,
  type DiffrayConfig,
  type FailOn,
  type Finding,
} from '../shared/index.js';
import { anchorFindings } from './core/anchor.js';
import { buildChunks } from './core/chunk.js';
import { decideConclusion } from './core/conclusion.js';
import { SUMMARY_STATE_VERSION } from './core/constants.js';
import { contextRanges } from './core/context.js';
import { estimateCostUsd } from './core/cost.js';
import { parseDiff } from './core/diff.js';
import { planPosting, toReviewComment } from './core/posting.js';
import { buildSystemPrompt, buildUserPrompt } from './core/prompt.js';
import { buildAnnotations, renderCheckOutput, renderInlineComment, renderSummary } from './core/render.js';
import { toReviewReport } from './core/report.js';
import { redactSecrets, scanAndRedact, secretFinding } from './core/secrets.js';
import { selectFiles } from './core/select.js';
import { estimateTokens } from './core/tokens.js';
import { ConfigError, SkipError } from './errors.js';
import type { Clock, GitHubPort, GitPort, Logger, ResultsApiPort, WorkspacePort } from './ports.js';
import type {
  AnchoredFinding,
  DiffFile,
  ModelPort,
  ReviewChunk,
  ReviewOutcome,
  SkippedFile,
  TokenUsage,
  UnanchoredFinding,
} from './types.js';

/**
 * Input tokens of one request's variable part. Big enough that a typical PR (a few files, ~1.5k changed
 * lines with context) is one request, so the cached system prefix is paid for once; small enough that four
 * requests in flight stay inside common per-minute input limits, the model's attention per file stays
 * high, and each answer (bounded by MAX_OUTPUT_TOKENS) returns in well under a minute.
 */
export const REQUEST_BUDGET_TOKENS = 60_000;
/** Requests in flight at once: wall time near one request's latency for most PRs, gentle on rate limits. */
export const MODEL_CONCURRENCY = 4;
export const MAX_OUTPUT_TOKENS = 8_192;

export interface EngineDeps {
  git: GitPort;
  /** Absent in the local CLI: nothing is posted. */
  github?: GitHubPort;
  model: ModelPort;
  /** Absent when no checkout is usable: context lines then come from git. */
  workspace?: WorkspacePort;
  resultsApi?: ResultsApiPort;
  clock: Clock;
  log: Logger;
}

export interface ReviewSettings {
  /** `owner/name`. */
  repository: string;
  /** The PR's GitHub server (links in model text may point only there). */
  serverUrl: string;
  pr: { number: number; title: string; body: string; draft: boolean; baseSha: string; headSha: string };
  model: string;
  failOn: FailOn;
  maxComments: number;
  configFile: string;
  /** Globs from the `exclude` input, added to the config's and the defaults. */
  exclude: string[];
  budgetTokens?: number;
  concurrency?: number;
}

export interface ReviewRun {
  outcome: ReviewOutcome;
  /** Every finding of the run with its fingerprint (for SARIF and the CLI). */
  findings: (AnchoredFinding | UnanchoredFinding)[];
  mergeBase: string;
  resultsUrl?: string;
  /** Things that went wrong without stopping the review (results API, a lost permission...). */
  warnings: string[];
  /** Deliveries that failed (e.g. a missing permission): the step should fail after reporting them. */
  errors: string[];
}

/** Config values after the hosted config, `.diffray.yml` and the inputs are combined. */
interface Effective {
  config: DiffrayConfig;
  model: string;
  failOn: FailOn;
  maxComments: number;
}

interface ChunkResults {
  findings: Finding[];
  usage: TokenUsage;
  reviewedChunks: ReviewChunk[];
  failedChunks: ReviewOutcome['failedChunks'];
  overBudget: SkippedFile[];
  totalChunks: number;
}

/** Reviews one PR (or local range) end to end through the ports. */
export async function runReview(deps: EngineDeps, settings: ReviewSettings): Promise<ReviewRun> {
  const started = deps.clock.now();
  const notes = { warnings: [] as string[], errors: [] as string[] };
  const mergeBase = await deps.git.mergeBase(settings.pr.baseSha, settings.pr.headSha);
  const effective = await loadEffectiveConfig(deps, settings, notes).catch(async (error: unknown) => {
    if (error instanceof ConfigError) await reportConfigError(deps, settings, error, notes);
    throw error;
  });
  if (settings.pr.draft && !effective.config['review-drafts']) {
    throw new SkipError(
      'Draft pull request: not reviewed (set review-drafts: true in the config to review drafts)',
    );
  }
  const checkId = await deliver(notes, () => deps.github?.createCheckRun(settings.pr.headSha));
  try {
    const diffFiles = parseDiff(await deps.git.diff(mergeBase, settings.pr.headSha));
    deps.log.info(`Diff: ${diffFiles.length} files changed`);
    // Secrets are scanned in every file (a secret in an excluded file is still a leak), before selection.
    const { files: redacted, hits } = scanAndRedact(diffFiles);
    const selection = selectFiles(redacted, {
      exclude: [...(effective.config.exclude ?? []), ...settings.exclude],
    });
    deps.log.info(
      `Selected ${selection.selected.length} files for review, skipped ${selection.skipped.length}`,
    );
    if (hits.length > 0)
      deps.log.info(`Secrets redacted before review: ${hits.length} (reported as findings)`);

    const items = await readContexts(deps, selection.selected, settings.pr.headSha);
    const { chunks, skipped: chunkSkipped } = buildChunks(items, {
      budgetTokens: settings.budgetTokens ?? REQUEST_BUDGET_TOKENS,
    });
    const results = await reviewChunks(deps, settings, effective, chunks);

    const findings = [...hits.map(secretFinding), ...filterBySeverity(results.findings, effective.config)];
    const { anchored, unanchored } = anchorFindings(findings, redacted);
    const skipped = [...selection.skipped, ...chunkSkipped, ...results.overBudget, ...failedSkips(results)];
    const outcome = await postFindings(deps, settings, effective, {
      anchored,
      unanchored,
      hits,
      results,
      skipped,
      diffFiles,
      started,
      notes,
    });
    const resultsUrl = await sendReport(deps, settings, mergeBase, outcome, notes);
    await publish(deps, settings, outcome, { anchored, unanchored, checkId, mergeBase, resultsUrl, notes });
    return {
      outcome,
      findings: [...anchored, ...unanchored],
      mergeBase,
      ...(resultsUrl ? { resultsUrl } : {}),
      ...notes,
    };
  } catch (error) {
    if (checkId !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      await deliver(notes, () =>
        deps.github?.completeCheckRun(checkId, {
          conclusion: 'neutral',
          output: { title: 'Review did not complete', summary: `diffray stopped: ${message}` },
          annotations: [],
        }),
      );
    }
    throw error;
  }
}

// ---------------------------------------------------------------- config

async function loadEffectiveConfig(
  deps: EngineDeps,
  settings: ReviewSettings,
  notes: { warnings: string[] },
): Promise<Effective> {
  // Read from the base commit: a PR must not rewrite the rules it is reviewed by.
  const text = await deps.git.showFile(settings.pr.baseSha, settings.configFile);
  let config: DiffrayConfig = {};
  if (text !== undefined) {
    const parsed = parseConfigYaml(text);
    if (!parsed.ok) {
      throw new ConfigError(
        `Invalid ${settings.configFile}:\n${formatConfigIssues(settings.configFile, parsed.issues)}`,
      );
    }
    config = parsed.config;
    deps.log.info(`Config: ${settings.configFile} from the base commit`);
  }
  if (deps.resultsApi) {
    const hosted = await deps.resultsApi.fetchConfig(settings.repository);
    if (hosted.warning) notes.warnings.push(hosted.warning);
    // The account's config is the floor; the repository file can tighten it, not loosen it.
    if (hosted.config) config = mergeConfigs(hosted.config, config);
  }
  return {
    config,
    model: config.model ?? settings.model,
    failOn: config['fail-on'] ?? settings.failOn,
    maxComments: config['max-comments'] ?? settings.maxComments,
  };
}

async function reportConfigError(
  deps: EngineDeps,
  settings: ReviewSettings,
  error: ConfigError,
  notes: { errors: string[] },
): Promise<void> {
  const id = await deliver(notes, () => deps.github?.createCheckRun(settings.pr.headSha));
  if (id === undefined) return;
  await deliver(notes, () =>
    deps.github?.completeCheckRun(id, {
      conclusion: 'failure',
      output: { title: `Invalid ${settings.configFile}`, summary: '```\n' + error.message + '\n```' },
      annotations: [],
    }),
  );
}

function filterBySeverity(findings: Finding[], config: DiffrayConfig): Finding[] {
  const min = config['min-severity'];
  if (min === undefined) return findings;
  return findings.filter((f) => severityRank(f.severity) <= severityRank(min));
}

// ---------------------------------------------------------------- context

/**
 * Surrounding lines for each file, keyed by new-file line number. Read from the checkout when it holds the
 * head's version of the file (checked against the diff's own added lines), else from git at the head
 * commit: `actions/checkout` checks out the merge commit, whose lines can differ from the head's.
 * Every context line is redacted: secrets in unchanged lines must not reach the model either.
 */
async function readContexts(
  deps: EngineDeps,
  files: DiffFile[],
  headSha: string,
): Promise<{ file: DiffFile; context?: Map<number, string> }[]> {
  return Promise.all(
    files.map(async (file) => {
      const ranges = contextRanges(file);
      if (ranges.length === 0) return { file };
      const lines = await readHeadLines(deps, file, headSha);
      if (!lines) return { file };
      const context = new Map<number, string>();
      for (const { start, end } of ranges) {
        for (let n = Math.max(1, start); n <= Math.min(end, lines.length); n++) {
          context.set(n, redactSecrets(lines[n - 1]!));
        }
      }
      return { file, context };
    }),
  );
}

async function readHeadLines(
  deps: EngineDeps,
  file: DiffFile,
  headSha: string,
): Promise<string[] | undefined> {
  const fromWorkspace = await deps.workspace?.readFile(file.path).catch(() => undefined);
  if (fromWorkspace !== undefined) {
    const lines = fromWorkspace.split('\n');
    if (matchesDiff(file, lines)) return lines;
  }
  const fromGit = await deps.git.showFile(headSha, file.path).catch(() => undefined);
  return fromGit?.split('\n');
}

/** The file's lines agree with every non-deleted line of the diff (redacted lines are not compared). */
function matchesDiff(file: DiffFile, lines: string[]): boolean {
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind === 'del' || line.newLine === undefined || line.text.includes('[REDACTED')) continue;
      if (lines[line.newLine - 1] !== line.text) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------- model

async function reviewChunks(
  deps: EngineDeps,
  settings: ReviewSettings,
  effective: Effective,
  chunks: ReviewChunk[],
): Promise<ChunkResults> {
  const { config } = effective;
  const system = buildSystemPrompt({
    ...(config.language ? { language: config.language } : {}),
    ...(config.strictness ? { strictness: config.strictness } : {}),
  });
  const guidance = { rules: config.rules ?? [], instructions: config.instructions ?? [] };
  const pr = { title: redactSecrets(settings.pr.title), body: redactSecrets(settings.pr.body) };
  const results: ChunkResults = {
    findings: [],
    usage: { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 },
    reviewedChunks: [],
    failedChunks: [],
    overBudget: [],
    totalChunks: chunks.length,
  };
  const budget = budgetGate(effective, estimateTokens(system));
  let fatal: string | undefined;

  deps.log.info(`Reviewing in ${chunks.length} request${chunks.length === 1 ? '' : 's'}`);
  await runPool(chunks, settings.concurrency ?? MODEL_CONCURRENCY, async (chunk) => {
    const files = [...new Set(chunk.slices.map((s) => s.file.path))];
    if (fatal !== undefined) {
      results.failedChunks.push({ id: chunk.id, files, error: `not sent: ${fatal}` });
      return;
    }
    const user = buildUserPrompt(chunk, pr, guidance);
    if (!budget.admit(estimateTokens(user), results.usage)) {
      results.totalChunks -= 1;
      for (const path of files)
        results.overBudget.push({ path, reason: 'over-budget', detail: budget.reason });
      return;
    }
    const result = await deps.model.review({
      model: effective.model,
      system,
      user,
      maxOutputTokens: MAX_OUTPUT_TOKENS,
    });
    addUsage(results.usage, result.usage);
    if (result.ok) {
      results.findings.push(...result.findings);
      results.reviewedChunks.push(chunk);
      deps.log.info(`Request ${chunk.id}: ${files.length} files, ${result.findings.length} findings`);
    } else {
      results.failedChunks.push({ id: chunk.id, files, error: result.error });
      deps.log.warning(`Request ${chunk.id} failed: ${result.error}`);
      // Auth, bad-request and spend-cap errors would fail every other request the same way.
      if (!result.retryable) fatal = result.error;
    }
  });
  return results;
}

/** Admits requests while the configured token and cost budgets allow (estimated before each request). */
function budgetGate(effective: Effective, systemTokens: number) {
  const maxTokens = effective.config.budget?.['max-input-tokens'];
  const maxCost = effective.config.budget?.['max-cost-usd'];
  let reserved = 0;
  return {
    reason: maxTokens !== undefined ? `max-input-tokens ${maxTokens}` : `max-cost-usd ${maxCost}`,
    admit(userTokens: number, usage: TokenUsage): boolean {
      const next = systemTokens + userTokens;
      if (maxTokens !== undefined && reserved + next > maxTokens) return false;
      if (maxCost !== undefined) {
        const spent = estimateCostUsd(effective.model, usage);
        const coming = estimateCostUsd(effective.model, {
          input: next,
          cacheWrite: 0,
          cacheRead: 0,
          output: MAX_OUTPUT_TOKENS / 4,
        });
        if (spent + coming > maxCost) return false;
      }
      reserved += next;
      return true;
    },
  };
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

function addUsage(total: TokenUsage, usage: TokenUsage): void {
  total.input += usage.input;
  total.cacheWrite += usage.cacheWrite;
  total.cacheRead += usage.cacheRead;
  total.output += usage.output;
}

function failedSkips(results: ChunkResults): SkippedFile[] {
  return results.failedChunks.flatMap((c) =>
    c.files.map((path): SkippedFile => ({ path, reason: 'request-failed', detail: c.error })),
  );
}

// ---------------------------------------------------------------- posting

interface PostInput {
  anchored: AnchoredFinding[];
  unanchored: UnanchoredFinding[];
  hits: ReturnType<typeof scanAndRedact>['hits'];
  results: ChunkResults;
  skipped: SkippedFile[];
  diffFiles: DiffFile[];
  started: number;
  notes: { warnings: string[]; errors: string[] };
}

/** Plans and posts the review; returns the outcome with what actually landed on the PR. */
async function postFindings(
  deps: EngineDeps,
  settings: ReviewSettings,
  effective: Effective,
  input: PostInput,
): Promise<ReviewOutcome> {
  const { anchored, results } = input;
  const unanchored = [...input.unanchored];
  const existing = deps.github
    ? await deliver(input.notes, () => deps.github!.listExistingFindingMarkers(settings.pr.number))
    : undefined;
  const plan = planPosting(anchored, {
    maxComments: effective.maxComments,
    alreadyPosted: existing?.fingerprints ?? new Set(),
  });
  let posted = plan.posted;
  if (deps.github && posted.length > 0) {
    const render = { serverUrl: settings.serverUrl };
    const comments = posted.map((f) => ({
      fingerprint: f.fingerprint,
      comment: toReviewComment(f, renderInlineComment(f, render)),
    }));
    const body = `diffray found ${posted.length} new issue${posted.length === 1 ? '' : 's'} in this push; the summary comment lists everything.`;
    const result = await deliver(input.notes, () =>
      deps.github!.createReview(settings.pr.number, { commitId: settings.pr.headSha, body, comments }),
    );
    if (!result) {
      unanchored.push(...posted.map((f) => ({ ...f, reason: 'the review could not be posted' })));
      posted = [];
    } else if (result.rejected.length > 0) {
      const reasons = new Map(result.rejected.map((r) => [r.fingerprint, r.reason]));
      unanchored.push(
        ...posted
          .filter((f) => reasons.has(f.fingerprint))
          .map((f) => ({ ...f, reason: reasons.get(f.fingerprint)! })),
      );
      posted = posted.filter((f) => !reasons.has(f.fingerprint));
      deps.log.warning(`GitHub rejected ${reasons.size} inline comment(s); they are listed in the summary`);
    }
    deps.log.info(`Review posted with ${posted.length} inline comments`);
  }
  const all = [...anchored, ...unanchored];
  const decision = decideConclusion({
    severities: all.map((f) => f.severity),
    failOn: effective.failOn,
    totalChunks: results.totalChunks,
    failedChunks: results.failedChunks.length,
    skippedForBudget: results.overBudget.length,
  });
  const reviewedFiles = [...new Set(results.reviewedChunks.flatMap((c) => c.slices.map((s) => s.file.path)))];
  return {
    status: decision.status,
    conclusion: decision.conclusion,
    ...(decision.reason ? { conclusionReason: decision.reason } : {}),
    model: effective.model,
    posted,
    overflow: plan.overflow,
    unanchored,
    alreadyPosted: plan.alreadyPosted,
    secrets: input.hits,
    reviewedFiles,
    skipped: input.skipped,
    failedChunks: results.failedChunks,
    usage: results.usage,
    costUsd: estimateCostUsd(effective.model, results.usage),
    durationMs: Math.max(0, deps.clock.now() - input.started),
    linesChanged: input.diffFiles.reduce((n, f) => n + f.additions + f.deletions, 0),
    linesReviewed: countReviewedLines(results.reviewedChunks),
    failOn: effective.failOn,
  };
}

function countReviewedLines(chunks: ReviewChunk[]): number {
  let n = 0;
  for (const chunk of chunks)
    for (const slice of chunk.slices)
      for (const hunk of slice.hunks) n += hunk.lines.filter((l) => l.kind !== 'context').length;
  return n;
}

async function sendReport(
  deps: EngineDeps,
  settings: ReviewSettings,
  mergeBase: string,
  outcome: ReviewOutcome,
  notes: { warnings: string[] },
): Promise<string | undefined> {
  if (!deps.resultsApi || settings.pr.number <= 0) return undefined;
  const report = toReviewReport(outcome, {
    repository: settings.repository,
    pullRequest: settings.pr.number,
    headSha: settings.pr.headSha,
    baseSha: mergeBase,
  });
  const sent = await deps.resultsApi.sendReport(report);
  if ('warning' in sent) {
    notes.warnings.push(sent.warning);
    return undefined;
  }
  return sent.url;
}

/** The summary comment (updated in place) and the completed check run. */
async function publish(
  deps: EngineDeps,
  settings: ReviewSettings,
  outcome: ReviewOutcome,
  ctx: {
    anchored: AnchoredFinding[];
    unanchored: UnanchoredFinding[];
    checkId: number | undefined;
    mergeBase: string;
    resultsUrl: string | undefined;
    notes: { warnings: string[]; errors: string[] };
  },
): Promise<void> {
  const github = deps.github;
  if (!github) return;
  const render = { serverUrl: settings.serverUrl };
  const fingerprints = [...new Set([...ctx.anchored, ...outcome.unanchored].map((f) => f.fingerprint))];
  const summary = renderSummary(outcome, {
    ...render,
    repository: settings.repository,
    prNumber: settings.pr.number,
    headSha: settings.pr.headSha,
    ...(ctx.resultsUrl ? { resultsUrl: ctx.resultsUrl } : {}),
    state: {
      version: SUMMARY_STATE_VERSION,
      headSha: settings.pr.headSha,
      baseSha: ctx.mergeBase,
      fingerprints,
    },
  });
  await deliver(ctx.notes, () => github.upsertSummaryComment(settings.pr.number, summary));
  if (ctx.checkId !== undefined) {
    const checkId = ctx.checkId;
    await deliver(ctx.notes, () =>
      github.completeCheckRun(checkId, {
        conclusion: outcome.conclusion,
        output: renderCheckOutput(outcome, render),
        annotations: buildAnnotations(ctx.anchored),
      }),
    );
  }
}

/** Runs one GitHub delivery; a failure is recorded (and named) instead of stopping the other deliveries. */
async function deliver<T>(
  notes: { errors: string[] },
  fn: () => Promise<T> | undefined,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    notes.errors.push(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
