import { describe, expect, it } from 'vitest';
import {
  aggregate,
  extractJudgePrompt,
  judgeUser,
  MARTIAN,
  parseJudgeAnswer,
  parseMartianGoldens,
  publishedTable,
  scorePr,
  type MatchVerdict,
} from '../../../../../action/core/findings/bench.js';

/** A judge from a table of `golden|candidate` → verdict; any other pair is no match. */
const judge =
  (goldens: string[], candidates: string[], table: Record<string, MatchVerdict>) =>
  (gi: number, ci: number) =>
    table[`${goldens[gi]}|${candidates[ci]}`] ?? { match: false, confidence: 0.9 };

describe('Martian scoring', () => {
  it('matches the published counts: 49 TP, 99 FP, 88 FN give P 33.1 %, R 35.8 %, F1 34.4 %', () => {
    const r = aggregate([
      { tp: 40, fp: 80, fn: 70 },
      { tp: 9, fp: 19, fn: 18 },
    ]);
    expect([r.tp, r.fp, r.fn]).toEqual([49, 99, 88]);
    expect((r.precision * 100).toFixed(1)).toBe('33.1');
    expect((r.recall * 100).toFixed(1)).toBe('35.8');
    expect((r.f1 * 100).toFixed(1)).toBe('34.4');
  });

  it('two candidates matching one golden: one TP; the other is FP only when judged after the better one', () => {
    const goldens = ['G'];
    const table = { 'G|A': { match: true, confidence: 0.7 }, 'G|B': { match: true, confidence: 0.9 } };
    // B (0.9) first: A (0.7) never beats it, so A is never a golden's best: a false positive.
    const bFirst = scorePr(goldens, ['B', 'A'], judge(goldens, ['B', 'A'], table));
    expect([bFirst.tp, bFirst.fp, bFirst.fn]).toEqual([1, 1, 0]);
    expect(bFirst.matches).toEqual([{ golden: 'G', candidate: 'B', confidence: 0.9 }]);
    // A first: A was G's best until B beat it, and step 3 never unmarks a candidate: no false positive.
    const aFirst = scorePr(goldens, ['A', 'B'], judge(goldens, ['A', 'B'], table));
    expect([aFirst.tp, aFirst.fp, aFirst.fn]).toEqual([1, 0, 0]);
    expect(aFirst.matches[0]!.candidate).toBe('B');
  });

  it('one candidate best for two goldens: two TPs (TP counts goldens), no FP', () => {
    const goldens = ['G1', 'G2'];
    const table = { 'G1|A': { match: true, confidence: 0.8 }, 'G2|A': { match: true, confidence: 0.6 } };
    const s = scorePr(goldens, ['A'], judge(goldens, ['A'], table));
    expect([s.tp, s.fp, s.fn, s.candidates]).toEqual([2, 0, 0, 1]);
  });

  it('no candidates: every golden a false negative; no goldens: skipped', () => {
    expect(scorePr(['G1', 'G2', 'G3'], [], () => ({ error: 'never called' }))).toMatchObject({
      tp: 0,
      fp: 0,
      fn: 3,
    });
    expect(scorePr([], ['A'], () => ({ error: 'never called' }))).toMatchObject({ skipped: true });
  });

  it('a match needs a confidence above 0; a judge error leaves its pair out', () => {
    const goldens = ['G1', 'G2'];
    const table = { 'G1|A': { match: true, confidence: 0 }, 'G2|A': { error: 'Timed out' } };
    const s = scorePr(goldens, ['A'], judge(goldens, ['A'], table));
    expect([s.tp, s.fp, s.fn, s.errors]).toEqual([0, 1, 2, 1]);
  });

  it('reads the judge answer as step 3 does: a ```json fence stripped, else JSON, else an error', () => {
    expect(parseJudgeAnswer('```json\n{"reasoning": "same", "match": true, "confidence": 0.8}\n```')).toEqual(
      {
        match: true,
        confidence: 0.8,
        reasoning: 'same',
      },
    );
    expect(parseJudgeAnswer('{"match": false, "confidence": 0.9}')).toEqual({
      match: false,
      confidence: 0.9,
    });
    expect(parseJudgeAnswer('It matches.')).toEqual({ error: 'JSON parse failed' });
  });

  it("reads the judge prompt out of the step-3 script and fills it like Python's format", () => {
    const script = [
      'JUDGE_PROMPT = """Judge.',
      'Golden: {golden_comment}',
      'Candidate: {candidate}',
      'Respond {{"match": true/false}}"""',
      'messages = [{',
      '    "role": "system",',
      '    "content": "Be precise.",',
      '}]',
    ].join('\n');
    const prompt = extractJudgePrompt(script);
    expect(prompt.system).toBe('Be precise.');
    expect(judgeUser(prompt, 'G $& x', 'C')).toBe(
      'Judge.\nGolden: G $& x\nCandidate: C\nRespond {"match": true/false}',
    );
    expect(() => extractJudgePrompt('nothing here')).toThrow(/JUDGE_PROMPT/);
  });
});

describe('benchmark files', () => {
  it("reads Martian's golden-comment files into PRs with their clone URL and number", () => {
    const prs = parseMartianGoldens([
      JSON.stringify([
        {
          pr_title: 'Faster pagination',
          url: 'https://github.com/acme/api/pull/12',
          comments: [{ comment: 'Negative slice.', severity: 'High' }, { comment: 'Missing check.' }],
        },
      ]),
      JSON.stringify([{ pr_title: 'Second', url: 'https://github.com/acme/web/pull/3', comments: [] }]),
    ]);
    expect(prs).toEqual([
      {
        id: 'https://github.com/acme/api/pull/12',
        cloneUrl: 'https://github.com/acme/api.git',
        number: 12,
        title: 'Faster pagination',
        body: '',
        goldens: [{ comment: 'Negative slice.', severity: 'High' }, { comment: 'Missing check.' }],
      },
      expect.objectContaining({ number: 3, goldens: [] }),
    ]);
    expect(() => parseMartianGoldens(['[{"url": "https://example.com/x"}]'])).toThrow(/pull request URL/);
  });

  it('computes the published table from the dashboard data of the published judge', () => {
    const dashboard = {
      models: {
        judgeA: {
          prs: [
            { tool_metrics: { x: { tp: 1, fp: 1, fn: 1 }, y: { tp: 0, fp: 0, fn: 2 } } },
            { tool_metrics: { x: { tp: 1, fp: 0, fn: 0 } } },
          ],
        },
      },
      tool_display_names: { x: 'Tool X' },
    };
    const rows = publishedTable(dashboard, 'judgeA');
    expect(rows.map((r) => [r.tool, r.tp, r.fp, r.fn])).toEqual([
      ['Tool X', 2, 1, 1],
      ['y', 0, 0, 2],
    ]);
    expect(() => publishedTable(dashboard, 'judgeB')).toThrow(/no results for the judge judgeB/);
  });

  it('pins every Martian file by a SHA-256 at one commit, with the published judge', () => {
    expect(MARTIAN.baseUrl).toContain(MARTIAN.revision);
    expect(MARTIAN.files.golden).toHaveLength(5);
    for (const f of [...MARTIAN.files.golden, MARTIAN.files.judgeScript!, MARTIAN.files.table!])
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(MARTIAN.publishedJudge!.model).toBe('claude-opus-4-5-20251101');
  });
});
