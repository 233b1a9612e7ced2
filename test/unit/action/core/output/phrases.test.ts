import { describe, expect, it } from 'vitest';
import {
  conclusionReason,
  fallbackReason,
  lifecycleLine,
  plural,
  privilegedCheckoutWarning,
  rangeLine,
  rangeReason,
  unanchoredReason,
} from '../../../../../action/core/output/phrases.js';
import type { ReviewRange } from '../../../../../action/core/types.js';
import { makeCoverageGap } from '../../builders.js';

const BASE = 'b'.repeat(40);
const LAST = 'a'.repeat(40);
const NEW = 'c'.repeat(40);

describe('plural', () => {
  it('adds an s, or takes the plural given, except for one', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(0, 'file')).toBe('0 files');
    expect(plural(2, 'mode change', 'mode changes')).toBe('2 mode changes');
    expect(plural(3, 'binary', 'binary')).toBe('3 binary');
  });
});

describe('rangeLine', () => {
  it('names the reviewed range for the summary', () => {
    expect(rangeLine({ mode: 'incremental', from: LAST, to: NEW, reason: 'pushed', lastHead: LAST })).toBe(
      'Reviewed changes pushed since aaaaaaa (aaaaaaa..ccccccc).',
    );
    expect(
      rangeLine({ mode: 'full', from: BASE, to: NEW, reason: 'history-rewritten', lastHead: LAST }),
    ).toBe(
      'Reviewed the whole pull request (bbbbbbb..ccccccc): the last reviewed head aaaaaaa is no longer in the branch history (force-push or rebase).',
    );
  });

  it.each<[ReviewRange, string]>([
    [{ mode: 'full', from: BASE, to: NEW, reason: 'first-review' }, 'first review of this pull request'],
    [
      { mode: 'full', from: BASE, to: NEW, reason: 'same-head', lastHead: NEW },
      're-run on the already reviewed head ccccccc',
    ],
    [
      { mode: 'full', from: BASE, to: NEW, reason: 'last-head-missing', lastHead: LAST },
      'the last reviewed head aaaaaaa could not be fetched',
    ],
  ])('says why: %j', (range, words) => {
    expect(rangeReason(range)).toBe(words);
  });
});

describe('lifecycleLine', () => {
  it.each([
    [{ new: 3, stillOpen: 2, fixed: 4, dismissed: 0 }, LAST, '3 new · 2 still open · 4 fixed since aaaaaaa'],
    [
      { new: 0, stillOpen: 1, fixed: 0, dismissed: 2 },
      LAST,
      '0 new · 1 still open · 0 fixed since aaaaaaa · 2 dismissed',
    ],
    [{ new: 5, stillOpen: 0, fixed: 0, dismissed: 0 }, undefined, '5 new'],
  ])('renders %j', (counts, since, line) => {
    expect(lifecycleLine(counts, since)).toBe(line);
  });
});

describe('conclusionReason', () => {
  const gap = makeCoverageGap();

  it('has nothing to say about a plain verdict', () => {
    expect(conclusionReason(undefined)).toBeUndefined();
    expect(conclusionReason([])).toBeUndefined();
  });

  it('puts every reason in words, in order, in one line', () => {
    expect(
      conclusionReason([
        { kind: 'blocking-findings', findings: 2, failOn: 'high' },
        { kind: 'failed-requests', failed: 1, total: 3 },
        { kind: 'over-budget', files: 4 },
        { kind: 'coverage-gap', coverage: gap },
      ]),
    ).toBe(
      '2 findings at or above high; 1 of 3 review requests failed; 4 files not reviewed (over budget); ' +
        'Reviewed 40 of 80 changed lines in 1 of 2 files; skipped: 1 too large',
    );
    expect(conclusionReason([{ kind: 'blocking-findings', findings: 1, failOn: 'medium' }])).toBe(
      '1 finding at or above medium',
    );
    expect(conclusionReason([{ kind: 'nothing-to-review' }])).toBe('no reviewable changes');
  });
});

describe('unanchoredReason', () => {
  it.each([
    ['path-outside-repository', 'path is outside the repository'],
    ['file-not-in-diff', 'file is not in the diff'],
    ['line-not-in-diff', 'line 20 is not in the diff'],
    ['quote-not-in-diff', 'the quoted code is not in the diff'],
    ['review-not-posted', 'the review could not be posted'],
    ['line-rejected-by-github', 'GitHub rejected the line (not part of the PR diff)'],
    ['comment-rejected-by-github', 'GitHub rejected the inline comment'],
  ] as const)('%s → %s', (reason, words) => {
    expect(unanchoredReason(reason, 20)).toBe(words);
  });
});

describe('fallbackReason', () => {
  it('names the overloaded model and the one that finished the review', () => {
    expect(fallbackReason({ model: 'claude-haiku-4-5', overloaded: 'claude-sonnet-4-5' })).toBe(
      'claude-sonnet-4-5 was overloaded (HTTP 529 after retries), so claude-haiku-4-5 finished the review',
    );
  });
});

describe('privilegedCheckoutWarning', () => {
  it('names what the privileged job checked out and why that matters', () => {
    expect(privilegedCheckoutWarning({ commit: 'head', sha: 'b'.repeat(40) })).toMatch(
      /^This pull_request_target job checked out the pull request's head commit \(bbbbbbb\)/,
    );
    expect(privilegedCheckoutWarning({ commit: 'merge', sha: 'c'.repeat(40) })).toMatch(
      /checked out a merge of the pull request's head \(ccccccc\).*holds the repository's secrets/,
    );
  });
});
