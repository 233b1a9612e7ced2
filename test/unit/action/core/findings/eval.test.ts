import { describe, expect, it } from 'vitest';
import { parseDiff } from '../../../../../action/core/input/diff.js';
import {
  describePastPrKinds,
  estimatePrecision,
  flaggedLinesChanged,
  pickPastPrs,
  type HistoryCommit,
} from '../../../../../action/core/findings/eval.js';

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
        { sha: 'a', subject: 'one', kind: 'merge', findings: [f(true), f(false)] },
        { sha: 'b', subject: 'two', kind: 'squash', findings: [f(true), f(true)] },
      ]),
    ).toEqual({ prs: 2, findings: 4, changedLater: 3, precision: 0.75 });
    expect(
      estimatePrecision([{ sha: 'a', subject: 'x', kind: 'merge', findings: [] }]).precision,
    ).toBeUndefined();
  });
});

describe('pickPastPrs', () => {
  /** A first-parent history, newest first: `[sha, parents, subject]`. */
  const history = (...rows: [string, string[], string][]): HistoryCommit[] =>
    rows.map(([sha, parents, subject]) => ({ sha, parents, subject }));

  it('takes merge commits, each against its first parent, and skips the direct pushes between them', () => {
    const prs = pickPastPrs(
      history(
        ['m2', ['d1', 'f2'], 'Merge pull request #2 from acme/f2'],
        ['d1', ['m1'], 'Bump the version'],
        ['m1', ['r', 'f1'], 'Merge pull request #1 from acme/f1'],
        ['r', [], 'initial'],
      ),
      10,
    );
    expect(prs).toEqual([
      { sha: 'm2', parent: 'd1', subject: 'Merge pull request #2 from acme/f2', kind: 'merge' },
      { sha: 'm1', parent: 'r', subject: 'Merge pull request #1 from acme/f1', kind: 'merge' },
    ]);
  });

  it('recognises squash merges by the (#123) GitHub ends their subject with', () => {
    const prs = pickPastPrs(
      history(
        ['s3', ['s2'], 'Cache the parser (#31)'],
        ['d1', ['s2'], 'Fix a typo in the README'],
        ['s2', ['s1'], 'Add the parser (#27) '],
        ['s1', ['r'], 'Mention #12 (see #12) in the docs'],
        ['r', [], 'initial'],
      ),
      10,
    );
    // A number elsewhere in the subject is no squash merge's.
    expect(prs.map((p) => [p.sha, p.parent, p.kind])).toEqual([
      ['s3', 's2', 'squash'],
      ['s2', 's1', 'squash'],
    ]);
  });

  it('mixes merge commits and squash merges as they landed, newest first, up to max', () => {
    const prs = pickPastPrs(
      history(
        ['m3', ['s2', 'f3'], 'Merge pull request #3 from acme/f3'],
        ['s2', ['m1'], 'Small fix (#2)'],
        ['m1', ['r', 'f1'], 'Merge pull request #1 from acme/f1'],
        ['r', [], 'initial'],
      ),
      2,
    );
    expect(prs.map((p) => [p.sha, p.kind])).toEqual([
      ['m3', 'merge'],
      ['s2', 'squash'],
    ]);
  });

  it('takes every commit with a parent when the history has neither (rebase merges, direct pushes)', () => {
    const prs = pickPastPrs(history(['c2', ['c1'], 'two'], ['c1', ['r'], 'one'], ['r', [], 'initial']), 10);
    expect(prs.map((p) => [p.sha, p.parent, p.kind])).toEqual([
      ['c2', 'c1', 'commit'],
      ['c1', 'r', 'commit'],
    ]);
    expect(pickPastPrs(history(['r', [], 'initial']), 10)).toEqual([]);
  });
});

describe('describePastPrKinds', () => {
  it('counts each kind found, and says when plain commits stood in for PRs', () => {
    expect(describePastPrKinds([{ kind: 'merge' }, { kind: 'squash' }, { kind: 'merge' }])).toBe(
      '2 merge commits, 1 squash merge',
    );
    expect(describePastPrKinds([{ kind: 'squash' }])).toBe('1 squash merge');
    expect(describePastPrKinds([{ kind: 'commit' }, { kind: 'commit' }])).toBe(
      '2 commits (no merge commits or squash merges found)',
    );
  });
});
