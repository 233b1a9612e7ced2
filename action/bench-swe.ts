/**
 * `diffray eval --bench swe-prbench`: the PRs of SWE-PRBench's evaluation split reviewed by diffray and
 * scored by the harness's method (core/findings/swe-prbench.ts), with the I/O injected: the dataset at the
 * pinned Hugging Face commit, the harness at its pinned commit, the review, the judge and the per-PR cache.
 */
import { eachPr, sameJudge, spentLine, spentUsd, type CostedResult } from './bench-eval.js';
import type { PinnedFile } from './core/findings/bench.js';
import { candidateText } from './core/findings/bench.js';
import {
  aggregateSwe,
  AGENT_SEVERITY,
  extractSweJudgeSystem,
  groundTruth,
  judgeMessage,
  parseEvalSplit,
  parseSweJudgeAnswer,
  parseSweLeaderboard,
  parseSwePrs,
  scoreSwePr,
  SWE_PRBENCH,
  swePrBenchDataset,
  type AgentComment,
  type SweAggregate,
  type SweLeaderboard,
  type SwePr,
  type SwePrScore,
} from './core/findings/swe-prbench.js';
import { estimateCostUsd } from './core/plan/cost.js';
import type { ModelRequest, TextResult } from './ports.js';
import type { Severity } from '../shared/index.js';

export interface SwePrResult extends CostedResult {
  id: string;
  score?: SwePrScore;
}

export interface SweEvalDeps {
  /** A file of the dataset at the pinned revision (checked by hash when the pin carries one). */
  dataset(file: PinnedFile): Promise<string>;
  /** A file of the harness at its pinned commit, checked by hash. */
  harness(file: PinnedFile): Promise<string>;
  /** Reviews the PR at its base and head commits; the findings with what the review cost. */
  review(pr: SwePr): Promise<{
    findings: { path: string; line: number; severity: Severity; title: string; body: string }[];
    costUsd: number;
  }>;
  judge(request: ModelRequest): Promise<TextResult>;
  cache: { get(key: string): SwePrResult | undefined; set(key: string, value: SwePrResult): void };
  progress(line: string): void;
}

export interface SweEvalOptions {
  pin: { revision: string; sha256: string };
  model: string;
  judgeModel: string;
  /** Identifies the review prompt (a change of prompt is a new run, not a cache hit). */
  promptHash: string;
  limit?: number;
}

export interface SweEvalReport {
  bench: 'swe-prbench';
  revision: string;
  harness: string;
  model: string;
  judge: string;
  /** Why the figures do not compare with the published table (empty when they do). */
  notComparable: string[];
  result: SweAggregate;
  prs: SwePrResult[];
  published: SweLeaderboard & { date: string };
  costUsd: { review: number; judge: number };
}

export async function runSwePrBench(deps: SweEvalDeps, opts: SweEvalOptions): Promise<SweEvalReport> {
  const ds = swePrBenchDataset(opts.pin);
  const byId = new Map(parseSwePrs(await deps.dataset(ds.prs)).map((pr) => [pr.taskId, pr]));
  const split = parseEvalSplit(await deps.dataset(ds.split)).map((id) => {
    const pr = byId.get(id);
    if (pr === undefined) throw new Error(`the evaluation split names ${id}, which prs.jsonl does not have`);
    return pr;
  });
  const prs = opts.limit !== undefined ? split.slice(0, opts.limit) : split;
  const system = extractSweJudgeSystem(await deps.harness(SWE_PRBENCH.judgeScript));
  const leaderboard = parseSweLeaderboard(await deps.harness(SWE_PRBENCH.readme));
  const results = await eachPr(
    deps,
    prs.map((pr) => ({
      id: pr.taskId,
      key: {
        bench: 'swe-prbench',
        revision: opts.pin.revision,
        harness: SWE_PRBENCH.harnessCommit,
        pr: pr.taskId,
        model: opts.model,
        judge: opts.judgeModel,
        prompt: opts.promptHash,
      },
      evaluate: () => evaluatePr(deps, pr, ds.annotation(pr.taskId), system, opts.judgeModel),
    })),
    ({ score: s }) =>
      s === undefined
        ? 'no score'
        : `score ${s.overall.toFixed(3)}, ${s.pairs.length}/${s.humans} human comments caught, ` +
          `${s.fabricated} of ${s.agents} fabricated${s.fallback ? ', judge fallback' : ''}`,
  );
  const notComparable = [
    ...(sameJudge(opts.judgeModel, leaderboard.judge.toLowerCase())
      ? []
      : [`the judge is ${opts.judgeModel}, the published one ${leaderboard.judge}`]),
    "diffray reviews each PR in its repository with its own context; the published models were given the dataset's frozen contexts (config_A/B/C)",
    "similarity is the harness's lexical fallback, not its embedding model",
  ];
  return {
    bench: 'swe-prbench',
    revision: opts.pin.revision,
    harness: SWE_PRBENCH.harnessCommit,
    model: opts.model,
    judge: opts.judgeModel,
    notComparable,
    result: aggregateSwe(results.flatMap((r) => (r.score ? [r.score] : []))),
    prs: results,
    published: { ...leaderboard, date: SWE_PRBENCH.tableDate },
    costUsd: spentUsd(results),
  };
}

/**
 * One PR: its ground truth, diffray's review (its first 30 findings, as runner.py keeps 30 comments), one
 * judge call with every comment, scored. No findings: no call, the harness scores such a PR 0 whatever
 * the judge says. A failed review or judge request fails the PR (left out, not cached, retried next run);
 * an answer that does not read is scored with the harness's fallback.
 */
async function evaluatePr(
  deps: SweEvalDeps,
  pr: SwePr,
  annotation: PinnedFile,
  system: string,
  judgeModel: string,
): Promise<SwePrResult> {
  let reviewCostUsd = 0;
  let judgeCostUsd = 0;
  try {
    const humans = groundTruth(await deps.dataset(annotation), pr.taskId);
    const review = await deps.review(pr);
    reviewCostUsd = review.costUsd;
    const agents: AgentComment[] = review.findings.slice(0, SWE_PRBENCH.maxAgentComments).map((f, i) => ({
      id: `${pr.taskId}_diffray_${i}`,
      body: candidateText(f),
      file: f.path,
      line: f.line,
      severity: AGENT_SEVERITY[f.severity],
    }));
    if (agents.length === 0)
      return {
        id: pr.taskId,
        score: scoreSwePr(humans, [], { judged: [], fallback: false }),
        reviewCostUsd,
        judgeCostUsd,
      };
    const answer = await deps.judge({
      model: judgeModel,
      system,
      user: judgeMessage(pr.diffPatch, humans, agents),
      maxOutputTokens: SWE_PRBENCH.judgeMaxOutputTokens,
      temperature: 0,
    });
    judgeCostUsd = estimateCostUsd(judgeModel, answer.usage);
    if (!answer.ok) throw new Error(`judge request failed: ${answer.error}`);
    return {
      id: pr.taskId,
      score: scoreSwePr(humans, agents, parseSweJudgeAnswer(answer.text)),
      reviewCostUsd,
      judgeCostUsd,
    };
  } catch (error) {
    return { id: pr.taskId, error: (error as Error).message, reviewCostUsd, judgeCostUsd };
  }
}

const f3 = (n: number) => n.toFixed(3);

/** The report as text: the run's s̄, DR and FPR beside the published leaderboard, with its date and judge. */
export function renderSwePrBench(r: SweEvalReport): string {
  const lines = [
    `swe-prbench @ dataset ${r.revision.slice(0, 12)}, harness ${r.harness.slice(0, 12)}: ${r.result.prs} PRs ` +
      `of the eval_100 split scored, model ${r.model}, judge ${r.judge}`,
  ];
  if (r.notComparable.length > 0)
    lines.push(`NOT COMPARABLE with the published table: ${r.notComparable.join('; ')}.`);
  lines.push(
    '',
    `diffray: s̄ ${f3(r.result.overall)}, DR ${f3(r.result.detectionRate)}, FPR ${f3(r.result.falsePositiveRate)} ` +
      `(precision ${f3(r.result.precision)}, recall ${f3(r.result.recall)}, F1 ${f3(r.result.f1)}; means over PRs)`,
  );
  const failed = r.prs.filter((p) => p.error !== undefined);
  if (failed.length > 0)
    lines.push(`${failed.length} PRs failed and are left out: ${failed.map((p) => p.id).join(', ')}`);
  if (r.result.fallbacks > 0)
    lines.push(
      `${r.result.fallbacks} PRs scored with the harness's fallback (the judge's answer did not read): halved.`,
    );
  const p = r.published;
  lines.push(
    '',
    `Published leaderboard (${p.date}, judge ${p.judge}${p.pipeline ? `, pipeline ${p.pipeline}` : ''}; ` +
      'models on the frozen contexts, DR_A on config_A):',
  );
  for (const row of p.rows)
    lines.push(
      `  ${String(row.rank).padStart(2)} ${row.model.padEnd(20)} s̄ ${f3(row.overall)}  DR_A ${f3(row.detectionRateA)}  FPR ${f3(row.falsePositiveRate)}`,
    );
  lines.push('', spentLine(r.costUsd));
  return lines.join('\n');
}
