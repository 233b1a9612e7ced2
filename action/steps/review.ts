import type { Finding } from '../../shared/index.js';
import { addRepairs, repairCounts, type AnswerRepairs } from '../core/findings/answer.js';
import { answerRepairsLine } from '../core/output/phrases.js';
import { buildChunks } from '../core/plan/chunk.js';
import { planContext, wantsContext } from '../core/plan/context.js';
import { addUsage, estimateCostUsd } from '../core/plan/cost.js';
import { applyBudget, estimateDiffTokens, prioritizeFiles } from '../core/plan/priority.js';
import { buildUserPrompt, findingsTool, promptSizing, type Guidance } from '../core/plan/prompt.js';
import type { NestedGuideline } from '../core/plan/guidelines.js';
import {
  buildOverviewPrompt,
  fitOverview,
  OVERVIEW_MAX_OUTPUT_TOKENS,
  OVERVIEW_RESERVE_TOKENS,
  OVERVIEW_SYSTEM,
} from '../core/plan/overview.js';
import { createModelRouter } from '../core/plan/routing.js';
import { redactSecrets } from '../core/input/secrets.js';
import type { RequestCost } from '../core/plan/rate-budget.js';
import { estimateTokens } from '../core/plan/tokens.js';
import { classifyTrivial, MODEL_ROUTES } from '../core/plan/triage.js';
import type {
  DiffFile,
  ReviewChunk,
  ReviewOutcome,
  SkippedFile,
  TokenUsage,
  WalkthroughPart,
} from '../core/types.js';
import type { AttemptObserver, ModelResult } from '../ports.js';
import type { HeadReader } from './head-files.js';
import type { ModelLanes } from './model-lanes.js';
import type { Effective, EngineDeps, ReviewSettings } from './run-context.js';

/**
 * Input tokens of one request's variable part: its whole user message (PR text, guidance, listings), as
 * estimated by packing. The stable prefix (tools + system prompt, guidelines included) is not counted: it
 * is the same in every request and read from the prompt cache after the first, and cache reads do not
 * count against per-minute input limits either. Big enough that a typical PR (a few files, ~1.5k changed
 * lines with context) is one request, so the cached system prefix is paid for once; small enough that a
 * request fits well inside common per-minute input limits, the model's attention per file stays high, and
 * each answer (bounded by MAX_OUTPUT_TOKENS) returns in well under a minute.
 */
export const REQUEST_BUDGET_TOKENS = 60_000;
export const MAX_OUTPUT_TOKENS = 8_192;

type Item = { file: DiffFile; context?: Map<number, string> };

/**
 * What the user prompt is built from besides the chunk: the PR text (redacted) and the team guidance (rules,
 * instructions, the guideline files of directories below the root).
 */
function promptInputs(settings: ReviewSettings, effective: Effective, guidelines: NestedGuideline[]) {
  return {
    pr: { title: redactSecrets(settings.pr.title), body: redactSecrets(settings.pr.body) },
    guidance: {
      rules: effective.config.rules ?? [],
      instructions: effective.config.instructions ?? [],
      guidelines,
    } satisfies Guidance,
  };
}

export interface ReviewJob {
  chunk: ReviewChunk;
  /** `trivial` chunks (docs, renames, formatting) go to the cheap triage model. */
  route: 'main' | 'trivial';
}

export interface ReviewPlan {
  jobs: ReviewJob[];
  /** Files not sent: too large for a request, or over the per-PR budget (riskiest files went first). */
  skipped: SkippedFile[];
  /** The cheap model trivial files go to, and how many there are (0 when routing is off). */
  triage: { model: string; files: number };
  /** The guideline files of directories below the root, sent with the files under them. */
  guidelines: NestedGuideline[];
  /** The files reviewed, for the PR-wide overview of a split review. */
  files: DiffFile[];
}

/**
 * Reads context, fits the files into the per-PR budget riskiest first, and packs them into requests: the
 * trivial ones into their own chunks for the cheap model, the rest for the configured model.
 */
export async function planReview(
  deps: EngineDeps,
  settings: ReviewSettings,
  effective: Effective,
  input: { files: DiffFile[]; systemTokens: number; readHead: HeadReader; guidelines?: NestedGuideline[] },
): Promise<ReviewPlan> {
  const items = await readContexts(input.files, input.readHead);
  const budget = effective.config.budget;
  let admitted = items;
  const skipped: SkippedFile[] = [];
  if (budget?.['max-input-tokens'] !== undefined || budget?.['max-cost-usd'] !== undefined) {
    // Only a budget needs the size of each file's context.
    const contextTokens = new Map(
      items.map((i) => [i.file, i.context ? estimateTokens([...i.context.values()].join('\n')) : 0]),
    );
    const ranked = prioritizeFiles(
      items.map((i) => i.file),
      {
        rules: effective.config.rules ?? [],
        estimate: (f) => estimateDiffTokens(f) + (contextTokens.get(f) ?? 0),
      },
    );
    const fitted = applyBudget(ranked, {
      model: effective.model,
      fixedTokens: input.systemTokens,
      ...(budget['max-input-tokens'] !== undefined ? { maxInputTokens: budget['max-input-tokens'] } : {}),
      ...(budget['max-cost-usd'] !== undefined ? { maxCostUsd: budget['max-cost-usd'] } : {}),
    });
    const kept = new Set(fitted.reviewed);
    admitted = items.filter((i) => kept.has(i.file));
    skipped.push(...fitted.skipped);
    if (fitted.skipped.length > 0)
      deps.log.info(`Budget: ${fitted.reviewed.length} files fit, ${fitted.skipped.length} over budget`);
  }

  const triageModel = MODEL_ROUTES.triage;
  const routing = triageModel !== effective.model;
  const trivial = routing ? admitted.filter((i) => classifyTrivial(i.file).trivial) : [];
  const trivialSet = new Set(trivial);
  const main = admitted.filter((i) => !trivialSet.has(i));
  const guidelines = input.guidelines ?? [];
  const { pr, guidance } = promptInputs(settings, effective, guidelines);
  const pack = (chosen: Item[], overviewTokens: number) => {
    const sizing = promptSizing(pr, guidance, overviewTokens);
    return buildChunks(
      chosen.map((i) => ({ ...i, applies: sizing.applies(i.file) })),
      {
        budgetTokens: settings.budgetTokens ?? REQUEST_BUDGET_TOKENS,
        frameTokens: sizing.frameTokens,
        guidanceTokens: sizing.guidanceTokens,
      },
    );
  };
  let packedMain = pack(main, 0);
  let packedTrivial = pack(trivial, 0);
  // A split review carries the PR-wide overview in every request: packed again with room kept for it.
  if (packedMain.chunks.length + packedTrivial.chunks.length > 1) {
    packedMain = pack(main, OVERVIEW_RESERVE_TOKENS);
    packedTrivial = pack(trivial, OVERVIEW_RESERVE_TOKENS);
  }
  skipped.push(...packedMain.skipped, ...packedTrivial.skipped);
  return {
    jobs: [
      ...packedMain.chunks.map((chunk): ReviewJob => ({ chunk, route: 'main' })),
      ...packedTrivial.chunks.map((chunk): ReviewJob => ({
        chunk: { ...chunk, id: `t${chunk.id}` },
        route: 'trivial',
      })),
    ],
    skipped,
    triage: { model: triageModel, files: trivial.length },
    guidelines,
    files: admitted.map((i) => i.file),
  };
}

/**
 * Surrounding lines for each file, keyed by new-file line number, from the head version of the file.
 * Every context line is redacted: secrets in unchanged lines must not reach the model either.
 */
async function readContexts(files: DiffFile[], readHead: HeadReader): Promise<Item[]> {
  return Promise.all(
    files.map(async (file) => {
      if (!wantsContext(file)) return { file };
      // Context is a help, not a requirement: an unreadable file is reviewed from its diff alone.
      const text = await readHead(file.path).catch(() => undefined);
      if (text === undefined) return { file };
      const lines = text.split('\n');
      const plan = planContext(file, lines);
      const context = new Map<number, string>();
      for (const n of plan.enclosing) context.set(n, redactSecrets(truncateLine(lines[n - 1]!)));
      for (const { start, end } of plan.ranges) {
        for (let n = start; n <= end; n++) context.set(n, redactSecrets(lines[n - 1]!));
      }
      return context.size > 0 ? { file, context } : { file };
    }),
  );
}

/** An enclosing line is there to name the block: a minified or generated one-liner is cut short. */
const MAX_SIGNATURE_CHARS = 240;

function truncateLine(line: string): string {
  return line.length > MAX_SIGNATURE_CHARS ? `${line.slice(0, MAX_SIGNATURE_CHARS)} …` : line;
}

export interface ChunkResults {
  findings: Finding[];
  usage: TokenUsage;
  costUsd: number;
  chunks: ReviewChunk[];
  reviewedChunks: ReviewChunk[];
  failedChunks: ReviewOutcome['failedChunks'];
  routing: NonNullable<ReviewOutcome['routing']>;
  /** Findings of the answers dropped as unrepairable, and how many were kept after a repair. */
  repairs: AnswerRepairs;
  /** Each answered request's walkthrough of its part of the PR, with its chunk (config `walkthrough`). */
  walkthroughs: { chunk: ReviewChunk; walkthrough: WalkthroughPart }[];
  /**
   * The first error that stopped requests beyond its own (a rejected key, a spend cap, a model the key may
   * not use): no retry or later run gets past it until someone changes the key, the model or the plan.
   */
  fatal?: string;
}

/**
 * Sends the planned requests through the run's lanes (as many at once as the account's rate limits allow),
 * routing trivial chunks and overload fallbacks.
 */
export async function runReviewJobs(
  deps: EngineDeps,
  settings: ReviewSettings,
  effective: Effective,
  plan: ReviewPlan,
  system: string,
  lanes: ModelLanes,
): Promise<ChunkResults> {
  const { pr, guidance } = promptInputs(settings, effective, plan.guidelines);
  const router = createModelRouter(effective.model);
  const results: ChunkResults = {
    findings: [],
    usage: { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 },
    costUsd: 0,
    chunks: plan.jobs.map((j) => j.chunk),
    reviewedChunks: [],
    failedChunks: [],
    routing: plan.triage.files > 0 ? { triage: plan.triage } : {},
    repairs: { dropped: [], repaired: 0 },
    walkthroughs: [],
  };
  // What stopped requests beyond its own: every request (`account`), or those to one model.
  let accountBlocked: string | undefined;
  const modelBlocked = new Map<string, string>();
  // The first request goes alone; the others wait for its first token, when the cache entry of
  // the shared prefix (tools + system prompt) it writes becomes readable. Sent together, every one of them
  // would pay the cache write (1.25× the prefix) instead of a read (0.1×); the wait costs one time to
  // first token on the requests after the first, well inside the budget of a multi-request review.
  let release!: () => void;
  const warmed = new Promise<void>((resolve) => (release = resolve));
  const first = plan.jobs[0];
  // The first request to each model writes the prefix into its cache, which counts against the input limit;
  // the others read it, which does not.
  const walkthrough = effective.config.walkthrough !== false;
  const prefixTokens = estimateTokens(JSON.stringify(findingsTool(walkthrough)) + system);
  const prefixWritten = new Set<string>();
  const costOf = (model: string, chunk: ReviewChunk): RequestCost => ({
    input: chunk.estimatedTokens + (prefixWritten.has(model) ? 0 : prefixTokens),
    output: MAX_OUTPUT_TOKENS,
  });
  type Sent = ModelResult | { blocked: string };
  /** One request for `chunk`, started when its model's budget allows; not sent once its model is blocked. */
  const send = (pick: () => string, chunk: ReviewChunk, user: string, onFirstToken?: () => void) =>
    lanes.run<{ model: string; result: Sent }>({
      model: pick,
      cost: (model) => costOf(model, chunk),
      send: async (model: string, observer: AttemptObserver) => {
        const blocked = accountBlocked ?? modelBlocked.get(model);
        if (blocked !== undefined) return { model, result: { blocked } };
        prefixWritten.add(model);
        const result = await deps.model.review({
          model,
          system,
          user,
          maxOutputTokens: MAX_OUTPUT_TOKENS,
          walkthrough,
          observer,
          ...(onFirstToken ? { onFirstToken } : {}),
        });
        addUsage(results.usage, result.usage);
        results.costUsd += estimateCostUsd(model, result.usage);
        return { model, result };
      },
    });

  deps.log.info(`Reviewing in ${plan.jobs.length} request${plan.jobs.length === 1 ? '' : 's'}`);
  const overview = plan.jobs.length > 1 ? await summarizePr() : undefined;
  const gate = plan.jobs.length > 1 ? warmed : undefined;
  await Promise.all(
    plan.jobs.map(async (job) => {
      const warmer = gate !== undefined && job === first;
      if (gate !== undefined && !warmer) await gate;
      try {
        await reviewJob(job.chunk, job.route, warmer ? release : undefined);
      } finally {
        if (warmer) release();
      }
    }),
  );
  const fallback = router.fallbackUsed();
  if (fallback) results.routing.fallback = fallback;
  const fatal = accountBlocked ?? modelBlocked.values().next().value;
  return fatal === undefined ? results : { ...results, fatal };

  /**
   * The PR-wide overview of a split review: one request to the cheap model with the file list and hunk
   * headers, its answer cut to the room every chunk keeps for it. A failure only leaves the chunks without it.
   */
  async function summarizePr(): Promise<string | undefined> {
    const model = plan.triage.model;
    const user = buildOverviewPrompt(plan.files, pr);
    const result = await lanes.run({
      model: () => model,
      cost: () => ({ input: estimateTokens(OVERVIEW_SYSTEM + user), output: OVERVIEW_MAX_OUTPUT_TOKENS }),
      send: (_model, observer) =>
        deps.model.summarize({
          model,
          system: OVERVIEW_SYSTEM,
          user,
          maxOutputTokens: OVERVIEW_MAX_OUTPUT_TOKENS,
          observer,
        }),
    });
    // Counted with the review requests: the summary's usage row and every cost line show the run's totals.
    addUsage(results.usage, result.usage);
    results.costUsd += estimateCostUsd(model, result.usage);
    if (!result.ok) {
      deps.log.warning(`PR overview request failed (${result.error}); the requests go without it`);
      // What blocks every request (a rejected key, a spent cap) blocks the review's too, unsent.
      if (result.blocks === 'account') accountBlocked = result.error;
      if (result.blocks === 'model') modelBlocked.set(model, result.error);
      return undefined;
    }
    const { input, cacheWrite, cacheRead, output } = result.usage;
    deps.log.info(`PR overview (${model}): ${input + cacheWrite + cacheRead} input, ${output} output tokens`);
    return fitOverview(result.text);
  }

  async function reviewJob(chunk: ReviewChunk, route: ReviewJob['route'], onFirstToken?: () => void) {
    const files = [...new Set(chunk.slices.map((s) => s.file.path))];
    const user = buildUserPrompt(chunk, pr, guidance, overview);
    const pick = () => (route === 'trivial' ? plan.triage.model : router.primary());
    let sent = await send(pick, chunk, user, onFirstToken);
    if (route === 'main' && 'ok' in sent.result && !sent.result.ok) {
      const fallback = router.onFailure(sent.model, sent.result.error);
      if (fallback !== undefined) {
        deps.log.warning(`Request ${chunk.id}: ${sent.model} overloaded; sending it to ${fallback}`);
        sent = await send(() => fallback, chunk, user);
      }
    }
    const { model: used, result } = sent;
    if ('blocked' in result) {
      results.failedChunks.push({ id: chunk.id, files, error: `not sent: ${result.blocked}` });
      return;
    }
    if (result.ok) {
      // Trivial chunks bypass the router: their cheap model is often the fallback model too, so reporting
      // their success would claim an overload fallback that never happened.
      if (route === 'main') router.onSuccess(used);
      results.findings.push(...result.findings);
      results.reviewedChunks.push(chunk);
      deps.log.info(
        `Request ${chunk.id} (${used}): ${files.length} files, ${result.findings.length} findings`,
      );
      // Only what was asked for is shown: a model may answer with a walkthrough the config turned off.
      if (walkthrough && result.walkthrough)
        results.walkthroughs.push({ chunk, walkthrough: result.walkthrough });
      if (result.repairs) {
        addRepairs(results.repairs, result.repairs);
        deps.log.warning(`Request ${chunk.id}: ${answerRepairsLine(repairCounts(result.repairs))}`);
      }
    } else {
      results.failedChunks.push({ id: chunk.id, files, error: result.error });
      deps.log.warning(`Request ${chunk.id} failed: ${result.error}`);
      // A rejected key or a spent cap would fail every other request the same way, a refused model every
      // other request to it; a bad or too large request fails alone.
      if (result.blocks === 'account') accountBlocked = result.error;
      if (result.blocks === 'model') modelBlocked.set(used, result.error);
    }
  }
}

export function failedSkips(results: ChunkResults): SkippedFile[] {
  return results.failedChunks.flatMap((c) =>
    c.files.map((path): SkippedFile => ({ path, reason: 'request-failed', detail: c.error })),
  );
}
