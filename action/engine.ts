import { severityRank, type DiffrayConfig, type Finding } from '../shared/index.js';
import { anchorFindings } from './core/anchor.js';
import { buildCoverage } from './core/coverage.js';
import { parseDiff } from './core/diff.js';
import { buildSystemPrompt } from './core/prompt.js';
import { scanAndRedact, secretFinding } from './core/secrets.js';
import { selectFiles } from './core/select.js';
import { estimateTokens } from './core/tokens.js';
import { ConfigError, SkipError } from './errors.js';
import type { ExistingMarkers } from './ports.js';
import type { AnchoredFinding, DiffFile, ReviewOutcome, UnanchoredFinding } from './types.js';
import { loadEffectiveConfig, loadGuidelines, reportConfigError } from './steps/config.js';
import { createHeadReader } from './steps/head-files.js';
import { assembleOutcome } from './steps/outcome.js';
import { postReview, publish, replyToFixed, sendReport } from './steps/publish.js';
import { failedSkips, planReview, runReviewJobs } from './steps/review.js';
import {
  deliver,
  type Effective,
  type EngineDeps,
  type Notes,
  type ReviewSettings,
} from './steps/run-context.js';
import { chooseScope } from './steps/scope.js';
import { vetSuggestions } from './steps/suggestions.js';
import { trackLifecycle } from './steps/track.js';
import { validateFindings } from './steps/validate.js';

export { MAX_OUTPUT_TOKENS, MODEL_CONCURRENCY, REQUEST_BUDGET_TOKENS } from './steps/review.js';
export type { EngineDeps, ReviewSettings } from './steps/run-context.js';

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

/** Reviews one PR (or local range) end to end through the ports; each stage is a step in action/steps/. */
export async function runReview(deps: EngineDeps, settings: ReviewSettings): Promise<ReviewRun> {
  const started = deps.clock.now();
  const notes: Notes = { warnings: [], errors: [] };
  // What is on the PR already: read while git fetches (both are waits on the network).
  const github = deps.github;
  const existing = github
    ? deliver(notes, () => github.listExistingFindingMarkers(settings.pr.number))
    : Promise.resolve(undefined);
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
    return await review(deps, settings, { mergeBase, effective, checkId, notes, started, existing });
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

interface RunState {
  mergeBase: string;
  effective: Effective;
  checkId: number | undefined;
  notes: Notes;
  started: number;
  existing: Promise<ExistingMarkers | undefined>;
}

async function review(deps: EngineDeps, settings: ReviewSettings, run: RunState): Promise<ReviewRun> {
  const { effective, notes, mergeBase } = run;
  const { config } = effective;
  const { github } = deps;
  const pr = settings.pr;

  // What is on the PR already, and what this push changed.
  const [existing, diffText] = await Promise.all([run.existing, deps.git.diff(mergeBase, pr.headSha)]);
  const previous = existing?.state;
  const prFiles = parseDiff(diffText);
  const guidelinesLoading = loadGuidelines(deps, pr.baseSha, config);
  guidelinesLoading.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  deps.log.info(`Diff: ${prFiles.length} files changed`);
  const scope = await chooseScope(deps, { mergeBase, headSha: pr.headSha, prFiles, previous });

  // Secrets are scanned in every file (a secret in an excluded file is still a leak), before selection.
  const { files: redacted, hits } = scanAndRedact(prFiles);
  if (hits.length > 0) deps.log.info(`Secrets redacted before review: ${hits.length} (reported as findings)`);
  const inScope = new Set(scope.review.map((f) => f.path));
  const selection = selectFiles(
    redacted.filter((f) => inScope.has(f.path)),
    { exclude: [...(config.exclude ?? []), ...settings.exclude] },
  );
  deps.log.info(
    `Selected ${selection.selected.length} files for review, skipped ${selection.skipped.length}`,
  );

  // The model passes: review (budgeted, routed), then validation of new severe findings.
  const readHead = createHeadReader(deps, pr.headSha, prFiles);
  const guidelines = await guidelinesLoading;
  const system = buildSystemPrompt({
    ...(config.language ? { language: config.language } : {}),
    ...(config.strictness ? { strictness: config.strictness } : {}),
    ...(guidelines.text ? { guidelines: guidelines.text } : {}),
  });
  const plan = await planReview(deps, settings, effective, {
    files: selection.selected,
    systemTokens: estimateTokens(system),
    readHead,
  });
  const results = await runReviewJobs(deps, settings, effective, plan, system);
  const secrets = hits.map(secretFinding);
  const anchoredAll = anchorFindings([...secrets, ...filterBySeverity(results.findings, config)], redacted);
  const known = new Set([
    ...(existing?.fingerprints ?? []),
    ...(previous?.lifecycle?.open ?? []).map((f) => f.fingerprint),
  ]);
  const isSecret = (f: Finding) =>
    secrets.some((s) => s.path === f.path && s.line === f.line && s.title === f.title);
  const validation = await validateFindings(deps, effective, {
    findings: [...anchoredAll.anchored, ...anchoredAll.unanchored],
    skip: (f) => isSecret(f) || known.has(f.fingerprint),
    readHead,
  });
  const kept = new Set<Finding>(validation.kept);
  const anchored = await vetSuggestions(
    deps,
    anchoredAll.anchored.filter((f) => kept.has(f)),
    readHead,
  );

  // Coverage, then the life of each finding across pushes.
  const coverage = buildCoverage({
    files: prFiles,
    skipped: [...selection.skipped, ...plan.skipped],
    chunks: results.chunks,
    failedChunks: results.failedChunks,
    reviewedEarlier: scope.unchanged,
  });
  const threads =
    github && known.size > 0 ? await deliver(notes, () => github.listReviewThreads(pr.number)) : undefined;
  const lifecycle = await trackLifecycle({
    previous,
    anchored,
    headSha: pr.headSha,
    reviewedPaths: coveredPaths(coverage.files, prFiles, previous?.lifecycle?.open ?? []),
    threads,
    readHead,
  });
  const dismissed = new Set(lifecycle.next.dismissed);
  const toPost = anchored.filter((f) => !dismissed.has(f.fingerprint));
  const listed = anchoredAll.unanchored.filter((f) => kept.has(f) && !dismissed.has(f.fingerprint));

  // GitHub: the review, replies in fixed threads, the report, the summary and the check.
  const posted = await postReview(
    deps,
    settings,
    {
      anchored: toPost,
      unanchored: listed,
      known: existing?.fingerprints ?? new Set(),
      maxComments: effective.maxComments,
    },
    notes,
  );
  const replies = await replyToFixed(deps, settings, lifecycle.fixed, threads, notes);
  const outcome = assembleOutcome({
    effective,
    posted,
    current: [...toPost, ...listed],
    hits,
    results,
    skipped: [...selection.skipped, ...plan.skipped, ...failedSkips(results)],
    overBudget: plan.skipped.filter((s) => s.reason === 'over-budget').length,
    coverage,
    range: scope.range,
    lifecycle,
    since: previous?.headSha !== pr.headSha ? previous?.headSha : undefined,
    replies,
    validation: validation.stats,
    extra: { usage: validation.usage, costUsd: validation.costUsd },
    guidelines: guidelines.files,
    durationMs: Math.max(0, deps.clock.now() - run.started),
  });
  const resultsUrl = await sendReport(deps, settings, mergeBase, outcome, notes);
  await publish(deps, settings, outcome, {
    checkId: run.checkId,
    mergeBase,
    resultsUrl,
    lifecycle: lifecycle.next,
    anchored: toPost,
    notes,
  });
  return {
    outcome,
    findings: [...toPost, ...posted.unanchored],
    mergeBase,
    ...(resultsUrl ? { resultsUrl } : {}),
    ...notes,
  };
}

function filterBySeverity(findings: Finding[], config: DiffrayConfig): Finding[] {
  const min = config['min-severity'];
  if (min === undefined) return findings;
  return findings.filter((f) => severityRank(f.severity) <= severityRank(min));
}

/**
 * Paths where an open finding may be called fixed: files this run reviewed in full, files deleted, and
 * files the PR no longer changes at all (nothing left to look at).
 */
function coveredPaths(
  coverage: { path: string; status: string }[],
  prFiles: DiffFile[],
  open: { path: string }[],
): Set<string> {
  const paths = new Set(coverage.filter((f) => f.status === 'reviewed').map((f) => f.path));
  for (const f of prFiles) if (f.status === 'deleted') paths.add(f.path);
  const inPr = new Set(prFiles.map((f) => f.path));
  for (const f of open) if (!inPr.has(f.path)) paths.add(f.path);
  return paths;
}
