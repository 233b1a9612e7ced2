import { describe, expect, it } from 'vitest';
import { MIN_CODE_RUN, maskCodeRuns, reviewedLines } from '../../../../../action/core/output/code-runs.js';
import type { ReviewChunk } from '../../../../../action/core/types.js';
import { CODE_OMITTED } from '../../../../../shared/index.js';
import { makeDiffFile } from '../../builders.js';

const LINE = '    const internalSauce = computeSecretSauce(42);';
const mask = (text: string, lines: string[] = [LINE]) => maskCodeRuns([text], lines)[0]!;

describe('maskCodeRuns', () => {
  it('masks a code line quoted in plain prose', () => {
    const out = mask('The line const internalSauce = computeSecretSauce(42); runs too early.');
    expect(out).toBe(`The line ${CODE_OMITTED} runs too early.`);
  });

  it('masks whatever the markup around the quote', () => {
    for (const text of [
      `**const internalSauce = computeSecretSauce(42);**`,
      `> const internalSauce = computeSecretSauce(42);`,
      `<b>const internalSauce = computeSecretSauce(42);</b>`,
      `"const internalSauce = computeSecretSauce(42);"`,
    ]) {
      expect(mask(text)).not.toContain('computeSecretSauce');
    }
  });

  it('compares with whitespace runs collapsed, line breaks and indentation included', () => {
    expect(mask('See const  internalSauce =\n   computeSecretSauce(42); here')).not.toContain('Sauce');
    expect(mask('x', ['\tconst\t\tinternalSauce  = computeSecretSauce(42);'])).toBe('x');
    expect(
      mask('See const internalSauce = computeSecretSauce(42);', [
        'const\tinternalSauce =  computeSecretSauce(42);',
      ]),
    ).toBe(`See ${CODE_OMITTED}`);
  });

  it(`masks any run of ${MIN_CODE_RUN} characters or more, and nothing shorter`, () => {
    const run = 'computeSecretSauce(42'; // 21 characters
    // The space before the name is in the code line too, so it goes with the run.
    expect(mask(`call ${run} first`)).toBe(`call${CODE_OMITTED} first`);
    expect(mask('call computeSecretSauce first')).toBe('call computeSecretSauce first');
    expect(mask(`the internalSauce value`)).toBe('the internalSauce value');
  });

  it('masks the longest run, across what several lines share, and each place it stands', () => {
    const lines = [
      'const internalSauce = computeSecretSauce(42);',
      'return internalSauce.scaled(factorOfSafety);',
    ];
    const out = maskCodeRuns(
      [
        'First const internalSauce = computeSecretSauce(42); then return internalSauce.scaled(factorOfSafety); done.',
        'Again: return internalSauce.scaled(factorOfSafety);',
      ],
      lines,
    );
    expect(out).toEqual([`First ${CODE_OMITTED} then ${CODE_OMITTED} done.`, `Again: ${CODE_OMITTED}`]);
  });

  it('leaves text without code runs as it is, and lines shorter than a run change nothing', () => {
    const text = 'Validate the value first, or default it explicitly.';
    expect(maskCodeRuns([text, ''], ['}', 'return x;', 'Validate the value'])).toEqual([text, '']);
  });

  it('masks a prose line that is itself a line of the reviewed code (a comment, a Markdown file)', () => {
    expect(
      mask('Note: retries are capped at three attempts.', ['// retries are capped at three attempts.']),
    ).toBe(`Note:${CODE_OMITTED}`);
  });
});

describe('reviewedLines', () => {
  it('yields the added, context and deleted lines of every file and the context read from the checkout', () => {
    const file = makeDiffFile('a.ts', [
      { newStart: 3, lines: [' context line', '-deleted line', '+added line'] },
    ]);
    const other = makeDiffFile('b.ts', [{ newStart: 1, lines: ['+other added'] }]);
    const chunks: ReviewChunk[] = [
      {
        id: 'c1',
        estimatedTokens: 10,
        slices: [{ file, hunks: file.hunks, context: new Map([[1, 'enclosing function line']]) }],
      },
    ];
    expect([...reviewedLines([file, other], chunks)]).toEqual([
      'context line',
      'deleted line',
      'added line',
      'other added',
      'enclosing function line',
    ]);
  });
});
