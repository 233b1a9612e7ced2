import { describe, expect, it } from 'vitest';
import {
  decideReviewRange,
  rangeLine,
  selectIncrementalFiles,
  type RangeFacts,
} from '../../../action/core/incremental.js';
import { makeDiffFile } from './builders.js';

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
  it.each<[string, Partial<RangeFacts>, { mode: string; from: string; reason: RegExp }]>([
    [
      'reviews only the commits since the last reviewed head after a plain push',
      {},
      { mode: 'incremental', from: LAST, reason: /since aaaaaaa/ },
    ],
    [
      'reviews the whole PR the first time',
      { lastHead: undefined },
      { mode: 'full', from: BASE, reason: /first review/ },
    ],
    [
      'falls back to a full review after a force-push removed the last reviewed head',
      { isAncestor: false },
      { mode: 'full', from: BASE, reason: /no longer in the branch history \(force-push or rebase\)/ },
    ],
    [
      'falls back to a full review when the last head cannot be fetched',
      { lastHeadExists: false, isAncestor: false },
      { mode: 'full', from: BASE, reason: /could not be fetched/ },
    ],
    [
      'reviews the whole PR again on a re-run of the same head',
      { lastHead: NEW },
      { mode: 'full', from: BASE, reason: /re-run/ },
    ],
  ])('%s', (_name, overrides, expected) => {
    const range = decideReviewRange(facts(overrides));
    expect(range).toMatchObject({ mode: expected.mode, from: expected.from, to: NEW });
    expect(range.reason).toMatch(expected.reason);
  });

  it('does not trust ancestry of a head the checkout does not have', () => {
    expect(decideReviewRange(facts({ lastHeadExists: false, isAncestor: true })).mode).toBe('full');
  });
});

describe('rangeLine', () => {
  it('names the reviewed range for the summary', () => {
    expect(rangeLine(decideReviewRange(facts({})))).toBe(
      'Reviewed changes pushed since aaaaaaa (aaaaaaa..ccccccc).',
    );
    expect(rangeLine(decideReviewRange(facts({ isAncestor: false })))).toBe(
      'Reviewed the whole pull request (bbbbbbb..ccccccc): the last reviewed head aaaaaaa is no longer in the branch history (force-push or rebase).',
    );
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
    const result = selectIncrementalFiles(pr, ['src/a.ts', 'README.md']);
    expect(result.review.map((f) => f.path)).toEqual(['src/a.ts']);
  });
});
