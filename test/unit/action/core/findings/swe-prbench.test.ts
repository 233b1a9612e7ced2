/**
 * SWE-PRBench's files and scoring (core/findings/swe-prbench.ts): records made here in the dataset's exact
 * shape, the harness's judge message and answer reading, hand-computed scores (two comments for one human
 * comment, one comment for two, the similarity fallback's pairing and its bounds, no comments, a judge
 * fallback, duplicates) and the overall score against per-PR figures a harness run published.
 */
import { describe, expect, it } from 'vitest';
import {
  aggregateSwe,
  diffSnippet,
  extractSweJudgeSystem,
  groundTruth,
  judgeMessage,
  lexicalSimilarity,
  overallScore,
  parseEvalSplit,
  parseSweJudgeAnswer,
  parseSweLeaderboard,
  parseSwePrs,
  scoreSwePr,
  SWE_PRBENCH,
  type AgentComment,
  type JudgedComment,
} from '../../../../../action/core/findings/swe-prbench.js';

/** A prs.jsonl record in the dataset's shape (every field of the published file, values made up). */
const record = (over: Record<string, unknown> = {}) => ({
  task_id: 'acme__7',
  repo: 'acme/api',
  repo_name: 'api',
  repo_clone_url: 'https://github.com/acme/api.git',
  repo_url: 'https://github.com/acme/api',
  pr_number: 7,
  pr_url: 'https://github.com/acme/api/pull/7',
  title: 'Faster pagination',
  description: null,
  language: 'Python',
  pr_type: 'bug_fix',
  difficulty: 'Type1_Direct',
  severity: null,
  rvs_score: 0.5,
  rvs_breakdown: { review_depth: 0.5 },
  lines_added: 3,
  lines_removed: 1,
  files_changed: 1,
  changed_files: ['src/a.py'],
  merged_at: '2025-01-02T03:04:05Z',
  base_commit: 'a'.repeat(40),
  head_commit: 'b'.repeat(40),
  num_substantive_comments: 1,
  num_unique_reviewers: 1,
  has_requested_changes: false,
  ai_comments_removed: 0,
  human_review_comments: [],
  agent_input: null,
  diff_patch: 'diff --git a/src/a.py b/src/a.py\n+x = 1\n',
  ...over,
});

describe('the dataset files', () => {
  it('reads prs.jsonl records with their commits and diff', () => {
    const text = `${JSON.stringify(record())}\n\n${JSON.stringify(record({ task_id: 'acme__8', pr_number: 8, description: 'Why.' }))}\n`;
    expect(parseSwePrs(text)).toEqual([
      {
        taskId: 'acme__7',
        repo: 'acme/api',
        number: 7,
        title: 'Faster pagination',
        description: '',
        baseSha: 'a'.repeat(40),
        headSha: 'b'.repeat(40),
        diffPatch: 'diff --git a/src/a.py b/src/a.py\n+x = 1\n',
      },
      expect.objectContaining({ taskId: 'acme__8', number: 8, description: 'Why.' }),
    ]);
  });

  it('fails clearly, with the line and field, on a file that is not in that format', () => {
    const guessed = JSON.stringify({ id: 's1', repo: 'acme/api', pr_number: 1, base_sha: 'a'.repeat(40) });
    expect(() => parseSwePrs(guessed)).toThrow(
      'prs.jsonl line 1: "task_id" is missing (not the SWE-PRBench record format)',
    );
    const line2 = `${JSON.stringify(record())}\n${JSON.stringify(record({ head_commit: 'main' }))}`;
    expect(() => parseSwePrs(line2)).toThrow('prs.jsonl line 2: "head_commit" is not of the expected form');
    expect(() => parseSwePrs(JSON.stringify(record({ pr_number: '7' })))).toThrow(
      '"pr_number" is not a whole number',
    );
    expect(() => parseSwePrs('{"task_id": ')).toThrow('prs.jsonl line 1: not JSON');
    expect(() => parseSwePrs('\n')).toThrow('prs.jsonl has no records');
  });

  it('reads the evaluation split in order, and refuses one without task ids', () => {
    expect(
      parseEvalSplit(JSON.stringify([{ task_id: 'b__2', difficulty: 'x' }, { task_id: 'a__1' }])),
    ).toEqual(['b__2', 'a__1']);
    expect(() => parseEvalSplit('{"task_ids": []}')).toThrow('not a list');
    expect(() => parseEvalSplit('[{"id": "x"}]')).toThrow('entry 1 has no task_id');
  });

  it('takes the substantive comments as ground truth, else the initiating ones', () => {
    const comments = [
      { comment_id: 'c_1', body: 'Off by one in the loop bound.', is_initiating_comment: true },
      { comment_id: 'c_2', body: 'Agreed.', is_initiating_comment: false, is_reply: true },
      { comment_id: 'c_3', body: 'This leaks the handle on error.', is_initiating_comment: true },
    ];
    const ids = (text: string) => groundTruth(text, 't').map((c) => c.comment_id);
    expect(ids(JSON.stringify({ substantive_comment_ids: ['c_3'], comments }))).toEqual(['c_3']);
    expect(ids(JSON.stringify({ substantive_comment_ids: [], comments }))).toEqual(['c_1', 'c_3']);
    expect(() => groundTruth('{"task_id": "t"}', 't')).toThrow('the annotation of t has no "comments" list');
  });
});

describe('the judge request', () => {
  it("reads the system prompt out of the harness's judge.py", () => {
    const script =
      'JUDGE_PROMPT_VERSION = "v1.0"\n\nJUDGE_SYSTEM_PROMPT = """You judge.\n\n## Output\n{"a": 1}\n"""\n\n\ndef run_judge():\n    pass\n';
    expect(extractSweJudgeSystem(script)).toBe('You judge.\n\n## Output\n{"a": 1}\n');
    expect(() => extractSweJudgeSystem('PROMPT = "x"')).toThrow('no JUDGE_SYSTEM_PROMPT');
    expect(SWE_PRBENCH.harnessUrl).toContain(SWE_PRBENCH.harnessCommit);
    for (const f of [SWE_PRBENCH.judgeScript, SWE_PRBENCH.readme]) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds the message as judge.py does: the diff, then the human comments as Python prints them, then the agent', () => {
    const humans = [{ comment_id: 'c_1', line: null, body: 'Check the bound.' }];
    const agents: AgentComment[] = [
      { id: 't_diffray_0', body: 'Bound\n\nOff by one.', file: 'src/a.py', line: 3, severity: 'P1' },
    ];
    expect(judgeMessage('diff --git a/x b/x\n+y\n', humans, agents)).toBe(
      '## Diff\n```diff\ndiff --git a/x b/x\n+y\n```\n\n' +
        '## Human Expert Review Comments (Ground Truth)\n' +
        '- comment_id: c_1\n  file: general\n  line: None\n  severity: unspecified\n  body: Check the bound.\n\n\n\n' +
        '## AI Agent Review Comments (To Evaluate)\n' +
        '- comment_id: t_diffray_0\n  file: src/a.py\n  line: 3\n  severity_claimed: P1\n  body: Bound\n\nOff by one.\n\n',
    );
    expect(judgeMessage('', [], [])).toContain(
      '## AI Agent Review Comments (To Evaluate)\n(Agent produced no comments)\n',
    );
  });

  it('shows the judge implementation files first, the richest hunks first, whole, within 12,000 characters', () => {
    const file = (path: string, lines: string[]) =>
      [`diff --git a/${path} b/${path}`, '@@ -1 +1 @@', ...lines].join('\n');
    const test = file('tests/test_a.py', ['+assert a', '+assert b', '+assert c']);
    const small = file('src/small.py', ['+x = 1']);
    const logic = file('src/logic.py', ['+if x:', '+    return parse(y)']);
    const huge = file('src/huge.py', [`+${'z'.repeat(12_100)}`]);
    // logic.py: 2 changed lines + 3 markers (if, return, parse) × 3 = 11; small.py: 1; test last.
    expect(diffSnippet([test, small, huge, logic].join('\n'))).toBe([logic, small, test].join('\n\n'));
    // Nothing fits: the patch's first 12,000 characters.
    expect(diffSnippet(huge)).toBe(huge.slice(0, 12_000));
  });
});

describe("the judge's answer", () => {
  it('reads fenced or surrounded JSON, keeps valid classifications and bounds actionability as int() does', () => {
    const answer = {
      agent_classifications: [
        {
          comment_id: 'a',
          classification: 'confirmed ',
          matched_human_comment_id: 'c_1',
          actionability_score: '4',
        },
        {
          comment_id: 'b',
          classification: 'PLAUSIBLE',
          matched_human_comment_id: null,
          actionability_score: 9,
        },
        { comment_id: 'c', classification: 'FABRICATED', actionability_score: 2.7 },
        { comment_id: 'd', classification: 'WRONG', actionability_score: 1 },
        { comment_id: 'e', classification: 'PLAUSIBLE', actionability_score: null },
      ],
      human_comment_statuses: [],
    };
    const expected: JudgedComment[] = [
      { id: 'a', classification: 'CONFIRMED', matchedHuman: 'c_1', actionability: 4 },
      { id: 'b', classification: 'PLAUSIBLE', actionability: 5 },
      { id: 'c', classification: 'FABRICATED', actionability: 2 },
      { id: 'e', classification: 'PLAUSIBLE', actionability: 3 },
    ];
    expect(parseSweJudgeAnswer('```json\n' + JSON.stringify(answer) + '\n```')).toEqual({
      judged: expected,
      fallback: false,
    });
    expect(parseSweJudgeAnswer(`Here it is: ${JSON.stringify(answer)} Done.`)).toEqual({
      judged: expected,
      fallback: false,
    });
  });

  it("falls back on an answer that does not read (the harness's fallback), not on an empty list", () => {
    expect(parseSweJudgeAnswer('I cannot judge this.')).toEqual({ judged: [], fallback: true });
    expect(parseSweJudgeAnswer('')).toEqual({ judged: [], fallback: true });
    expect(parseSweJudgeAnswer('[1, 2]')).toEqual({ judged: [], fallback: true });
    expect(parseSweJudgeAnswer('{"agent_classifications": []}')).toEqual({ judged: [], fallback: false });
  });
});

const agent = (id: string, body: string, file = 'src/x.py', line = 1): AgentComment => ({
  id,
  body,
  file,
  line,
  severity: 'P2',
});
const judged = (
  id: string,
  classification: JudgedComment['classification'],
  actionability: number,
  matchedHuman?: string,
): JudgedComment => ({
  id,
  classification,
  actionability,
  ...(matchedHuman ? { matchedHuman } : {}),
});

describe('scoring a PR', () => {
  it('keeps one pair when two comments are confirmed for one human comment: the more actionable', () => {
    const humans = [
      { comment_id: 'h1', body: 'offset can be negative here', file: 'src/a.py', line: 10 },
      { comment_id: 'h2', body: 'missing timeout on retries', file: 'src/b.py', line: 50 },
    ];
    const agents = [
      agent('a0', 'slice bound wrong'),
      agent('a1', 'negative offset breaks slicing'),
      agent('a2', 'invented method call'),
    ];
    const s = scoreSwePr(humans, agents, {
      judged: [
        judged('a0', 'CONFIRMED', 4, 'h1'),
        judged('a1', 'CONFIRMED', 5, 'h1'),
        judged('a2', 'FABRICATED', 1),
      ],
      fallback: false,
    });
    expect(s.pairs).toEqual([['a1', 'h1']]);
    expect(s).toMatchObject({
      confirmed: 1,
      plausible: 1,
      fabricated: 1,
      recall: 0.5,
      precision: 1 / 3,
      f1: 0.4,
    });
    expect(s.falsePositiveRate).toBeCloseTo(1 / 3, 12);
    // Jaccard of {negative, offset, breaks, slicing} and {offset, can, be, negative, here}: 2 of 7.
    expect(s.semanticAlignment).toBeCloseTo(2 / 7, 12);
    expect(s.actionability).toBeCloseTo((10 / 3 - 1) / 4, 12);
    // 0.4·½ + 0.25·⅓ + 0.15·2/7 + 0.10·7/12 + 0.05·⅓ − 0.25·⅓
    expect(s.overall).toBeCloseTo(0.3178571428571429, 12);
  });

  it('keeps one pair when one comment is confirmed for two human comments', () => {
    const humans = [
      { comment_id: 'h1', body: 'alpha issue' },
      { comment_id: 'h2', body: 'beta issue' },
    ];
    const s = scoreSwePr(humans, [agent('a0', 'gamma')], {
      judged: [judged('a0', 'CONFIRMED', 3, 'h1'), judged('a0', 'CONFIRMED', 5, 'h2')],
      fallback: false,
    });
    expect(s.pairs).toEqual([['a0', 'h2']]);
    expect(s).toMatchObject({ recall: 0.5, precision: 1, actionability: 1, semanticAlignment: 0 });
    expect(s.overall).toBeCloseTo(0.4 * 0.5 + 0.25 + 0.1 + 0.05, 12);
  });

  it('pairs an unconfirmed comment by similarity and place at 0.3 or more, and no further', () => {
    const humans = [{ comment_id: 'h1', body: 'shared u1 u2 u3 u4', file: 'src/a.py', line: 10 }];
    // Each comment shares 1 of 10 tokens with the human one: 0.1, +0.15 same file, +0.10 within 8 lines.
    const near = agent('a0', 't1 t2 t3 t4 t5 shared', 'src/a.py', 18);
    const far = agent('a1', 'shared v1 v2 v3 v4 v5', 'src/a.py', 31);
    expect(lexicalSimilarity(near.body, humans[0]!.body)).toBeCloseTo(0.1, 12);
    const s = scoreSwePr(humans, [far, near], {
      judged: [judged('a0', 'PLAUSIBLE', 3), judged('a1', 'PLAUSIBLE', 3)],
      fallback: false,
    });
    // The far one (21 lines off: 0.25) is not paired.
    expect(s.pairs).toEqual([['a0', 'h1']]);
    expect(s.overall).toBeCloseTo(0.4 + 0.25 * 0.5 + 0.15 * 0.1 + 0.1 * 0.5 + 0.05 * 0.5, 12);
  });

  it('scores a PR without comments 0', () => {
    const s = scoreSwePr([{ comment_id: 'h1', body: 'x' }], [], { judged: [], fallback: false });
    expect(s).toMatchObject({
      overall: 0,
      recall: 0,
      precision: 0,
      falsePositiveRate: 0,
      agents: 0,
      humans: 1,
    });
  });

  it('halves the score after a judge fallback, every comment PLAUSIBLE at actionability 3', () => {
    const s = scoreSwePr([{ comment_id: 'h1', body: 'alpha' }], [agent('a0', 'beta'), agent('a1', 'gamma')], {
      judged: [],
      fallback: true,
    });
    // 0.10 · (0.5 · 0.2), halved.
    expect(s).toMatchObject({ plausible: 2, fallback: true });
    expect(s.overall).toBeCloseTo(0.005, 12);
  });

  it('counts near-duplicate comments as redundancy and mostly-plausible reviews as a penalty', () => {
    const humans = [{ comment_id: 'h1', body: 'unrelated' }];
    const dup = scoreSwePr(humans, [agent('a0', 'same words here'), agent('a1', 'Same words, here.')], {
      judged: [],
      fallback: false,
    });
    expect(dup.redundancy).toBe(0.5);
    expect(dup.overall).toBe(0);
    const four = ['one', 'two', 'three', 'four'].map((w, i) => agent(`a${i}`, w));
    expect(scoreSwePr(humans, four, { judged: [], fallback: false }).plausiblePenalty).toBeCloseTo(0.3, 12);
  });

  it('computes the overall score of per-PR figures a harness run published', () => {
    // Records of claude_code_eval/results/runs/opus_4_8_low__judge_claude_sonnet_46_judge/eval_report.json
    // (FoundryHQ-AI/swe-prbench at 47524d26): agents__3608 config_A and config_B, agents__3948 config_A.
    const published = [
      {
        recall: 1,
        precision: 0.5,
        semanticAlignment: 0.3606112524867058,
        actionability: 0.625,
        hallucination: 0,
        redundancy: 0,
        confirmed: 2,
        overall: 0.6665916878730059,
      },
      {
        recall: 1,
        precision: 0.5,
        semanticAlignment: 0.397878959774971,
        actionability: 0.5,
        hallucination: 0,
        redundancy: 0.25,
        confirmed: 2,
        overall: 0.6221818439662458,
      },
      {
        recall: 0.4,
        precision: 0.4,
        semanticAlignment: 0.38950155675411224,
        actionability: 0.25,
        hallucination: 0.6,
        redundancy: 0,
        confirmed: 2,
        overall: 0.2134252335131169,
      },
    ];
    for (const { overall, ...d } of published)
      expect(overallScore({ ...d, plausiblePenalty: 0, fallback: false })).toBeCloseTo(overall, 12);
  });

  it('averages the PRs as aggregate.py does for one configuration', () => {
    const humans = [{ comment_id: 'h1', body: 'alpha' }];
    const a = scoreSwePr(humans, [agent('a0', 'alpha')], {
      judged: [judged('a0', 'CONFIRMED', 5, 'h1')],
      fallback: false,
    });
    const b = scoreSwePr(humans, [], { judged: [], fallback: false });
    const agg = aggregateSwe([a, b]);
    expect(agg).toMatchObject({
      prs: 2,
      detectionRate: 0.5,
      precision: 0.5,
      falsePositiveRate: 0,
      fallbacks: 0,
    });
    expect(agg.overall).toBeCloseTo(a.overall / 2, 12);
    expect(aggregateSwe([])).toMatchObject({ prs: 0, overall: 0 });
  });
});

describe('the published leaderboard', () => {
  const readme = [
    '# Harness',
    '',
    '## Leaderboard (Paper Baseline)',
    '',
    '![board](https://example.com/x.png)',
    '',
    '| Rank | Model | Overall (s̄) | DR_A | FPR |',
    '|------|-------|-------------|------|-----|',
    '| 1 | Model One | 0.200 | 0.400 | 0.100 |',
    '| 2 | Model Two | 0.150 | 0.300 | 0.250 |',
    '',
    'Evaluated on `evals/eval_100.json`. Judge: GPT-9.1. Pipeline: v1.2.3.',
    '',
    '---',
    '',
    '## Quick Start',
    '| not | this |',
  ].join('\n');

  it('reads the README table with its judge and pipeline', () => {
    expect(parseSweLeaderboard(readme)).toEqual({
      judge: 'GPT-9.1',
      pipeline: 'v1.2.3',
      rows: [
        { rank: 1, model: 'Model One', overall: 0.2, detectionRateA: 0.4, falsePositiveRate: 0.1 },
        { rank: 2, model: 'Model Two', overall: 0.15, detectionRateA: 0.3, falsePositiveRate: 0.25 },
      ],
    });
    expect(() => parseSweLeaderboard('# Nothing')).toThrow('no "## Leaderboard" section');
    expect(() => parseSweLeaderboard(readme.replace('| DR_A ', '| DR '))).toThrow('no column ^DR_A$');
    expect(() => parseSweLeaderboard(readme.replace('Judge: GPT-9.1. ', ''))).toThrow(
      'does not name its judge',
    );
  });
});
