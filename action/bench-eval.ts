/**
 * `diffray eval --bench martian`: each PR of the Martian Code Review Bench reviewed by diffray and scored
 * by the benchmark's method (core/findings/bench.ts), with the I/O injected: the pinned files, the PR's
 * repository, the review, the judge and the per-PR cache. Progress and money spent go to `progress`.
 * SWE-PRBench's run is bench-swe.ts.
 */
import { estimateCostUsd } from './core/plan/cost.js';
import {
  aggregate,
  candidateText,
  judgeUser,
  parseJudgeAnswer,
  parseMartianGoldens,
  publishedTable,
  scorePr,
  type Aggregate,
  type BenchPr,
  type BenchSource,
  type JudgePrompt,
  type MatchVerdict,
  type PinnedFile,
  type PrScore,
} from './core/findings/bench.js';
import type { ModelRequest, TextResult } from './ports.js';

/** What the judge may write: step 3 asks for a short JSON object. */
const JUDGE_MAX_OUTPUT_TOKENS = 400;
/** Judge calls in flight at once (step 3 sends batches of 40; fewer here, the user's rate limits apply). */
const JUDGE_CONCURRENCY = 8;

export interface PrResult extends CostedResult {
  id: string;
  score?: PrScore;
  candidates: number;
}

export interface BenchEvalDeps {
  /** A pinned file of the source, checked by hash. */
  load(file: PinnedFile): Promise<string>;
  judgePrompt(): Promise<JudgePrompt>;
  /** Reviews the PR (its repository prepared first) and returns the findings and what the review cost. */
  review(pr: BenchPr): Promise<{ findings: { title: string; body: string }[]; costUsd: number }>;
  /** One judge request (a plain-text answer). */
  judge(request: ModelRequest): Promise<TextResult>;
  cache: { get(key: string): PrResult | undefined; set(key: string, value: PrResult): void };
  progress(line: string): void;
}

export interface BenchEvalOptions {
  source: BenchSource;
  model: string;
  judgeModel: string;
  /** Identifies the review prompt (a change of prompt is a new run, not a cache hit). */
  promptHash: string;
  limit?: number;
}

export interface BenchEvalReport {
  bench: BenchSource['name'];
  revision: string;
  date?: string;
  model: string;
  judge: string;
  /** False when the judge is not the published table's: the figures do not compare. */
  comparable: boolean;
  result: Aggregate;
  prs: PrResult[];
  published?: { judge: string; date?: string; rows: ({ tool: string } & Aggregate)[] };
  costUsd: { review: number; judge: number };
}

/** Whether `model` is the published judge (`claude-opus-4-5` names the same model as its dated id). */
export function sameJudge(model: string, published: string): boolean {
  const bare = (m: string) => m.replace(/-\d{8}$/, '');
  return model === published || bare(model) === bare(published);
}

export async function runBenchEval(deps: BenchEvalDeps, opts: BenchEvalOptions): Promise<BenchEvalReport> {
  const { source } = opts;
  const texts = await Promise.all(source.files.golden.map((f) => deps.load(f)));
  const all = parseMartianGoldens(texts);
  const prs = opts.limit !== undefined ? all.slice(0, opts.limit) : all;
  const prompt = await deps.judgePrompt();
  const results = await eachPr(
    deps,
    prs.map((pr) => ({
      id: pr.id,
      key: {
        bench: source.name,
        revision: source.revision,
        pr: pr.id,
        model: opts.model,
        judge: opts.judgeModel,
        prompt: opts.promptHash,
      },
      evaluate: () => evaluatePr(deps, pr, prompt, opts.judgeModel),
    })),
    (r) => `${r.score?.tp ?? 0} TP, ${r.score?.fp ?? 0} FP, ${r.score?.fn ?? 0} FN`,
  );
  const scored = results.flatMap((r) => (r.score && !r.score.skipped ? [r.score] : []));
  const published =
    source.files.table && source.publishedJudge
      ? {
          judge: source.publishedJudge.model,
          ...(source.date ? { date: source.date } : {}),
          rows: publishedTable(
            JSON.parse(await deps.load(source.files.table)),
            source.publishedJudge.tableKey,
          ),
        }
      : undefined;
  return {
    bench: source.name,
    revision: source.revision,
    ...(source.date ? { date: source.date } : {}),
    model: opts.model,
    judge: opts.judgeModel,
    comparable:
      source.publishedJudge !== undefined && sameJudge(opts.judgeModel, source.publishedJudge.model),
    result: aggregate(scored),
    prs: results,
    ...(published ? { published } : {}),
    costUsd: spentUsd(results),
  };
}

/** What a benchmark run keeps of a PR: at least its failure and what it cost. */
export interface CostedResult {
  error?: string;
  reviewCostUsd: number;
  judgeCostUsd: number;
}

/**
 * Each PR of a benchmark run, in order: its result from the per-PR cache, else evaluated (and cached unless
 * it failed, so the next run tries it again); a progress line per PR with the money spent so far.
 */
export async function eachPr<R extends CostedResult>(
  deps: {
    cache: { get(key: string): R | undefined; set(key: string, value: R): void };
    progress(line: string): void;
  },
  prs: readonly { id: string; key: Record<string, string>; evaluate: () => Promise<R> }[],
  describe: (result: R) => string,
): Promise<R[]> {
  const results: R[] = [];
  let spent = 0;
  for (const [i, pr] of prs.entries()) {
    const key = JSON.stringify(pr.key);
    const cached = deps.cache.get(key);
    const result = cached ?? (await pr.evaluate());
    if (!cached && result.error === undefined) deps.cache.set(key, result);
    results.push(result);
    spent += cached ? 0 : result.reviewCostUsd + result.judgeCostUsd;
    deps.progress(
      `[${i + 1}/${prs.length}] ${pr.id}: ` +
        (result.error !== undefined
          ? `failed (${result.error})`
          : `${describe(result)}${cached ? ' (cached)' : ''}`) +
        ` · spent $${spent.toFixed(2)}`,
    );
  }
  return results;
}

/** The money a run's PRs cost, reviews and judge apart (list prices). */
export function spentUsd(results: readonly CostedResult[]): { review: number; judge: number } {
  return {
    review: results.reduce((n, r) => n + r.reviewCostUsd, 0),
    judge: results.reduce((n, r) => n + r.judgeCostUsd, 0),
  };
}

/** The report's last line: what the run spent. */
export function spentLine(cost: { review: number; judge: number }): string {
  return `Spent: $${cost.review.toFixed(2)} on reviews, $${cost.judge.toFixed(2)} on the judge (list prices).`;
}

/** One PR: reviewed, then one judge call per golden/candidate pair, scored. A failure is kept, not thrown. */
async function evaluatePr(
  deps: BenchEvalDeps,
  pr: BenchPr,
  prompt: JudgePrompt,
  judgeModel: string,
): Promise<PrResult> {
  let reviewCostUsd = 0;
  try {
    const review = await deps.review(pr);
    reviewCostUsd = review.costUsd;
    const candidates = review.findings.map(candidateText);
    const goldens = pr.goldens.map((g) => g.comment);
    const pairs = goldens.flatMap((golden, gi) =>
      candidates.map((candidate, ci) => ({ golden, candidate, gi, ci })),
    );
    const verdicts = new Map<string, MatchVerdict>();
    let judgeCostUsd = 0;
    let next = 0;
    const worker = async () => {
      while (next < pairs.length) {
        const p = pairs[next++]!;
        const answer = await deps.judge({
          model: judgeModel,
          system: prompt.system,
          user: judgeUser(prompt, p.golden, p.candidate),
          maxOutputTokens: JUDGE_MAX_OUTPUT_TOKENS,
          temperature: 0,
        });
        judgeCostUsd += estimateCostUsd(judgeModel, answer.usage);
        verdicts.set(`${p.gi}:${p.ci}`, answer.ok ? parseJudgeAnswer(answer.text) : { error: answer.error });
      }
    };
    await Promise.all(Array.from({ length: Math.min(JUDGE_CONCURRENCY, pairs.length) }, worker));
    const score = scorePr(goldens, candidates, (gi, ci) => verdicts.get(`${gi}:${ci}`)!);
    return { id: pr.id, score, candidates: candidates.length, reviewCostUsd, judgeCostUsd };
  } catch (error) {
    return { id: pr.id, candidates: 0, error: (error as Error).message, reviewCostUsd, judgeCostUsd: 0 };
  }
}

const pct = (n: number) => `${(n * 100).toFixed(1)} %`;

/** The report as text: the run's P, R, F1 beside the published table, with its date and judge. */
export function renderBenchEval(r: BenchEvalReport): string {
  const lines = [
    `${r.bench} @ ${r.revision.slice(0, 12)}${r.date ? ` (${r.date})` : ''}: ${r.result.prs} PRs scored, ` +
      `model ${r.model}, judge ${r.judge}${r.comparable ? '' : ' — NOT COMPARABLE: the published table used another judge'}`,
    '',
    `diffray: P ${pct(r.result.precision)}, R ${pct(r.result.recall)}, F1 ${pct(r.result.f1)} ` +
      `(${r.result.tp} TP, ${r.result.fp} FP, ${r.result.fn} FN)`,
  ];
  const failed = r.prs.filter((p) => p.error !== undefined);
  if (failed.length > 0)
    lines.push(`${failed.length} PRs failed and are left out: ${failed.map((p) => p.id).join(', ')}`);
  if (r.published) {
    lines.push('', `Published table (${r.published.date ?? 'undated'}, judge ${r.published.judge}):`);
    for (const row of r.published.rows)
      lines.push(
        `  ${row.tool.padEnd(16)} P ${pct(row.precision).padStart(7)}  R ${pct(row.recall).padStart(7)}  F1 ${pct(row.f1).padStart(7)}`,
      );
  }
  lines.push('', spentLine(r.costUsd));
  return lines.join('\n');
}
