import { parseArgs } from 'node:util';
import { FAIL_ON_VALUES, type FailOn } from '../shared/index.js';
import { createAnthropicPort } from './adapters/anthropic.js';
import { createGitPort } from './adapters/git.js';
import { execGitRunner, execGitStreamer, GitError } from './adapters/git-process.js';
import { nodeTypeStripper } from './adapters/type-stripper.js';
import { createWorkspacePort } from './adapters/workspace.js';
import { GITHUB_COM, SARIF_TOOL } from './core/constants.js';
import {
  describePastPrKinds,
  estimatePrecision,
  EVAL_HISTORY_COMMITS,
  flaggedLinesChanged,
  pickPastPrs,
  type EvalPr,
} from './core/findings/eval.js';
import { conclusionReason } from './core/output/phrases.js';
import { toSarif } from './core/output/sarif.js';
import { shortSha } from './core/text.js';
import { runReview, type ReviewRun } from './engine.js';
import { join } from 'node:path';
import { downloadPinned, preparePrRepo, resultCache, sha256 } from './adapters/bench-data.js';
import { renderBenchEval, runBenchEval, type PrResult } from './bench-eval.js';
import { renderSwePrBench, runSwePrBench, type SwePrResult } from './bench-swe.js';
import { extractJudgePrompt, MARTIAN } from './core/findings/bench.js';
import { SWE_PRBENCH, swePrBenchDataset } from './core/findings/swe-prbench.js';
import { VALIDATION_SYSTEM } from './core/findings/validation.js';
import { buildSystemPrompt, FINDINGS_TOOL } from './core/plan/prompt.js';
import type { GitPort, Logger, ModelRequest } from './ports.js';

const USAGE = `Usage: diffray review [--base REF] [--head REF] [--format text|json|sarif] [--model ID] [--fail-on LEVEL] [--show-dropped]
       diffray eval [--prs N] [--head REF] [--format text|json] [--model ID]
       diffray eval --bench martian|swe-prbench [--judge ID] [--limit N] [--cache DIR] [--dataset-pin COMMIT:SHA256]

review: reviews the changes between the merge base of --base (default: origin/HEAD, main or master) and
--head (default: HEAD) with the same engine as the GitHub Action, and prints the findings. Nothing is
posted. Exit code 1 when a finding reaches --fail-on (default high), 2 on errors. --show-dropped also lists
the findings the filters and the validation pass dropped, each with its reason (and score), to audit them.

eval: reviews the last N (default 10) merged pull requests on the first-parent history of --head: merge
commits and squash merges (subjects ending in "(#123)"), or every commit when there are neither, each
against its first parent; and for each finding checks whether a later commit changed the flagged lines:
the share that did is a rough precision estimate for this repository. Nothing is posted.

eval --bench: reviews the PRs of a public benchmark (downloaded at run time, pinned by commit and checked
by hash; each PR's repository partially cloned under --cache) and scores the findings by the benchmark's
method: for martian, one --judge call (default claude-opus-4-5-20251101, the published table's judge) per
golden/finding pair, and precision, recall and F1; for swe-prbench, the PRs of its eval_100 split, one judge
call per PR with the harness's prompt, and its mean score, detection and false-positive rates (never
comparable with its table: see docs/eval.md). Each beside the published table, with the money spent.
Results are cached per PR (model, judge, prompt) under --cache (default ~/.cache/diffray/bench): a second
run resumes. swe-prbench needs --dataset-pin (the dataset's Hugging Face commit and the SHA-256 of its
dataset/prs.jsonl).

All need ANTHROPIC_API_KEY.`;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

/** Progress goes to stderr so stdout stays clean for json and sarif. */
const stderrLogger = (verbose: boolean): Logger => ({
  info: (m) => console.error(m),
  warning: (m) => console.error(`warning: ${m}`),
  debug: (m) => (verbose ? console.error(m) : undefined),
});

export async function cli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        base: { type: 'string' },
        head: { type: 'string', default: 'HEAD' },
        format: { type: 'string', default: 'text' },
        model: { type: 'string', default: env.DIFFRAY_MODEL ?? 'claude-sonnet-4-5' },
        'fail-on': { type: 'string', default: 'high' },
        prs: { type: 'string', default: '10' },
        bench: { type: 'string' },
        judge: { type: 'string', default: MARTIAN.publishedJudge!.model },
        limit: { type: 'string' },
        cache: { type: 'string' },
        'dataset-pin': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'show-dropped': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = positionals[0];
  if ((command !== 'review' && command !== 'eval') || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format) || (command === 'eval' && format === 'sarif')) {
    console.error(`--format must be one of ${FORMATS.join(', ')}; got "${values.format}"`);
    return 2;
  }
  const failOn = values['fail-on'] as FailOn;
  if (!(FAIL_ON_VALUES as readonly string[]).includes(failOn)) {
    console.error(`--fail-on must be one of ${FAIL_ON_VALUES.join(', ')}; got "${values['fail-on']}"`);
    return 2;
  }
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    console.error('ANTHROPIC_API_KEY is not set');
    return 2;
  }

  const prs = Number(values.prs);
  if (command === 'eval' && (!Number.isInteger(prs) || prs < 1 || prs > 200)) {
    console.error(`--prs must be a whole number from 1 to 200; got "${values.prs}"`);
    return 2;
  }

  const log = stderrLogger(values.verbose);
  try {
    // A benchmark run needs no repository of the user's: it clones the benchmark's.
    if (command === 'eval' && values.bench !== undefined) {
      const report = await benchEval(values, { apiKey, log, env });
      console.log(format === 'json' ? JSON.stringify(report.json, null, 2) : report.text);
      return 0;
    }
    const root = (await execGitRunner(process.cwd())(['rev-parse', '--show-toplevel'])).stdout.trim();
    if (!root) throw new Error('not inside a git repository');
    const git = createGitPort({ run: execGitRunner(root), stream: execGitStreamer(root), log });
    if (command === 'eval') {
      const report = await evaluate(git, { apiKey, model: values.model, head: values.head, prs, log });
      console.log(format === 'json' ? JSON.stringify(report, null, 2) : renderEval(report));
      return 0;
    }
    const headSha = await resolveOption(git, '--head', values.head);
    const baseSha = await resolveBase(git, values.base);
    const run = await runReview(
      {
        git,
        model: createAnthropicPort({ apiKey }),
        workspace: createWorkspacePort(root),
        clock: { now: () => Date.now() },
        log,
        stripTypes: nodeTypeStripper(),
      },
      {
        repository: 'local/repository',
        serverUrl: GITHUB_COM,
        pr: { number: 0, title: '', body: '', draft: false, baseSha, headSha },
        model: values.model,
        failOn,
        maxComments: 100,
        configFile: '.diffray.yml',
        exclude: [],
      },
    );
    console.log(render(run, format, values['show-dropped']));
    for (const w of run.warnings) log.warning(w);
    return run.outcome.conclusion === 'failure' ? 1 : 0;
  } catch (error) {
    console.error(`diffray: ${(error as Error).message}`);
    return 2;
  }
}

/**
 * `diffray eval --bench`: the runtime of bench-eval.ts (Martian) and bench-swe.ts (SWE-PRBench) over the
 * real downloader, git, model and cache.
 */
async function benchEval(
  values: {
    bench?: string;
    judge: string;
    limit?: string;
    cache?: string;
    'dataset-pin'?: string;
    model: string;
  },
  ctx: { apiKey: string; log: Logger; env: NodeJS.ProcessEnv },
): Promise<{ json: unknown; text: string }> {
  if (values.bench !== 'martian' && values.bench !== 'swe-prbench')
    throw new Error(`--bench must be martian or swe-prbench; got "${values.bench}"`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new Error(`--limit must be a whole number above 0; got "${values.limit}"`);
  const cacheDir = values.cache ?? join(ctx.env.HOME ?? '.', '.cache/diffray/bench');
  const model = createAnthropicPort({ apiKey: ctx.apiKey });
  const mirror = ctx.env.DIFFRAY_BENCH_BASE_URL;
  const quiet: Logger = { info: () => {}, warning: (m) => ctx.log.warning(m), debug: () => {} };
  const review = async (pr: {
    cloneUrl: string;
    number: number;
    title: string;
    body: string;
    baseSha?: string;
    headSha?: string;
  }) => {
    const dir = join(
      cacheDir,
      'repos',
      pr.cloneUrl.replace(/^https:\/\/github\.com\//, '').replace(/\W+/g, '_'),
    );
    const { baseSha, headSha } = await preparePrRepo(execGitRunner, pr, dir);
    const git = createGitPort({ run: execGitRunner(dir), stream: execGitStreamer(dir), log: quiet });
    const run = await runReview(
      { git, model, clock: { now: () => Date.now() }, log: quiet, stripTypes: nodeTypeStripper() },
      {
        repository: pr.cloneUrl,
        serverUrl: GITHUB_COM,
        pr: { number: pr.number, title: pr.title, body: pr.body, draft: false, baseSha, headSha },
        model: values.model,
        failOn: 'none',
        maxComments: 100,
        configFile: '.diffray.yml',
        exclude: [],
      },
    );
    return { findings: run.findings, costUsd: run.outcome.costUsd };
  };
  const common = {
    judge: (request: ModelRequest) => model.summarize(request),
    progress: (line: string) => ctx.log.info(line),
  };
  const opts = {
    model: values.model,
    judgeModel: values.judge,
    promptHash: sha256(buildSystemPrompt({}) + JSON.stringify(FINDINGS_TOOL) + VALIDATION_SYSTEM),
    ...(limit !== undefined ? { limit } : {}),
  };
  if (values.bench === 'swe-prbench') {
    // The pin names a dataset commit: the split and annotations, without a hash, are read at that commit.
    const pin = values['dataset-pin']
      ? /^([0-9a-f]{40}):([0-9a-f]{64})$/.exec(values['dataset-pin'])
      : undefined;
    if (!pin)
      throw new Error(
        '--bench swe-prbench needs --dataset-pin COMMIT:SHA256 (the Hugging Face commit of foundry-ai/swe-prbench, ' +
          'and the SHA-256 of its dataset/prs.jsonl; see docs/eval.md)',
      );
    const dataset = swePrBenchDataset({ revision: pin[1]!, sha256: pin[2]! });
    const report = await runSwePrBench(
      {
        ...common,
        dataset: (file) => downloadPinned(mirror ?? dataset.baseUrl, file, { cacheDir }),
        harness: (file) => downloadPinned(mirror ?? SWE_PRBENCH.harnessUrl, file, { cacheDir }),
        review: async (pr) => {
          const run = await review({
            cloneUrl: `https://github.com/${pr.repo}.git`,
            number: pr.number,
            title: pr.title,
            body: pr.description,
            baseSha: pr.baseSha,
            headSha: pr.headSha,
          });
          return {
            findings: run.findings.map((f) => ({ ...f, line: 'anchor' in f ? f.anchor.line : f.line })),
            costUsd: run.costUsd,
          };
        },
        cache: resultCache<SwePrResult>(cacheDir),
      },
      { ...opts, pin: { revision: pin[1]!, sha256: pin[2]! } },
    );
    return { json: report, text: renderSwePrBench(report) };
  }
  const report = await runBenchEval(
    {
      ...common,
      load: (file) => downloadPinned(mirror ?? MARTIAN.baseUrl, file, { cacheDir }),
      judgePrompt: async () =>
        extractJudgePrompt(
          await downloadPinned(mirror ?? MARTIAN.baseUrl, MARTIAN.files.judgeScript!, { cacheDir }),
        ),
      review,
      cache: resultCache<PrResult>(cacheDir),
    },
    { ...opts, source: MARTIAN },
  );
  return { json: report, text: renderBenchEval(report) };
}

interface EvalReport extends ReturnType<typeof estimatePrecision> {
  /** Which kinds the past PRs were found as (`3 merge commits, 2 squash merges`). */
  found: string;
  pullRequests: EvalPr[];
}

/**
 * `diffray eval`: the engine on each of the last PRs of the first-parent history (merge commits and squash
 * merges, each against its first parent; no workspace: the checkout is not at that commit), then each
 * finding against the diff from the PR to the tip: a finding whose lines a later commit changed is counted
 * as a likely true positive.
 */
async function evaluate(
  git: GitPort,
  opts: { apiKey: string; model: string; head: string; prs: number; log: Logger },
): Promise<EvalReport> {
  const tip = await resolveOption(git, '--head', opts.head);
  const pastPrs = pickPastPrs(await git.firstParentHistory(tip, EVAL_HISTORY_COMMITS), opts.prs);
  if (pastPrs.length === 0)
    throw new Error(`no commit with a parent on the first-parent history of ${opts.head}`);
  const found = describePastPrKinds(pastPrs);
  opts.log.info(`eval: the last ${pastPrs.length} PRs of ${opts.head}: ${found}`);
  const model = createAnthropicPort({ apiKey: opts.apiKey });
  const results: EvalPr[] = [];
  for (const pr of pastPrs) {
    opts.log.info(`eval: ${shortSha(pr.sha)} (${pr.kind}) ${pr.subject}`);
    const { sha, subject, kind } = pr;
    try {
      const run = await runReview(
        { git, model, clock: { now: () => Date.now() }, log: opts.log, stripTypes: nodeTypeStripper() },
        {
          repository: 'local/repository',
          serverUrl: GITHUB_COM,
          pr: { number: 0, title: subject, body: '', draft: false, baseSha: pr.parent, headSha: sha },
          model: opts.model,
          failOn: 'none',
          maxComments: 100,
          configFile: '.diffray.yml',
          exclude: [],
        },
      );
      const later = sha === tip ? [] : await git.diffFiles(sha, tip);
      results.push({
        sha,
        subject,
        kind,
        findings: run.findings.map((f) => {
          const line = 'anchor' in f ? f.anchor.line : f.line;
          const startLine = 'anchor' in f ? f.anchor.startLine : f.startLine;
          const at = { path: f.path, line, ...(startLine !== undefined ? { startLine } : {}) };
          return {
            ...at,
            severity: f.severity,
            title: f.title,
            changedLater: flaggedLinesChanged(at, later),
          };
        }),
      });
    } catch (error) {
      results.push({ sha, subject, kind, findings: [], error: (error as Error).message });
    }
  }
  return { ...estimatePrecision(results), found, pullRequests: results };
}

function renderEval(report: EvalReport): string {
  const lines: string[] = [];
  for (const pr of report.pullRequests) {
    lines.push(`${shortSha(pr.sha)} ${pr.subject}${pr.error ? `  (failed: ${pr.error})` : ''}`);
    for (const f of pr.findings)
      lines.push(
        `  ${f.changedLater ? 'changed later' : 'unchanged    '}  ${f.path}:${f.line} [${f.severity}] ${f.title}`,
      );
  }
  const pct = report.precision === undefined ? 'n/a' : `${Math.round(report.precision * 100)}%`;
  lines.push(
    '',
    `${report.prs} merged PRs (${report.found}), ${report.findings} findings, ${report.changedLater} on lines a later commit changed: ` +
      `estimated precision ${pct} (rough: a fix counts, a finding nobody acted on does not).`,
  );
  return lines.join('\n');
}

/** A ref given on the command line, as a commit sha; git's own "Needed a single revision" names none. */
async function resolveOption(git: GitPort, option: string, ref: string): Promise<string> {
  try {
    return await git.resolveRef(ref);
  } catch (error) {
    if (error instanceof GitError) {
      throw new Error(`${option} ${ref}: no such commit or ref in this repository`, { cause: error });
    }
    throw error;
  }
}

async function resolveBase(git: GitPort, base: string | undefined): Promise<string> {
  if (base !== undefined) return resolveOption(git, '--base', base);
  for (const candidate of ['origin/HEAD', 'origin/main', 'main', 'origin/master', 'master']) {
    try {
      return await git.resolveRef(candidate);
    } catch {
      // try the next one
    }
  }
  throw new Error('no base branch found: pass --base REF');
}

/** A dropped finding as `--show-dropped` lists it. */
function droppedEntry({ finding: f, reason, detail, score }: ReviewRun['dropped'][number]) {
  return {
    path: f.path,
    line: 'anchor' in f ? f.anchor.line : f.line,
    severity: f.severity,
    category: f.category,
    title: f.title,
    confidence: f.confidence,
    reason,
    detail,
    ...(score !== undefined ? { score } : {}),
  };
}

function render(run: ReviewRun, format: Format, showDropped = false): string {
  const findings = run.findings;
  if (format === 'sarif') {
    return JSON.stringify(toSarif(findings, SARIF_TOOL), null, 2);
  }
  const { outcome } = run;
  const reason = conclusionReason(outcome.conclusionReasons);
  if (format === 'json') {
    return JSON.stringify(
      {
        status: outcome.status,
        conclusion: outcome.conclusion,
        reason,
        findings: findings.map(
          ({ fingerprint, path, line, startLine, severity, category, title, body, suggestion }) => ({
            fingerprint,
            path,
            line,
            startLine,
            severity,
            category,
            title,
            body,
            suggestion,
          }),
        ),
        ...(outcome.filtered ? { filtered: outcome.filtered } : {}),
        ...(outcome.validation ? { validation: outcome.validation } : {}),
        ...(showDropped ? { dropped: run.dropped.map(droppedEntry) } : {}),
        skipped: outcome.skipped,
        failedRequests: outcome.failedChunks,
        usage: outcome.usage,
        costUsd: outcome.costUsd,
      },
      null,
      2,
    );
  }
  const lines = findings.map(
    (f) => `${f.path}:${f.line}  [${f.severity}] ${f.title}\n    ${f.body.replace(/\n/g, '\n    ')}`,
  );
  if (showDropped && run.dropped.length > 0) {
    lines.push('', `Dropped (${run.dropped.length}):`);
    for (const d of run.dropped.map(droppedEntry))
      lines.push(
        `  ${d.path}:${d.line}  [${d.severity}] ${d.title}  (${d.reason}${d.score !== undefined ? ` ${d.score}` : ''}: ${d.detail})`,
      );
  }
  lines.push(
    '',
    `${findings.length} finding${findings.length === 1 ? '' : 's'} · ${outcome.reviewedFiles.length} files reviewed, ` +
      `${outcome.skipped.length} skipped · ${outcome.conclusion}${reason ? ` (${reason})` : ''} · ` +
      `~$${outcome.costUsd.toFixed(4)}`,
  );
  return lines.join('\n');
}
