import { describe, expect, it } from 'vitest';
import { describeValue, nearest } from '../../../shared/config-issues.js';

describe('nearest', () => {
  const keys = ['model', 'fail-on', 'max-comments', 'min-severity', 'review-drafts', 'exclude', 'rules'];

  it.each([
    ['max_comments', 'max-comments'],
    ['maxcomments', 'max-comments'],
    ['Max-Comments', 'max-comments'],
    ['fial-on', 'fail-on'],
    ['review-draft', 'review-drafts'],
    ['modle', 'model'],
    ['rule', 'rules'],
  ])('suggests %s → %s', (word, key) => {
    expect(nearest(word, keys)).toBe(key);
  });

  it.each(['colour', 'severity', 'xy', 'max-comments-per-file'])('suggests nothing for %s', (word) => {
    expect(nearest(word, keys)).toBeUndefined();
  });

  it('prefers the closest candidate, then the first listed', () => {
    expect(nearest('higt', ['low', 'high', 'hint'])).toBe('high');
    expect(nearest('ab', ['ac', 'ad'])).toBeUndefined();
    expect(nearest('abcd', ['abce', 'abcf'])).toBe('abce');
  });
});

describe('describeValue', () => {
  it.each([
    ['text', '"text"'],
    [5, '5'],
    [false, 'false'],
    [null, 'an empty value'],
    [undefined, 'nothing'],
    [['a', 'b'], 'a list of 2 items'],
    [{ a: 1 }, 'a mapping'],
    ['x'.repeat(41), 'text of 41 characters'],
  ])('%j reads as %s', (value, words) => {
    expect(describeValue(value)).toBe(words);
  });
});
