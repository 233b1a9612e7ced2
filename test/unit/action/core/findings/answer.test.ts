import { describe, expect, it } from 'vitest';
import {
  addRepairs,
  readFindingsAnswer,
  repairCounts,
  type AnswerRepairs,
} from '../../../../../action/core/findings/answer.js';
import { answerRepairsLine } from '../../../../../action/core/output/phrases.js';
import { FINDINGS_PER_ANSWER, LIMITS, SUGGESTION_CHARS } from '../../../../../shared/index.js';

const good = (overrides: Record<string, unknown> = {}) => ({
  path: 'src/app.ts',
  line: 12,
  severity: 'high',
  category: 'correctness',
  title: 'Off by one',
  body: 'The loop stops one short.',
  confidence: 0.9,
  ...overrides,
});

function read(findings: unknown[]) {
  const answer = readFindingsAnswer({ findings });
  if (!answer.ok) throw new Error(answer.error);
  return answer;
}

describe('readFindingsAnswer: the answer as a whole', () => {
  it('takes a valid answer as it is', () => {
    const answer = read([good(), good({ line: 13, startLine: 12, quote: '  x', suggestion: 'y' })]);
    expect(answer.findings).toEqual([
      good(),
      good({ line: 13, startLine: 12, quote: '  x', suggestion: 'y' }),
    ]);
    expect(answer.dropped).toEqual([]);
    expect(answer.repaired).toBe(0);
  });

  it.each([
    ['raw text (JSON that did not parse)', '{"findings": [{"path":'],
    ['no findings list', { issues: [] }],
    ['findings that are not a list', { findings: 'none' }],
    ['null', null],
  ])('is malformed only when it is no findings list at all: %s', (_, input) => {
    expect(readFindingsAnswer(input)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^invalid tool input at/),
    });
  });

  it('ignores fields it does not know, at the top and in a finding', () => {
    const answer = readFindingsAnswer({ findings: [good({ extra: 1 })], note: 'x' });
    expect(answer).toMatchObject({ ok: true, findings: [good()], dropped: [], repaired: 0 });
  });
});

describe('readFindingsAnswer: one finding at a time', () => {
  it('cuts an oversize body and title to their limits and keeps the finding and its neighbours', () => {
    const answer = read([
      good({ line: 10 }),
      good({ line: 11, title: 'T'.repeat(5_000), body: 'B'.repeat(LIMITS.findingBodyChars * 10) }),
      good({ line: 12 }),
    ]);
    expect(answer.findings.map((f) => f.line)).toEqual([10, 11, 12]);
    const cut = answer.findings[1]!;
    expect(cut.body).toHaveLength(LIMITS.findingBodyChars);
    expect(cut.body.endsWith('…')).toBe(true);
    expect(cut.title).toHaveLength(LIMITS.findingTitleChars);
    expect(answer).toMatchObject({ dropped: [], repaired: 1 });
  });

  it('leaves out oversize or unusable code fields rather than cutting code', () => {
    const answer = read([
      good({ quote: 'q'.repeat(3_000), suggestion: 's'.repeat(SUGGESTION_CHARS + 1) }),
      good({ line: 13, startLine: 'twelve', quote: 42 }),
    ]);
    expect(answer.findings[0]).toEqual(good());
    expect(answer.findings[1]).toEqual(good({ line: 13 }));
    expect(answer.repaired).toBe(2);
  });

  it('reads what a model writes loosely: numeric strings, capitalised words, a confidence above 1', () => {
    const answer = read([good({ line: '12', severity: 'High', category: ' Security ', confidence: 1.5 })]);
    expect(answer.findings).toEqual([good({ category: 'security', confidence: 1 })]);
    expect(answer.repaired).toBe(1);
  });

  it('drops only what cannot be repaired, with the reason and position, never the text', () => {
    const answer = read([
      good(),
      good({ line: 0 }),
      good({ severity: 'urgent' }),
      good({ category: 'bug' }),
      good({ path: '' }),
      good({ path: 'p'.repeat(LIMITS.pathChars + 1) }),
      good({ body: '   ' }),
      good({ title: undefined }),
      good({ confidence: 'sure' }),
      'a finding',
    ]);
    expect(answer.findings).toEqual([good()]);
    expect(answer.dropped).toEqual([
      { index: 1, reason: 'no valid line' },
      { index: 2, reason: 'no known severity' },
      { index: 3, reason: 'no known category' },
      { index: 4, reason: 'no path' },
      { index: 5, reason: 'path over its length limit' },
      { index: 6, reason: 'no body' },
      { index: 7, reason: 'no title' },
      { index: 8, reason: 'no confidence' },
      { index: 9, reason: 'not an object' },
    ]);
  });

  it(`keeps the first ${FINDINGS_PER_ANSWER} findings of a longer list and counts the rest as dropped`, () => {
    const answer = read(Array.from({ length: FINDINGS_PER_ANSWER + 2 }, (_, i) => good({ line: i + 1 })));
    expect(answer.findings).toHaveLength(FINDINGS_PER_ANSWER);
    expect(answer.dropped.map((d) => d.index)).toEqual([FINDINGS_PER_ANSWER, FINDINGS_PER_ANSWER + 1]);
  });
});

describe('the repairs of a run', () => {
  it('add up over answers and read as one line', () => {
    const total: AnswerRepairs = { dropped: [], repaired: 0 };
    addRepairs(total, { dropped: [{ index: 1, reason: 'no valid line' }], repaired: 1 });
    addRepairs(total, undefined);
    addRepairs(total, {
      dropped: [
        { index: 0, reason: 'no valid line' },
        { index: 3, reason: 'no body' },
      ],
      repaired: 0,
    });
    const counts = repairCounts(total);
    expect(counts).toEqual({ dropped: 3, reasons: ['no valid line', 'no body'], repaired: 1 });
    expect(answerRepairsLine(counts)).toBe(
      "3 findings dropped from the model's answers (no valid line; no body); 1 finding kept after a repair " +
        '(a text cut to its length limit or an unusable optional field left out)',
    );
    expect(answerRepairsLine({ dropped: 0, reasons: [], repaired: 2 })).toMatch(
      /^2 findings kept after a repair/,
    );
  });
});
