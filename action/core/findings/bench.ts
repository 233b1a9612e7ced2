/**
 * `diffray eval --bench martian`: the Martian Code Review Bench, pure parts. What is downloaded (pinned by
 * commit and checked by hash: nothing of the benchmark is in this repository), how its files read, and its
 * scoring ported from its step 3 (offline/code_review_benchmark/step3_judge_comments.py). SWE-PRBench's
 * are in swe-prbench.ts.
 */

/**
 * A file of a benchmark, pinned: fetched from `path` under the source's base URL (which names a commit),
 * checked by SHA-256 when its hash is known beforehand.
 */
export interface PinnedFile {
  path: string;
  sha256?: string;
}

export interface BenchSource {
  name: 'martian';
  /** Where the pinned files are read, the revision included. */
  baseUrl: string;
  /** The commit or revision the files are pinned to, and its date (the published table's date). */
  revision: string;
  date?: string;
  files: { golden: PinnedFile[]; judgeScript?: PinnedFile; table?: PinnedFile };
  /** The judge model of the published table (the run is comparable only with the same judge). */
  publishedJudge?: { model: string; tableKey: string };
}

const MARTIAN_COMMIT = '012d68202e56280855b85abb956410086008a7b2';

/**
 * The Martian Code Review Bench (MIT), at its commit of 2026-03-05: the five golden-comment files (50 PRs,
 * 137 golden comments), the judge script whose prompt the scorer uses, and the dashboard data the published
 * table is computed from. Hashes of the files at that commit.
 */
export const MARTIAN: BenchSource = {
  name: 'martian',
  baseUrl: `https://raw.githubusercontent.com/withmartian/code-review-benchmark/${MARTIAN_COMMIT}`,
  revision: MARTIAN_COMMIT,
  date: '2026-03-05',
  files: {
    golden: [
      {
        path: 'offline/golden_comments/cal_dot_com.json',
        sha256: 'a1361509202cdaea0842838cd03253b82345c85fde320480ef874084ab2af470',
      },
      {
        path: 'offline/golden_comments/discourse.json',
        sha256: 'e18c62708f72066e5dc99eba05caf61572b73f93bdfa4c14374e56b44a1265a5',
      },
      {
        path: 'offline/golden_comments/grafana.json',
        sha256: '15055ffefa1714d60cd18aab46612497087240ae99f93170e91b226696bc8182',
      },
      {
        path: 'offline/golden_comments/keycloak.json',
        sha256: 'a77fe83c5efbe50555d18083e58a65130882a293070c7fb79d1734223d6dcdc7',
      },
      {
        path: 'offline/golden_comments/sentry.json',
        sha256: 'd69844d950fac34f63fee221276074238c60e19344803ecd1375e52c4fef5b36',
      },
    ],
    judgeScript: {
      path: 'offline/code_review_benchmark/step3_judge_comments.py',
      sha256: 'a15e8171ecbeacd07076a08e06c04d21c19e49e6ec59d8ccaccf7541e1f8dfdf',
    },
    table: {
      path: 'offline/analysis/benchmark_dashboard.json',
      sha256: '1f586fed02a25f6bb2419827ac6ce2e03e5cc2fabd5b8fc3473caa683a258347',
    },
  },
  publishedJudge: { model: 'claude-opus-4-5-20251101', tableKey: 'anthropic_claude-opus-4-5-20251101' },
};

/** One PR of a benchmark: where to get it, and the comments a reviewer is scored against. */
export interface BenchPr {
  /** The PR's URL (Martian's key). */
  id: string;
  /** `https://github.com/owner/name.git`. */
  cloneUrl: string;
  number: number;
  title: string;
  body: string;
  goldens: { comment: string; severity?: string }[];
}

const PR_URL = /^https:\/\/github\.com\/([\w.-]+)\/([\w.-]+)\/pull\/(\d+)\/?$/;

/** The PRs of Martian's golden-comment files (`[{ pr_title, url, comments: [{ comment, severity }] }]`). */
export function parseMartianGoldens(texts: string[]): BenchPr[] {
  const prs: BenchPr[] = [];
  for (const text of texts) {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) throw new Error('a golden-comment file is not a list');
    for (const entry of list as Record<string, unknown>[]) {
      const url = String(entry.url ?? '');
      const m = PR_URL.exec(url);
      if (!m) throw new Error(`a golden entry has no GitHub pull request URL: ${url.slice(0, 200)}`);
      const comments = Array.isArray(entry.comments) ? (entry.comments as Record<string, unknown>[]) : [];
      prs.push({
        id: url,
        cloneUrl: `https://github.com/${m[1]}/${m[2]}.git`,
        number: Number(m[3]),
        title: String(entry.pr_title ?? ''),
        body: '',
        goldens: comments
          .filter((c) => typeof c.comment === 'string')
          .map((c) => ({
            comment: c.comment as string,
            ...(typeof c.severity === 'string' ? { severity: c.severity } : {}),
          })),
      });
    }
  }
  return prs;
}

/** The judge's instructions, as Martian's step 3 sends them (read from its pinned script). */
export interface JudgePrompt {
  system: string;
  /** With `{golden_comment}` and `{candidate}` to fill. */
  template: string;
}

/** Reads the judge prompt out of Martian's step-3 script: `JUDGE_PROMPT = """..."""` and its system message. */
export function extractJudgePrompt(script: string): JudgePrompt {
  const template = /JUDGE_PROMPT = """([\s\S]*?)"""/.exec(script)?.[1];
  const system = /"role": "system",\s*"content": "([^"]*)"/.exec(script)?.[1];
  if (template === undefined || system === undefined)
    throw new Error('the judge script has no JUDGE_PROMPT or system message where expected');
  return { system, template: template.replace(/\{\{/g, '{').replace(/\}\}/g, '}') };
}

/** The judge request of one golden/candidate pair (Python's str.format of the template). */
export function judgeUser(prompt: JudgePrompt, golden: string, candidate: string): string {
  return prompt.template.replace('{golden_comment}', () => golden).replace('{candidate}', () => candidate);
}

export type MatchVerdict = { match: boolean; confidence: number; reasoning?: string } | { error: string };

/** The judge's answer read as step 3 reads it: a ``` fence stripped (and a `json` tag), then JSON. */
export function parseJudgeAnswer(text: string): MatchVerdict {
  let content = text.trim();
  if (content.startsWith('```')) {
    content = content.split('```')[1] ?? '';
    if (content.startsWith('json')) content = content.slice(4);
    content = content.trim();
  }
  try {
    const parsed = JSON.parse(content) as {
      match?: unknown;
      confidence?: unknown;
      reasoning?: unknown;
      error?: unknown;
    };
    if (parsed.error !== undefined) return { error: String(parsed.error) };
    return {
      match: Boolean(parsed.match),
      confidence: typeof parsed.confidence === 'number' ? parsed.confidence : 0,
      ...(typeof parsed.reasoning === 'string' ? { reasoning: parsed.reasoning } : {}),
    };
  } catch {
    return { error: 'JSON parse failed' };
  }
}

export interface PrScore {
  tp: number;
  fp: number;
  fn: number;
  candidates: number;
  goldens: number;
  errors: number;
  /** Each matched golden with the candidate that matched it best. */
  matches: { golden: string; candidate: string; confidence: number }[];
  skipped?: true;
}

/**
 * Martian's `evaluate_review`, ported: every golden is judged against every candidate (goldens outer); a
 * golden's match is the candidate judged a match with the highest confidence (strictly higher replaces, so
 * the first wins a tie), and a candidate counts as matched once it has been some golden's best so far. TP =
 * goldens matched, FN = goldens not, FP = candidates never matched; goldens and candidates are keyed by text
 * as there (repeated texts count once in TP, FN and FP, though `candidates` counts them all). A judge error
 * leaves its pair out. No goldens: skipped; no candidates: every golden is a false negative.
 */
export function scorePr(
  goldens: readonly string[],
  candidates: readonly string[],
  verdict: (golden: number, candidate: number) => MatchVerdict,
): PrScore {
  const base = { candidates: candidates.length, goldens: goldens.length, errors: 0, matches: [] };
  if (goldens.length === 0) return { tp: 0, fp: 0, fn: 0, ...base, skipped: true };
  const best = new Map<string, { confidence: number; candidate?: string }>();
  for (const g of goldens) best.set(g, { confidence: 0 });
  const matched = new Map<string, boolean>(candidates.map((c) => [c, false]));
  let errors = 0;
  goldens.forEach((golden, gi) => {
    candidates.forEach((candidate, ci) => {
      const v = verdict(gi, ci);
      if ('error' in v) {
        errors++;
        return;
      }
      const current = best.get(golden)!;
      if (v.match && v.confidence > current.confidence) {
        best.set(golden, { confidence: v.confidence, candidate });
        matched.set(candidate, true);
      }
    });
  });
  const matches = [...best].flatMap(([golden, b]) =>
    b.candidate === undefined ? [] : [{ golden, candidate: b.candidate, confidence: b.confidence }],
  );
  return {
    tp: matches.length,
    fp: [...matched.values()].filter((m) => !m).length,
    fn: best.size - matches.length,
    ...base,
    errors,
    matches,
  };
}

export interface Aggregate {
  prs: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

/** P = TP ÷ (TP + FP), R = TP ÷ (TP + FN), F1 their harmonic mean, over the counts of all PRs. */
export function aggregate(scores: readonly { tp: number; fp: number; fn: number }[]): Aggregate {
  const tp = scores.reduce((n, s) => n + s.tp, 0);
  const fp = scores.reduce((n, s) => n + s.fp, 0);
  const fn = scores.reduce((n, s) => n + s.fn, 0);
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { prs: scores.length, tp, fp, fn, precision, recall, f1 };
}

/** The published table: each tool's counts summed over the PRs of the dashboard's `judgeKey` results. */
export function publishedTable(dashboard: unknown, judgeKey: string): ({ tool: string } & Aggregate)[] {
  const d = dashboard as {
    models?: Record<
      string,
      { prs?: { tool_metrics?: Record<string, { tp: number; fp: number; fn: number }> }[] }
    >;
    tool_display_names?: Record<string, string>;
  };
  const prs = d.models?.[judgeKey]?.prs;
  if (!prs) throw new Error(`the published data has no results for the judge ${judgeKey}`);
  const byTool = new Map<string, { tp: number; fp: number; fn: number }[]>();
  for (const pr of prs)
    for (const [tool, m] of Object.entries(pr.tool_metrics ?? {}))
      byTool.set(tool, [...(byTool.get(tool) ?? []), m]);
  return [...byTool]
    .map(([tool, counts]) => ({ tool: d.tool_display_names?.[tool] ?? tool, ...aggregate(counts) }))
    .sort((a, b) => b.f1 - a.f1);
}

/** A finding as a candidate comment: what a reviewer's inline comment says (title and body). */
export function candidateText(f: { title: string; body: string }): string {
  return `${f.title}\n\n${f.body}`.trim();
}
