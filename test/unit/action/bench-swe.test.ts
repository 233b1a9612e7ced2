/**
 * `diffray eval --bench swe-prbench` offline: a two-PR fixture in the dataset's shape (prs.jsonl, the
 * eval split, the annotations) and the harness's files (judge.py, README) made here, a fake reviewer and a
 * fake judge: one judge call per PR with the harness's prompt, the scores, the published table beside
 * them, the non-comparable mark, the per-PR cache, and a failed judge request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resultCache } from '../../../action/adapters/bench-data.js';
import {
  renderSwePrBench,
  runSwePrBench,
  type SweEvalDeps,
  type SwePrResult,
} from '../../../action/bench-swe.js';
import type { PinnedFile } from '../../../action/core/findings/bench.js';
import type { ModelRequest, TextResult } from '../../../action/ports.js';

const pr = (n: number, diff: string) =>
  JSON.stringify({
    task_id: `acme__${n}`,
    repo: 'acme/api',
    pr_number: n,
    title: `PR ${n}`,
    description: null,
    base_commit: String(n).repeat(40),
    head_commit: String(n + 1).repeat(40),
    diff_patch: diff,
    language: 'Python',
    difficulty: 'Type1_Direct',
  });
const DATASET: Record<string, string> = {
  'dataset/prs.jsonl': [
    pr(1, 'diff --git a/src/a.py b/src/a.py\n+items[offset:]'),
    pr(2, 'diff --git a/b b/b\n+x'),
  ].join('\n'),
  'dataset/evals/eval_100.json': JSON.stringify([{ task_id: 'acme__1' }, { task_id: 'acme__2' }]),
  'dataset/annotations/acme__1_human.json': JSON.stringify({
    task_id: 'acme__1',
    substantive_comment_ids: ['c_1', 'c_2'],
    comments: [
      { comment_id: 'c_1', body: 'Negative offset is passed to slicing.', file: 'src/a.py', line: 3 },
      { comment_id: 'c_2', body: 'member may be None.', file: 'src/a.py', line: 40 },
      { comment_id: 'c_3', body: 'Thanks!', file: 'src/a.py', line: 3 },
    ],
  }),
  'dataset/annotations/acme__2_human.json': JSON.stringify({
    substantive_comment_ids: [],
    comments: [{ comment_id: 'c_1', body: 'hash() is randomized.', is_initiating_comment: true }],
  }),
};
const HARNESS: Record<string, string> = {
  'eval_harness/judge.py': 'JUDGE_SYSTEM_PROMPT = """Classify each agent comment."""\n',
  'README.md':
    '## Leaderboard (Paper Baseline)\n\n| Rank | Model | Overall (s̄) | DR_A | FPR |\n|---|---|---|---|---|\n' +
    '| 1 | Model One | 0.153 | 0.306 | 0.346 |\n\nEvaluated on `evals/eval_100.json`. Judge: GPT-9.1. Pipeline: v0.4.1.\n',
};
const FINDINGS: Record<
  number,
  { path: string; line: number; severity: 'high' | 'low'; title: string; body: string }[]
> = {
  1: [
    {
      path: 'src/a.py',
      line: 3,
      severity: 'high',
      title: 'Negative offset',
      body: 'Negative offset is passed to slicing.',
    },
    { path: 'src/b.py', line: 1, severity: 'low', title: 'Unused import', body: 'os is unused.' },
  ],
  2: [],
};
const ANSWER = {
  agent_classifications: [
    {
      comment_id: 'acme__1_diffray_0',
      classification: 'CONFIRMED',
      matched_human_comment_id: 'c_1',
      actionability_score: 4,
    },
    {
      comment_id: 'acme__1_diffray_1',
      classification: 'PLAUSIBLE',
      matched_human_comment_id: null,
      actionability_score: 2,
    },
  ],
  human_comment_statuses: [],
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function deps(cacheDir: string, answer: () => TextResult) {
  const reviews: number[] = [];
  const judged: ModelRequest[] = [];
  const progress: string[] = [];
  const read = (files: Record<string, string>) => (file: PinnedFile) => {
    const body = files[file.path];
    return body === undefined ? Promise.reject(new Error(`HTTP 404 ${file.path}`)) : Promise.resolve(body);
  };
  const d: SweEvalDeps = {
    dataset: read(DATASET),
    harness: read(HARNESS),
    review: (p) => {
      reviews.push(p.number);
      return Promise.resolve({ findings: FINDINGS[p.number] ?? [], costUsd: 0.5 });
    },
    judge: (request) => {
      judged.push(request);
      return Promise.resolve(answer());
    },
    cache: resultCache<SwePrResult>(cacheDir),
    progress: (line) => progress.push(line),
  };
  return { d, reviews, judged, progress };
}
const usage = { input: 10_000, cacheWrite: 0, cacheRead: 0, output: 500 };
const answered = (): TextResult => ({
  ok: true,
  text: '```json\n' + JSON.stringify(ANSWER) + '\n```',
  usage,
});
const opts = {
  pin: { revision: 'e'.repeat(40), sha256: '0'.repeat(64) },
  model: 'claude-sonnet-4-5',
  judgeModel: 'claude-opus-4-5-20251101',
  promptHash: 'p1',
};
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'diffray-swe-'));
  dirs.push(d);
  return d;
};

describe('diffray eval --bench swe-prbench', () => {
  it("scores the split's PRs with one judge call each, beside the published leaderboard, marked not comparable", async () => {
    const { d, judged, progress } = deps(tempDir(), answered);
    const report = await runSwePrBench(d, opts);

    // PR 1: one call with both findings; PR 2: no findings, no call.
    expect(judged).toHaveLength(1);
    expect(judged[0]).toMatchObject({
      model: 'claude-opus-4-5-20251101',
      system: 'Classify each agent comment.',
      temperature: 0,
      maxOutputTokens: 4_000,
    });
    const user = judged[0]!.user;
    expect(user).toContain('## Diff\n```diff\ndiff --git a/src/a.py b/src/a.py\n+items[offset:]\n```');
    expect(user).toContain('- comment_id: c_2\n  file: src/a.py\n  line: 40\n');
    expect(user).not.toContain('Thanks!');
    expect(user).toContain(
      '- comment_id: acme__1_diffray_0\n  file: src/a.py\n  line: 3\n  severity_claimed: P1\n',
    );
    // PR 1: recall ½, precision ½, alignment 1 (the finding repeats the comment), actionability (3−1)/4:
    // 0.2 + 0.125 + 0.15 + 0.05 + 0.025 = 0.55. PR 2: no comments, 0.
    const [one, two] = report.prs.map((p) => p.score!);
    expect(one!.overall).toBeCloseTo(0.55, 12);
    expect(two!.overall).toBe(0);
    expect(report.result.overall).toBeCloseTo(0.275, 12);
    expect(report.result).toMatchObject({ prs: 2, detectionRate: 0.25, falsePositiveRate: 0 });
    expect(report.notComparable[0]).toBe('the judge is claude-opus-4-5-20251101, the published one GPT-9.1');
    expect(report.notComparable).toHaveLength(3);
    expect(report.published).toMatchObject({ judge: 'GPT-9.1', date: '2026-03-26', pipeline: 'v0.4.1' });
    expect(progress[0]).toMatch(
      /^\[1\/2\] acme__1: score 0\.550, 1\/2 human comments caught, 0 of 2 fabricated · spent \$0\.5\d/,
    );

    const text = renderSwePrBench(report);
    expect(text).toContain('NOT COMPARABLE with the published table: the judge is claude-opus-4-5-20251101');
    expect(text).toContain('diffray: s̄ 0.275, DR 0.250, FPR 0.000');
    expect(text).toContain('Published leaderboard (2026-03-26, judge GPT-9.1, pipeline v0.4.1;');
    expect(text).toMatch(/ 1 Model One +s̄ 0\.153 {2}DR_A 0\.306 {2}FPR 0\.346/);
    expect(text).toMatch(/Spent: \$1\.00 on reviews, \$0\.\d\d on the judge/);
  });

  it('resumes from the per-PR cache, and a failed judge request fails the PR without caching it', async () => {
    const cacheDir = tempDir();
    const first = deps(cacheDir, () => ({ ok: false, error: 'HTTP 529', usage }));
    const failed = await runSwePrBench(first.d, opts);
    expect(failed.prs[0]).toMatchObject({ id: 'acme__1', error: 'judge request failed: HTTP 529' });
    expect(failed.result.prs).toBe(1);
    expect(renderSwePrBench(failed)).toContain('1 PRs failed and are left out: acme__1');

    const again = deps(cacheDir, answered);
    const report = await runSwePrBench(again.d, opts);
    expect(again.reviews).toEqual([1]);
    expect(again.progress[1]).toContain('(cached)');
    expect(report.result.prs).toBe(2);
  });

  it('takes --limit PRs of the split, and refuses a split naming a PR the records lack', async () => {
    const { d, reviews } = deps(tempDir(), answered);
    await runSwePrBench(d, { ...opts, limit: 1 });
    expect(reviews).toEqual([1]);
    const broken = deps(tempDir(), answered);
    broken.d.dataset = (file) =>
      Promise.resolve(file.path.endsWith('eval_100.json') ? '[{"task_id": "acme__9"}]' : DATASET[file.path]!);
    await expect(runSwePrBench(broken.d, opts)).rejects.toThrow('the evaluation split names acme__9');
  });
});
