import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../../../../action/core/input/diff.js';
import { estimatePrecision, flaggedLinesChanged } from '../../../../../action/core/findings/eval.js';

const LATER = parseDiff(
  [
    'diff --git a/src/a.ts b/src/a.ts',
    'index 1111111..2222222 100644',
    '--- a/src/a.ts',
    '+++ b/src/a.ts',
    '@@ -1,4 +1,5 @@',
    '+// header',
    ' one',
    '-two',
    '+TWO',
    ' three',
    ' four',
    'diff --git a/src/gone.ts b/src/gone.ts',
    'deleted file mode 100644',
    'index 3333333..0000000',
    '--- a/src/gone.ts',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-x',
    '',
  ].join('\n'),
);

describe('flaggedLinesChanged', () => {
  it('is true when a later commit rewrote a flagged line', () => {
    expect(flaggedLinesChanged({ path: 'src/a.ts', line: 2 }, LATER)).toBe(true);
    expect(flaggedLinesChanged({ path: 'src/a.ts', startLine: 1, line: 3 }, LATER)).toBe(true);
  });

  it('is false when lines only shifted or the file was not touched', () => {
    expect(flaggedLinesChanged({ path: 'src/a.ts', line: 3 }, LATER)).toBe(false);
    expect(flaggedLinesChanged({ path: 'src/b.ts', line: 1 }, LATER)).toBe(false);
  });

  it('is true when the file was deleted', () => {
    expect(flaggedLinesChanged({ path: 'src/gone.ts', line: 1 }, LATER)).toBe(true);
  });
});

describe('estimatePrecision', () => {
  it('is the share of findings changed later, undefined without findings', () => {
    const f = (changedLater: boolean) => ({ path: 'a', line: 1, severity: 'high', title: 't', changedLater });
    expect(
      estimatePrecision([
        { sha: 'a', subject: 'one', findings: [f(true), f(false)] },
        { sha: 'b', subject: 'two', findings: [f(true), f(true)] },
      ]),
    ).toEqual({ prs: 2, findings: 4, changedLater: 3, precision: 0.75 });
    expect(estimatePrecision([{ sha: 'a', subject: 'x', findings: [] }]).precision).toBeUndefined();
  });
});
