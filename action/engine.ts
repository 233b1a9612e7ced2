import { severityRank, type DiffrayConfig, type Finding } from '../shared/index.js';
import { anchorFindings } from './core/findings/anchor.js';
import {
  countDrops,
  filterFindings,
  ruleSources,
  ruleTextFor,
  type DroppedFinding,
} from './core/findings/filters.js';
import { reviewedLines } from './core/output/code-runs.js';
import { buildCoverage } from './core/output/coverage.js';
import { mergeWalkthrough } from './core/output/walkthrough.js';
import { linesLeftOut, narrowToPush } from './core/input/incremental.js';
import { buildSystemPrompt } from './core/plan/prompt.js';
import { scanAndRedact, secretFinding } from './core/input/secrets.js';
import { selectFiles } from './core/input/select.js';
import { estimateTokens } from './core/plan/tokens.js';
import { shortSha } from './core/text.js';
import { CancelledError, ConfigError, SkipError } from './errors.js';
import type { CheckRunResult, ExistingMarkers } from './ports.js';
import type { AnchoredFinding, DiffFile, ReviewOutcome, UnanchoredFinding } from './core/types.js';
import { cancellation, type Cancellation } from './steps/cancellation.js';
import {
  loadEffectiveConfig,
  loadGuidelines,
  loadNestedGuidelines,
  noteBaseFileChanges,
} from './steps/config.js';
import { createHeadReader, readsHead } from './steps/head-files.js';
import { createModelLanes } from './steps/model-lanes.js';
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
import { readReviewThreads, trackLifecycle } from './steps/track.js';
import { validateFindings } from './steps/validate.js';

export { DEFAULT_MODEL_LANES } from './steps/model-lanes.js';
export { MAX_OUTPUT_TOKENS, REQUEST_BUDGET_TOKENS } from './steps/review.js';
export type { EngineDeps, ReviewSettings } from './steps/run-context.js';

export interface ReviewRun {
  outcome: ReviewOutcome;
  /** Every finding of the run with its fingerprint (for SARIF and the CLI). */
  findings: (AnchoredFinding | UnanchoredFinding)[];
  /** The findings dropped by the filters in code and by validation, with why (`--show-dropped`). */
  dropped: DroppedFinding<AnchoredFinding | UnanchoredFinding>[];
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
  const pr = settings.pr;
  // git first (its first command is spawned at once), then the check and what is on the PR already,
  // requested while git fetches: all are waits on the network. From here on, every way the run ends
  // completes the check.
  const mergeBasing = deps.git.mergeBase(pr.baseSha, pr.headSha);
  const github = deps.github;
  const checkId = deliver(notes, () => github?.createCheckRun(pr.headSha));
  const existing = readExisting(deps, pr.number);
  const currentHead = readCurrentHead(deps, pr.number);
  const cancel = cancellation(settings.signal);
  try {
    return await cancel.race(reviewFromBase());
  } catch (error) {
    const id = await checkId;
    if (id !== undefined)
      await deliver(notes, () => github?.completeCheckRun(id, stoppedCheck(error, settings)));
    // What the run noted before it stopped (the account's held config keys, a broken config in this PR...)
    // still reaches the log.
    for (const warning of notes.warnings) deps.log.warning(warning);
    for (const failed of notes.errors) deps.log.warning(failed);
    throw error;
  }

  async function reviewFromBase(): Promise<ReviewRun> {
    const mergeBase = await mergeBasing;
    // The diff needs only the two commits: git computes it while the config is read, and each file is
    // scanned for secrets as soon as it is parsed, while git writes the rest.
    const scans: SecretScan[] = [];
    const diff = deps.git.diffFiles(mergeBase, pr.headSha, (files) =>
      scans.push({ input: files, ...scanAndRedact(files) }),
    );
    diff.catch(() => undefined); // awaited in review(); not an unhandled rejection if the config fails first
    const effective = await loadEffectiveConfig(deps, settings, notes);
    const command = settings.event === 'command';
    if (pr.draft && !effective.config['review-drafts'] && !command) {
      throw new SkipError(
        'Draft pull request: not reviewed (set review-drafts: true in the config to review drafts)',
      );
    }
    // A re-run of an older run (or one that started after a newer push) reviews a head the PR has left:
    // its review and summary would overwrite the newer run's, so it stops here and leaves that to the
    // newer run. A push during the review is checked again before posting (see review()).
    const head = await currentHead;
    if (head !== undefined && head !== pr.headSha) {
      throw new SkipError(
        `Outdated run: the pull request's head is now ${shortSha(head)}, and this run is for ` +
          `${shortSha(pr.headSha)} (a re-run of an older run?). Not reviewed: the run for the newer head reviews it.`,
      );
    }
    // A paused PR is reviewed only on demand. The summary says so, and `@diffray resume` ends it.
    if (!command && (await existing)?.paused) {
      throw new SkipError(
        'Automatic reviews are paused on this pull request (`@diffray pause`): comment `@diffray resume` ' +
          'to resume them, or `@diffray review` for one review now.',
      );
    }
    return review(deps, settings, {
      mergeBase,
      diff,
      scans,
      effective,
      checkId,
      notes,
      started,
      existing,
      cancel,
    });
  }
}

/**
 * What earlier runs left on the PR: the findings they posted and the summary with its state. A run that
 * cannot read it stops before its first write: it would post again every finding already on the PR,
 * dismissed ones included, and overwrite the summary's state, which would bring the dismissed findings
 * back on every later run. Undefined without GitHub.
 */
function readExisting(deps: EngineDeps, prNumber: number): Promise<ExistingMarkers | undefined> {
  if (!deps.github) return Promise.resolve(undefined);
  const reading = deps.github.listExistingFindingMarkers(prNumber).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Could not read what earlier runs left on the pull request (${reason}). Nothing posted: without it ` +
        "this run would post again the findings already on the PR, dismissed ones included, and overwrite the summary's record of them.",
    );
  });
  reading.catch(() => undefined); // awaited in review(); not an unhandled rejection if the run stops first
  return reading;
}

/** The PR's head as GitHub has it now; undefined without GitHub or when it cannot say (the run goes on). */
function readCurrentHead(deps: EngineDeps, prNumber: number): Promise<string | undefined> {
  if (!deps.github) return Promise.resolve(undefined);
  return deps.github.currentHead(prNumber).catch((error: unknown) => {
    deps.log.debug(`Could not read the PR's current head: ${(error as Error).message}`);
    return undefined;
  });
}

/**
 * The check of a run that stopped before its verdict. A broken config fails it: every PR goes unreviewed
 * until the maintainers fix the file, so it must not pass as quietly as a neutral check does. A run the
 * runner cancelled is `cancelled`; a skip (a draft, an outdated run) and any other error are neutral, with
 * the reason.
 */
function stoppedCheck(error: unknown, settings: ReviewSettings): CheckRunResult {
  const check = (conclusion: CheckRunResult['conclusion'], title: string, summary: string) => ({
    conclusion,
    output: { title, summary },
    annotations: [],
  });
  if (error instanceof ConfigError)
    return check('failure', `Invalid ${settings.configFile}`, '```\n' + error.message + '\n```');
  if (error instanceof CancelledError) return check('cancelled', 'Cancelled', error.message);
  if (error instanceof SkipError) return check('neutral', error.title, error.message);
  const message = error instanceof Error ? error.message : String(error);
  return check('neutral', 'Review did not complete', `diffray stopped: ${message}`);
}

/** `scanAndRedact` of a batch of the diff's files (`input`), made while the diff streamed in. */
type SecretScan = { input: DiffFile[] } & ReturnType<typeof scanAndRedact>;

interface RunState {
  mergeBase: string;
  /** The files of `git diff` merge base → head, started before the config was read. */
  diff: Promise<DiffFile[]>;
  /** The diff's files scanned for secrets, batch by batch as they were parsed. */
  scans: SecretScan[];
  effective: Effective;
  checkId: Promise<number | undefined>;
  notes: Notes;
  started: number;
  existing: Promise<ExistingMarkers | undefined>;
  cancel: Cancellation;
}

async function review(deps: EngineDeps, settings: ReviewSettings, run: RunState): Promise<ReviewRun> {
  const { effective, notes, mergeBase } = run;
  const { config } = effective;
  const { github } = deps;
  const pr = settings.pr;
  const guidelinesLoading = loadGuidelines(deps, pr.baseSha, config);
  guidelinesLoading.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile

  // What is on the PR already, and what this push changed.
  const [existing, prFiles] = await Promise.all([run.existing, run.diff]);
  const previous = existing?.state;
  deps.log.info(`Diff: ${prFiles.length} files changed`);
  await noteBaseFileChanges(deps, settings, prFiles, config, notes);
  const nestedLoading = loadNestedGuidelines(deps, pr.baseSha, config, prFiles);
  nestedLoading.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const scope = await chooseScope(deps, {
    mergeBase,
    headSha: pr.headSha,
    prFiles,
    previous,
    ...(settings.fullReview ? { full: true } : {}),
  });

  // Selection looks at paths and file kinds only, and git starts reading the selected files' head
  // versions (for context) at once, while the rest is prepared.
  const inScope = new Set(scope.review.map((f) => f.path));
  const selected = selectFiles(
    prFiles.filter((f) => inScope.has(f.path)),
    { exclude: [...(config.exclude ?? []), ...settings.exclude] },
  );
  const readHead = createHeadReader(deps, pr.headSha, prFiles, {
    prefetch: selected.selected.filter(readsHead).map((f) => f.path),
  });

  // Every file was scanned for secrets as the diff came in (a secret in an excluded file is still a
  // leak); only the redacted files go further.
  const { files: redacted, hits } = scannedDiff(prFiles, run.scans);
  if (hits.length > 0) deps.log.info(`Secrets redacted before review: ${hits.length} (reported as findings)`);
  const redactedOf = new Map(prFiles.map((f, i) => [f, redacted[i]!]));
  // An incremental run sends only the PR hunks the push changed; a file left with none has nothing new.
  const selection = {
    ...selected,
    selected: selected.selected
      .map((f) => narrowToPush(redactedOf.get(f)!, scope.pushedHunks))
      .filter((f) => f.hunks.length > 0 || !scope.pushedHunks.has(f.path)),
  };
  deps.log.info(
    `Selected ${selection.selected.length} files for review, skipped ${selection.skipped.length}`,
  );

  // The model passes: review (budgeted, routed), then validation of new severe findings.
  const [guidelines, nested] = await Promise.all([guidelinesLoading, nestedLoading]);
  const system = buildSystemPrompt({
    ...(config.language ? { language: config.language } : {}),
    ...(config.strictness ? { strictness: config.strictness } : {}),
    ...(guidelines.text ? { guidelines: guidelines.text } : {}),
    walkthrough: config.walkthrough !== false,
  });
  const plan = await planReview(deps, settings, effective, {
    files: selection.selected,
    systemTokens: estimateTokens(system),
    readHead,
    guidelines: nested,
  });
  // One set of lanes for both model passes: they draw on the same rate limits.
  const lanes = createModelLanes({
    clock: deps.clock,
    log: deps.log,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(settings.signal ? { signal: settings.signal } : {}),
  });
  const results = await runReviewJobs(deps, settings, effective, plan, system, lanes);
  // Read again while the findings are validated: a push during the review starts a newer run, which
  // (without the README's cancel-in-progress) may finish first; this run's summary would then overwrite it.
  const headAfterReview = readCurrentHead(deps, pr.number);
  // The check stays neutral (the PR is not at fault), but the step fails once everything is posted: a key,
  // model or plan problem would otherwise pass every run unnoticed behind a grey check.
  if (results.fatal !== undefined) notes.errors.push(`The review could not run: ${results.fatal}`);
  const secrets = hits.map(secretFinding);
  const anchoredAll = anchorFindings([...secrets, ...filterBySeverity(results.findings, config)], redacted);
  const known = new Set([
    ...(existing?.fingerprints ?? []),
    ...(previous?.lifecycle?.open ?? []).map((f) => f.fingerprint),
  ]);
  const isSecret = (f: Finding) =>
    secrets.some((s) => s.path === f.path && s.line === f.line && s.title === f.title);
  const sources = ruleSources(config.rules ?? [], [...guidelines.sources, ...nested]);
  // Secrets are certain, and findings already on the PR were filtered and graded when first raised.
  const exempt = (f: Finding & { fingerprint: string }) => isSecret(f) || known.has(f.fingerprint);
  const raised = [...anchoredAll.anchored, ...anchoredAll.unanchored];
  const filtered = filterFindings(
    raised.filter((f) => !exempt(f)),
    { files: redacted, sources, lines: findingLines },
  );
  const dropped: DroppedFinding<AnchoredFinding | UnanchoredFinding>[] = [...filtered.dropped];
  if (dropped.length > 0) deps.log.info(`Filters: ${dropped.length} findings dropped before validation`);
  const filteredOut = new Set(dropped.map((d) => d.finding));
  const validation = await validateFindings(deps, settings, effective, {
    findings: raised.filter((f) => !filteredOut.has(f)),
    skip: exempt,
    readHead,
    lanes,
    context: { files: redacted, ruleText: (rule) => ruleTextFor(rule, sources) },
    lines: findingLines,
  });
  for (const d of validation.dropped)
    dropped.push({ finding: d.finding, reason: 'validation', detail: d.reason, score: d.score });
  const anchored = await vetSuggestions(
    deps,
    validation.kept.filter((f): f is AnchoredFinding => 'anchor' in f),
    readHead,
  );

  // Coverage, then the life of each finding across pushes.
  const coverage = buildCoverage({
    files: prFiles,
    skipped: [...selection.skipped, ...plan.skipped],
    chunks: results.chunks,
    failedChunks: results.failedChunks,
    reviewedEarlier: scope.unchanged,
    linesReviewedEarlier: linesLeftOut(prFiles, scope.pushedHunks),
  });
  const threadsRead =
    github && known.size > 0 ? await readReviewThreads(github, pr.number, notes) : undefined;
  const threads = threadsRead?.threads;
  const lifecycle = await trackLifecycle({
    previous,
    anchored,
    headSha: pr.headSha,
    reviewedPaths: coveredPaths(coverage.files, prFiles, previous?.lifecycle?.open ?? []),
    threads,
    readHead,
    allowedAssociations: config.commands?.['allowed-associations'],
  });
  const dismissed = new Set(lifecycle.next.dismissed);
  const toPost = anchored.filter((f) => !dismissed.has(f.fingerprint));
  const listed = validation.kept.filter(
    (f): f is UnanchoredFinding => !('anchor' in f) && !dismissed.has(f.fingerprint),
  );

  const headNow = await headAfterReview;
  if (headNow !== undefined && headNow !== pr.headSha) {
    throw new SkipError(
      `Outdated run: the pull request's head moved to ${shortSha(headNow)} while this run reviewed ` +
        `${shortSha(pr.headSha)}. Nothing posted: the run for the newer head reviews everything since the last posted review.`,
    );
  }

  // GitHub: the review, replies in fixed threads, the report, the summary and the check. A cancellation
  // from here on is ignored: these writes take seconds, and stopping among them would leave a review
  // without its summary, or a verdict overwritten by "cancelled".
  run.cancel.commit();
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
  const replies = await replyToFixed(
    deps,
    settings,
    lifecycle.fixed,
    threads,
    notes,
    config['resolve-fixed-threads'] ?? true,
  );
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
    ...(threadsRead && 'unread' in threadsRead ? { threadsUnread: threadsRead.unread } : {}),
    validation: validation.stats,
    filtered: countDrops(filtered.dropped),
    extra: { usage: validation.usage, costUsd: validation.costUsd },
    guidelines: [...guidelines.files, ...nested.map((g) => g.path)],
    walkthrough: mergeWalkthrough(results.walkthroughs, prFiles),
    durationMs: Math.max(0, deps.clock.now() - run.started),
  });
  const code = reviewedLines(redacted, results.chunks);
  const resultsUrl = await sendReport(deps, settings, mergeBase, outcome, notes, code);
  await publish(deps, settings, outcome, {
    checkId: await run.checkId,
    mergeBase,
    resultsUrl,
    summaryComment: existing?.summary,
    paused: existing?.paused === true,
    lifecycle: lifecycle.next,
    anchored: toPost,
    notes,
  });
  return {
    outcome,
    findings: [...toPost, ...posted.unanchored],
    dropped,
    mergeBase,
    ...(resultsUrl ? { resultsUrl } : {}),
    ...notes,
  };
}

/**
 * The scans made while the diff streamed in, when they cover exactly its files in order; otherwise (a
 * port that does not report batches) the diff scanned now.
 */
function scannedDiff(files: DiffFile[], scans: SecretScan[]): ReturnType<typeof scanAndRedact> {
  const input = scans.flatMap((s) => s.input);
  if (input.length !== files.length || input.some((f, i) => f !== files[i])) return scanAndRedact(files);
  return { files: scans.flatMap((s) => s.files), hits: scans.flatMap((s) => s.hits) };
}

/** The lines a finding points at: its anchor on the diff, or the lines it gave when it has none. */
function findingLines(f: AnchoredFinding | UnanchoredFinding): { start: number; end: number } {
  if ('anchor' in f) return { start: f.anchor.startLine ?? f.anchor.line, end: f.anchor.line };
  return { start: f.startLine ?? f.line, end: f.line };
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
