/**
 * `diffray eval --bench swe-prbench`, pure parts: SWE-PRBench's files read as its harness reads them, and
 * its scoring ported from the harness at FoundryHQ-AI/swe-prbench@379f0bfd (MIT): the judge message of
 * `eval_harness/judge.py`, the 1:1 alignment of `matching.py`, the per-PR dimensions of `scorer.py`, the
 * overall score of `assembler.py` and the per-configuration means of `aggregate.py`. The dataset (CC BY
 * 4.0) is on Hugging Face (`foundry-ai/swe-prbench`); nothing of either is in this repository.
 */
import type { PinnedFile } from './bench.js';

const HARNESS_COMMIT = '379f0bfd8978a1734cd8399e115d04d4fdceeb89';

/**
 * The harness at its commit of 2026-03-30 (the leaderboard in its README dates from 2026-03-26, commit
 * b82aba40, unchanged since): the judge script whose system prompt the run sends, and the README whose
 * table the run prints. Hashes of the files at that commit. The dataset is pinned by the user
 * (`--dataset-pin`): no revision of it could be read here to hash.
 */
export const SWE_PRBENCH = {
  harnessUrl: `https://raw.githubusercontent.com/FoundryHQ-AI/swe-prbench/${HARNESS_COMMIT}`,
  harnessCommit: HARNESS_COMMIT,
  tableDate: '2026-03-26',
  judgeScript: {
    path: 'eval_harness/judge.py',
    sha256: '5626c4c64f2ccf6e55fd62580e7da11ad1223364a6c3ca7d582bc91c91c350c5',
  },
  readme: {
    path: 'README.md',
    sha256: '9667ba3808e76a87c5b317ae32ca25e113eef7ea15839e1d04689bbdc60c23f6',
  },
  /** `model_endpoints.example.yaml`'s judge (`gpt_5_2`), at temperature 0, 4,000 output tokens. */
  judgeModel: 'gpt-5.2',
  judgeMaxOutputTokens: 4_000,
  /** runner.py keeps at most this many of an agent's comments. */
  maxAgentComments: 30,
} as const;

/** The dataset at a Hugging Face commit: `prs.jsonl` checked by hash; the split and annotations at that commit. */
export function swePrBenchDataset(pin: { revision: string; sha256: string }) {
  return {
    baseUrl: `https://huggingface.co/datasets/foundry-ai/swe-prbench/resolve/${pin.revision}`,
    revision: pin.revision,
    prs: { path: 'dataset/prs.jsonl', sha256: pin.sha256 } satisfies PinnedFile,
    split: { path: 'dataset/evals/eval_100.json' } satisfies PinnedFile,
    annotation: (taskId: string): PinnedFile => ({
      path: `dataset/annotations/${encodeURIComponent(taskId)}_human.json`,
    }),
  };
}

/** One PR of `prs.jsonl`, with the fields the run uses. */
export interface SwePr {
  taskId: string;
  repo: string;
  number: number;
  title: string;
  description: string;
  baseSha: string;
  headSha: string;
  /** The PR's diff as the dataset has it: what the judge is shown. */
  diffPatch: string;
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * `prs.jsonl`, one PR a line, strict: a line that is not an object with `task_id`, `repo` ("owner/name"),
 * `pr_number`, `title`, `description` (string or null), `base_commit` and `head_commit` (40 hex digits)
 * and `diff_patch` fails with its line number and field, so a changed format is not scored silently.
 */
export function parseSwePrs(text: string): SwePr[] {
  const rows = text.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [{ line, n: i + 1 }]));
  if (rows.length === 0) throw new Error('prs.jsonl has no records');
  return rows.map(({ line, n }) => {
    const fail = (what: string): never => {
      throw new Error(`prs.jsonl line ${n}: ${what} (not the SWE-PRBench record format)`);
    };
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      fail('not JSON');
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return fail('not an object');
    const r = row as Record<string, unknown>;
    const str = (key: string, test?: RegExp): string => {
      const v = r[key];
      if (typeof v !== 'string' || (test !== undefined && !test.test(v)))
        return fail(
          `"${key}" is ${v === undefined ? 'missing' : `not ${test ? 'of the expected form' : 'a string'}`}`,
        );
      return v;
    };
    const taskId = str('task_id', /^[\w.-]+$/);
    const repo = str('repo', /^[\w.-]+\/[\w.-]+$/);
    const number = r.pr_number;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1)
      return fail('"pr_number" is not a whole number above 0');
    const title = str('title');
    const description = r.description;
    if (description !== null && typeof description !== 'string')
      return fail('"description" is not a string or null');
    return {
      taskId,
      repo,
      number,
      title,
      description: description ?? '',
      baseSha: str('base_commit', SHA),
      headSha: str('head_commit', SHA),
      diffPatch: str('diff_patch'),
    };
  });
}

/** The task ids of an evaluation split (`evals/eval_100.json`: a list of objects with `task_id`), in order. */
export function parseEvalSplit(text: string): string[] {
  const list = JSON.parse(text) as unknown;
  if (!Array.isArray(list)) throw new Error('the evaluation split is not a list');
  const ids = list.map((row, i) => {
    const id = (row as { task_id?: unknown } | null)?.task_id;
    if (typeof id !== 'string' || id === '')
      throw new Error(`the evaluation split's entry ${i + 1} has no task_id`);
    return id;
  });
  if (ids.length === 0) throw new Error('the evaluation split is empty');
  return ids;
}

/** A human review comment of the ground truth: the annotation's object as it is (the judge is shown its fields). */
export type HumanComment = Record<string, unknown>;

/**
 * The ground truth of an annotation file (`annotations/{task_id}_human.json`), as loader.py selects it:
 * the comments listed in `substantive_comment_ids` when that list is not empty, else the initiating ones.
 */
export function groundTruth(text: string, taskId: string): HumanComment[] {
  const a = JSON.parse(text) as { comments?: unknown; substantive_comment_ids?: unknown } | null;
  if (typeof a !== 'object' || a === null || !Array.isArray(a.comments))
    throw new Error(`the annotation of ${taskId} has no "comments" list (not the SWE-PRBench format)`);
  const comments = (a.comments as unknown[]).filter(
    (c): c is HumanComment => typeof c === 'object' && c !== null && !Array.isArray(c),
  );
  const ids = new Set(Array.isArray(a.substantive_comment_ids) ? a.substantive_comment_ids : []);
  return ids.size > 0
    ? comments.filter((c) => ids.has(c.comment_id))
    : comments.filter((c) => truthy(c.is_initiating_comment));
}

/** The judge's system prompt, read out of the pinned judge.py (`JUDGE_SYSTEM_PROMPT = """..."""`). */
export function extractSweJudgeSystem(script: string): string {
  const system = /^JUDGE_SYSTEM_PROMPT = """([\s\S]*?)"""/m.exec(script)?.[1];
  if (system === undefined) throw new Error('judge.py has no JUDGE_SYSTEM_PROMPT where expected');
  return system;
}

/** One of diffray's findings as an agent comment of the harness. */
export interface AgentComment {
  id: string;
  body: string;
  file: string;
  line: number;
  /** P0/P1/P2 as runner.py asks for them. */
  severity: 'P0' | 'P1' | 'P2';
}

/** diffray's severities on runner.py's scale (P0: bug, data loss or security; P1: fix before merge; P2: a risk). */
export const AGENT_SEVERITY = { critical: 'P0', high: 'P1', medium: 'P2', low: 'P2' } as const;

/**
 * The judge's user message, as judge.py builds it: the diff (the structured snippet below), the human
 * comments with their fields as Python prints them, then the agent's comments.
 */
export function judgeMessage(
  diffPatch: string,
  humans: readonly HumanComment[],
  agents: readonly AgentComment[],
): string {
  const field = (c: HumanComment, key: string, absent: string) => (key in c ? pyStr(c[key]) : absent);
  const human = humans
    .map(
      (c) =>
        `- comment_id: ${pyStr(c.comment_id)}\n  file: ${field(c, 'file', 'general')}\n  line: ${field(c, 'line', 'N/A')}\n` +
        `  severity: ${field(c, 'severity', 'unspecified')}\n  body: ${field(c, 'body', '')}\n\n`,
    )
    .join('');
  const agent =
    agents.length === 0
      ? '(Agent produced no comments)\n'
      : agents
          .map(
            (c) =>
              `- comment_id: ${c.id}\n  file: ${c.file || 'general'}\n  line: ${c.line}\n` +
              `  severity_claimed: ${c.severity}\n  body: ${c.body}\n\n`,
          )
          .join('');
  return (
    `## Diff\n\`\`\`diff\n${diffSnippet(diffPatch)}\n\`\`\`\n\n` +
    `## Human Expert Review Comments (Ground Truth)\n${human}\n\n` +
    `## AI Agent Review Comments (To Evaluate)\n${agent}`
  );
}

const SNIPPET_CHARS = 12_000;
const LOGIC_MARKERS = [
  'if ',
  'switch ',
  'case ',
  'return ',
  'error',
  'panic',
  'parse',
  'timeout',
  'duration',
];
const TEST_PATH = ['test/', 'tests/', '_test.', '.test.', '.spec.', '__tests__/'];

/**
 * judge.py's diff for the judge: the patch cut at each `diff --git` header, implementation files first and
 * the hunks richest in changes and logic first, kept whole while they fit 12,000 characters (code points,
 * as Python counts); the patch's start when none fits.
 */
export function diffSnippet(diffPatch: string): string {
  const parts: { raw: string; test: boolean; weight: number }[] = [];
  let current: string[] = [];
  let file = '';
  const close = () => {
    if (current.length === 0) return;
    const raw = current.join('\n');
    const changed = current.filter(
      (l) => /^[+-]/.test(l) && !l.startsWith('+++') && !l.startsWith('---'),
    ).length;
    const lowered = raw.toLowerCase();
    const markers = LOGIC_MARKERS.filter((m) => lowered.includes(m)).length;
    const path = file.toLowerCase();
    parts.push({ raw, test: TEST_PATH.some((t) => path.includes(t)), weight: changed + markers * 3 });
  };
  for (const line of pySplitLines(diffPatch)) {
    if (line.startsWith('diff --git ')) {
      close();
      file = / b\/(.+)$/.exec(line)?.[1] ?? '';
      current = [line];
    } else if (current.length > 0) current.push(line);
  }
  close();
  parts.sort((a, b) => Number(a.test) - Number(b.test) || b.weight - a.weight);
  const kept: string[] = [];
  let used = 0;
  for (const p of parts) {
    const projected = used + codePoints(p.raw) + (kept.length > 0 ? 2 : 0);
    if (projected > SNIPPET_CHARS) continue;
    kept.push(p.raw);
    used = projected;
  }
  return kept.length > 0 ? kept.join('\n\n') : [...diffPatch].slice(0, SNIPPET_CHARS).join('');
}

export type Classification = 'CONFIRMED' | 'PLAUSIBLE' | 'FABRICATED';

export interface JudgedComment {
  id: string;
  classification: Classification;
  matchedHuman?: string;
  /** 1 to 5. */
  actionability: number;
}

/**
 * The judge's answer read as judge.py reads it: JSON, else with ``` fences removed, else the text from its
 * first `{` to its last `}`; the valid `agent_classifications` kept. An answer that does not read is the
 * harness's fallback: every comment PLAUSIBLE with actionability 3, and the PR's score halved.
 */
export function parseSweJudgeAnswer(text: string): { judged: JudgedComment[]; fallback: boolean } {
  const data = readJsonObject(text);
  if (data === undefined) return { judged: [], fallback: true };
  const raw = Array.isArray(data.agent_classifications) ? (data.agent_classifications as unknown[]) : [];
  const judged = raw.flatMap((item): JudgedComment[] => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return [];
    const i = item as Record<string, unknown>;
    const classification = pyStr(i.classification ?? '')
      .trim()
      .toUpperCase();
    if (classification !== 'CONFIRMED' && classification !== 'PLAUSIBLE' && classification !== 'FABRICATED')
      return [];
    const matched = i.matched_human_comment_id;
    return [
      {
        id: i.comment_id ? pyStr(i.comment_id) : '',
        classification,
        ...(matched !== undefined && matched !== null && matched !== ''
          ? { matchedHuman: pyStr(matched) }
          : {}),
        actionability: Math.max(1, Math.min(5, pyInt(i.actionability_score) ?? 3)),
      },
    ];
  });
  return { judged, fallback: false };
}

function readJsonObject(text: string): Record<string, unknown> | undefined {
  const raw = text.trim();
  if (raw === '') return undefined;
  const attempt = (s: string): unknown => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return undefined;
    }
  };
  const clean = raw.replace(/```json|```/g, '').trim();
  const start = clean.indexOf('{');
  const end = clean.lastIndexOf('}');
  const data =
    attempt(raw) ??
    attempt(clean) ??
    (start !== -1 && end > start ? attempt(clean.slice(start, end + 1)) : undefined);
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined;
}

/** One PR's figures, as scorer.py and assembler.py compute them. */
export interface SwePrScore {
  humans: number;
  agents: number;
  confirmed: number;
  plausible: number;
  fabricated: number;
  detectionRate: number;
  precision: number;
  recall: number;
  f1: number;
  /** The hallucination rate (FABRICATED ÷ comments), which aggregate.py reports as the false-positive rate. */
  falsePositiveRate: number;
  semanticAlignment: number;
  actionability: number;
  redundancy: number;
  plausiblePenalty: number;
  overall: number;
  /** The judge's answer did not read: the harness's fallback was applied. */
  fallback: boolean;
  /** The pairs kept by the 1:1 alignment: agent comment id, human comment id. */
  pairs: [string, string][];
}

/**
 * One PR scored, ported from matching.py, scorer.py and assembler.py. The judge's CONFIRMED pairs are
 * aligned 1:1 (highest actionability first, then similarity); the remaining comments are paired by
 * similarity (+0.15 for the same file, +0.10 within 8 lines, +0.05 within 20) at 0.3 or more. Similarity is
 * the harness's lexical fallback (Jaccard of word tokens): its embedding model, which the published runs
 * used when installed, is not available here. A PR without comments scores 0.
 */
export function scoreSwePr(
  humans: readonly HumanComment[],
  agents: readonly AgentComment[],
  judge: { judged: readonly JudgedComment[]; fallback: boolean },
): SwePrScore {
  const humanIds = humans.map((c) => (c.comment_id ? pyStr(c.comment_id) : ''));
  const humanText = new Map(humans.map((c, i) => [humanIds[i]!, c.body ? pyStr(c.body) : '']));
  const humanFile = new Map(humans.map((c, i) => [humanIds[i]!, c.file ? pyStr(c.file) : '']));
  const humanLine = new Map(humans.map((c, i) => [humanIds[i]!, c.line]));
  const agentById = new Map(agents.map((a) => [a.id, a]));
  const sim = (a: string, h: string) => lexicalSimilarity(agentById.get(a)!.body, humanText.get(h)!);
  const cls = new Map(judge.judged.map((j) => [j.id, j.classification]));
  const actionabilityOf = new Map(judge.judged.map((j) => [j.id, j.actionability]));

  const usedAgents = new Set<string>();
  const usedHumans = new Set<string>();
  const pairs: { a: string; h: string; sim: number }[] = [];
  const take = (a: string, h: string) => {
    if (usedAgents.has(a) || usedHumans.has(h)) return;
    usedAgents.add(a);
    usedHumans.add(h);
    pairs.push({ a, h, sim: sim(a, h) });
  };
  judge.judged
    .filter((j) => j.classification === 'CONFIRMED' && j.matchedHuman !== undefined)
    .filter((j) => agentById.has(j.id) && humanText.has(j.matchedHuman!))
    .map((j) => ({ a: j.id, h: j.matchedHuman!, action: j.actionability, sim: sim(j.id, j.matchedHuman!) }))
    .sort((x, y) => y.action - x.action || y.sim - x.sim)
    .forEach((c) => take(c.a, c.h));
  agents
    .filter((a) => !usedAgents.has(a.id))
    .flatMap((a) =>
      humanIds
        .filter((h) => !usedHumans.has(h))
        .map((h) => ({
          a: a.id,
          h,
          affinity: affinity(sim(a.id, h), a, humanFile.get(h)!, humanLine.get(h)),
        }))
        .filter((c) => c.affinity >= 0.3),
    )
    .sort((x, y) => y.affinity - x.affinity)
    .forEach((c) => take(c.a, c.h));

  const ids = [...agentById.keys()];
  const final = new Map(
    ids.map((id): [string, Classification] => [
      id,
      usedAgents.has(id) ? 'CONFIRMED' : cls.get(id) === 'FABRICATED' ? 'FABRICATED' : 'PLAUSIBLE',
    ]),
  );
  const count = (c: Classification) => [...final.values()].filter((v) => v === c).length;
  const total = agents.length;
  const confirmed = pairs.length;
  const fabricated = count('FABRICATED');
  const plausible = count('PLAUSIBLE');
  const caught = new Set(pairs.map((p) => p.h)).size;
  const recall = humans.length > 0 ? caught / humans.length : 0;
  const precision = total > 0 ? confirmed / total : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const redundancy = total > 0 ? (total - clusterCount(agents)) / total : 0;
  const hallucination = total > 0 ? fabricated / total : 0;
  const plausiblePenalty = total < 3 ? 0 : Math.max(0, plausible / total - 0.7);
  const actionability = total > 0 ? (mean(ids.map((id) => actionabilityOf.get(id) ?? 3)) - 1) / 4 : 0;
  const semanticAlignment = pairs.length > 0 ? mean(pairs.map((p) => p.sim)) : 0;
  return {
    humans: humans.length,
    agents: total,
    confirmed,
    plausible,
    fabricated,
    detectionRate: recall,
    precision,
    recall,
    f1,
    falsePositiveRate: hallucination,
    semanticAlignment,
    actionability,
    redundancy,
    plausiblePenalty,
    overall:
      total === 0
        ? 0
        : overallScore({
            recall,
            precision,
            semanticAlignment,
            actionability,
            hallucination,
            redundancy,
            plausiblePenalty,
            confirmed,
            fallback: judge.fallback,
          }),
    fallback: judge.fallback,
    pairs: pairs.map((p) => [p.a, p.h]),
  };
}

/**
 * assembler.py's overall score: 0.4 recall + 0.25 precision + 0.15 semantic alignment + 0.10 actionability
 * (a fifth of it when no pair was confirmed) + 0.05 efficiency (confirmed ÷ comments, which is the
 * precision) − 0.25 hallucination − 0.15 redundancy − 0.10 plausible penalty; halved after a judge
 * fallback; within [0, 1].
 */
export function overallScore(d: {
  recall: number;
  precision: number;
  semanticAlignment: number;
  actionability: number;
  hallucination: number;
  redundancy: number;
  plausiblePenalty: number;
  confirmed: number;
  fallback: boolean;
}): number {
  const value =
    0.4 * d.recall +
    0.25 * d.precision +
    0.15 * d.semanticAlignment +
    0.1 * (d.confirmed === 0 ? d.actionability * 0.2 : d.actionability) +
    0.05 * d.precision -
    0.25 * d.hallucination -
    0.15 * d.redundancy -
    0.1 * d.plausiblePenalty;
  return Math.max(0, Math.min(1, d.fallback ? value * 0.5 : value));
}

function affinity(raw: number, agent: AgentComment, humanFile: string, humanLine: unknown): number {
  let score = raw;
  if (agent.file !== '' && humanFile !== '' && agent.file === humanFile) {
    score += 0.15;
    const line = pyInt(humanLine);
    if (line !== undefined) {
      const distance = Math.abs(agent.line - line);
      if (distance <= 8) score += 0.1;
      else if (distance <= 20) score += 0.05;
    }
  }
  return Math.max(0, Math.min(1, score));
}

/** matching.py's near-duplicate clusters: each comment joins the first cluster whose first comment is 0.65 alike. */
function clusterCount(agents: readonly AgentComment[]): number {
  const reps: string[] = [];
  for (const a of agents) if (!reps.some((r) => lexicalSimilarity(a.body, r) >= 0.65)) reps.push(a.body);
  return reps.length;
}

/** matching.py's lexical similarity: the Jaccard index of the lower-cased `[A-Za-z0-9_]+` tokens. */
export function lexicalSimilarity(a: string, b: string): number {
  const tokens = (s: string) => new Set(s.toLowerCase().match(/[A-Za-z0-9_]+/g) ?? []);
  const ta = tokens(a);
  const tb = tokens(b);
  if (ta.size === 0 || tb.size === 0) return 0;
  const inter = [...ta].filter((t) => tb.has(t)).length;
  return inter / (ta.size + tb.size - inter);
}

export interface SweAggregate {
  prs: number;
  /** s̄: the mean overall score. */
  overall: number;
  detectionRate: number;
  falsePositiveRate: number;
  precision: number;
  recall: number;
  f1: number;
  fallbacks: number;
}

/** aggregate.py's figures of one configuration: plain means over the PRs' records. */
export function aggregateSwe(scores: readonly SwePrScore[]): SweAggregate {
  const m = (pick: (s: SwePrScore) => number) => (scores.length > 0 ? mean(scores.map(pick)) : 0);
  return {
    prs: scores.length,
    overall: m((s) => s.overall),
    detectionRate: m((s) => s.detectionRate),
    falsePositiveRate: m((s) => s.falsePositiveRate),
    precision: m((s) => s.precision),
    recall: m((s) => s.recall),
    f1: m((s) => s.f1),
    fallbacks: scores.filter((s) => s.fallback).length,
  };
}

export interface SweLeaderboard {
  judge: string;
  pipeline?: string;
  rows: { rank: number; model: string; overall: number; detectionRateA: number; falsePositiveRate: number }[];
}

/**
 * The leaderboard of the harness's README: the table under "## Leaderboard" (Rank, Model, Overall (s̄),
 * DR_A, FPR) and its note naming the judge ("Judge: GPT-5.2.") and the pipeline version.
 */
export function parseSweLeaderboard(readme: string): SweLeaderboard {
  const section = readme.split(/^## Leaderboard.*$/m)[1]?.split(/^## /m)[0];
  if (section === undefined) throw new Error('the README has no "## Leaderboard" section');
  const table = section.split('\n').filter((l) => l.trim().startsWith('|'));
  const cells = (l: string) =>
    l
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
  const head = cells(table[0] ?? '');
  const col = (name: RegExp) => {
    const i = head.findIndex((h) => name.test(h));
    if (i === -1) throw new Error(`the leaderboard has no column ${name.source}`);
    return i;
  };
  const at = {
    rank: col(/^Rank$/),
    model: col(/^Model$/),
    overall: col(/^Overall/),
    dr: col(/^DR_A$/),
    fpr: col(/^FPR$/),
  };
  const rows = table.slice(2).map((l) => {
    const c = cells(l);
    const num = (i: number) => {
      const v = Number(c[i]);
      if (c[i] === undefined || c[i] === '' || !Number.isFinite(v))
        throw new Error(`a leaderboard row does not read: ${l}`);
      return v;
    };
    return {
      rank: num(at.rank),
      model: c[at.model]!,
      overall: num(at.overall),
      detectionRateA: num(at.dr),
      falsePositiveRate: num(at.fpr),
    };
  });
  if (rows.length === 0) throw new Error('the leaderboard has no rows');
  const judge = /Judge:\s*(.+?)\.(?:\s|$)/.exec(section)?.[1];
  if (judge === undefined) throw new Error('the leaderboard does not name its judge');
  const pipeline = /Pipeline:\s*(v[\d.]*\d)/.exec(section)?.[1];
  return { judge, ...(pipeline ? { pipeline } : {}), rows };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const truthy = (v: unknown) => v !== undefined && v !== null && v !== false && v !== 0 && v !== '';

/** Python's str() of a JSON value, for the fields the harness prints or compares as text. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** Python's int() of a JSON value: whole numbers, floats cut toward zero, digit strings; else undefined. */
function pyInt(v: unknown): number | undefined {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v.trim());
  return undefined;
}

/** Python's str.splitlines() boundaries: \n \r \v \f, the file/group/record separators, NEL, LS and PS. */
const LINE_BREAKS = new Set(
  [10, 13, 11, 12, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029].map((c) => String.fromCharCode(c)),
);

/** Python's str.splitlines(): every line boundary it knows (\r\n as one), no empty last line after a break. */
function pySplitLines(s: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (!LINE_BREAKS.has(s[i]!)) continue;
    lines.push(s.slice(start, i));
    if (s[i] === '\r' && s[i + 1] === '\n') i++;
    start = i + 1;
  }
  if (start < s.length) lines.push(s.slice(start));
  return lines;
}

const codePoints = (s: string) => [...s].length;
