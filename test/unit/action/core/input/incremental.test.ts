import { describe, expect, it } from 'vitest';
import {
  decideReviewRange,
  linesLeftOut,
  narrowToPush,
  selectIncrementalFiles,
  type RangeFacts,
} from '../../../../../action/core/input/incremental.js';
import type { ReviewRange } from '../../../../../action/core/types.js';
import { makeDiffFile } from '../../builders.js';

const BASE = 'b'.repeat(40);
const LAST = 'a'.repeat(40);
const NEW = 'c'.repeat(40);

const facts = (overrides: Partial<RangeFacts>): RangeFacts => ({
  lastHead: LAST,
  newHead: NEW,
  base: BASE,
  lastHeadExists: true,
  isAncestor: true,
  ...overrides,
});

describe('decideReviewRange', () => {
  it.each<[string, Partial<RangeFacts>, ReviewRange]>([
    [
      'reviews only the commits since the last reviewed head after a plain push',
      {},
      { mode: 'incremental', from: LAST, to: NEW, reason: 'pushed', lastHead: LAST },
    ],
    [
      'reviews the whole PR the first time',
      { lastHead: undefined },
      { mode: 'full', from: BASE, to: NEW, reason: 'first-review' },
    ],
    [
      'falls back to a full review after a force-push removed the last reviewed head',
      { isAncestor: false },
      { mode: 'full', from: BASE, to: NEW, reason: 'history-rewritten', lastHead: LAST },
    ],
    [
      'falls back to a full review when the last head cannot be fetched',
      { lastHeadExists: false, isAncestor: false },
      { mode: 'full', from: BASE, to: NEW, reason: 'last-head-missing', lastHead: LAST },
    ],
    [
      'reviews the whole PR again on a re-run of the same head',
      { lastHead: NEW },
      { mode: 'full', from: BASE, to: NEW, reason: 'same-head', lastHead: NEW },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(decideReviewRange(facts(overrides))).toEqual(expected);
  });

  it('does not trust ancestry of a head the checkout does not have', () => {
    expect(decideReviewRange(facts({ lastHeadExists: false, isAncestor: true })).mode).toBe('full');
  });
});

describe('selectIncrementalFiles', () => {
  const pr = [
    makeDiffFile('src/a.ts', [{ newStart: 1, lines: ['+a'] }]),
    makeDiffFile('src/b.ts', [{ newStart: 1, lines: ['+b'] }]),
    makeDiffFile('src/c.ts', [{ newStart: 1, lines: ['+c'] }]),
  ];

  it('reviews the PR diff of the files the push touched and carries the others over', () => {
    const pushed = [makeDiffFile('src/b.ts', [{ newStart: 1, lines: ['-x', '+b'] }])];
    const result = selectIncrementalFiles(pr, pushed);
    expect(result.review).toEqual([pr[1]]);
    expect(result.unchanged).toEqual(['src/a.ts', 'src/c.ts']);
  });

  it('ignores files the push touched that the PR no longer changes (a merge of the base branch)', () => {
    const pushed = [
      makeDiffFile('src/a.ts', [{ newStart: 1, lines: ['+a'] }]),
      makeDiffFile('README.md', [{ newStart: 1, lines: ['+merged from main'] }]),
    ];
    const result = selectIncrementalFiles(pr, pushed);
    expect(result.review.map((f) => f.path)).toEqual(['src/a.ts']);
  });

  // The PR changes three places of a file; each hunk carries its context rows, as git writes them.
  const ctx = (n: number) => Array.from({ length: n }, (_, i) => ` ctx ${i}`);
  const three = makeDiffFile('src/m.ts', [
    { newStart: 10, lines: [...ctx(3), '+a1', '+a2', ...ctx(3)] }, // new lines 10..17
    { newStart: 40, lines: [...ctx(3), '-b0', '+b1', ...ctx(3)] }, // new lines 40..46
    { newStart: 80, lines: [...ctx(3), '+c1', ...ctx(3)] }, // new lines 80..86
  ]);

  it('keeps only the PR hunks holding a line the push changed, and counts the rest as reviewed earlier', () => {
    const pushed = [makeDiffFile('src/m.ts', [{ newStart: 41, lines: [' x', '-old', '+b1', ' y'] }])];
    const { review, pushedHunks } = selectIncrementalFiles([three], pushed);
    expect(review).toEqual([three]);
    expect(pushedHunks.get('src/m.ts')).toEqual([1]);

    const narrowed = narrowToPush(three, pushedHunks);
    expect(narrowed.hunks).toEqual([three.hunks[1]]);
    expect(narrowed).toMatchObject({ additions: 1, deletions: 1 });
    expect(linesLeftOut([three], pushedHunks)).toEqual(new Map([['src/m.ts', 3]]));
  });

  it('places a pushed deletion between lines: at the edge of a PR hunk it still belongs to it', () => {
    // The push deletes a line right after new line 17, the last row of the first PR hunk.
    const pushed = [makeDiffFile('src/m.ts', [{ newStart: 16, lines: [' p', ' q', '-gone', ' r'] }])];
    expect(selectIncrementalFiles([three], pushed).pushedHunks.get('src/m.ts')).toEqual([0]);
  });

  it('keeps no hunk when the pushed lines left the PR diff (a revert to the base), and several when it spans', () => {
    const revert = [makeDiffFile('src/m.ts', [{ newStart: 60, lines: [' a', '-x', '+y', ' b'] }])];
    const none = selectIncrementalFiles([three], revert).pushedHunks;
    expect(none.get('src/m.ts')).toEqual([]);
    expect(narrowToPush(three, none).hunks).toEqual([]);
    expect(linesLeftOut([three], none)).toEqual(new Map([['src/m.ts', 5]]));

    const spanning = [
      makeDiffFile('src/m.ts', [
        { newStart: 12, lines: ['+a1'] },
        { newStart: 84, lines: ['+c1'] },
      ]),
    ];
    expect(selectIncrementalFiles([three], spanning).pushedHunks.get('src/m.ts')).toEqual([0, 2]);
  });

  it('reviews a file whole when the push diff cannot place its changes (binary, rename or mode only)', () => {
    const renamedOnly = makeDiffFile('src/m.ts', [], { status: 'renamed', oldPath: 'src/old.ts' });
    const result = selectIncrementalFiles([three], [renamedOnly]);
    expect(result.review).toEqual([three]);
    expect(result.pushedHunks.has('src/m.ts')).toBe(false);
    expect(narrowToPush(three, result.pushedHunks)).toBe(three);
    expect(linesLeftOut([three], result.pushedHunks).size).toBe(0);
  });
});
