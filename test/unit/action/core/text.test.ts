import { describe, expect, it } from 'vitest';
import { shortSha } from '../../../../action/core/text.js';

describe('shortSha', () => {
  it('keeps the first seven hex digits, as GitHub shows a commit', () => {
    expect(shortSha('0123456789abcdef0123456789abcdef01234567')).toBe('0123456');
  });

  it('leaves a sha already that short as it is', () => {
    expect(shortSha('abc12')).toBe('abc12');
  });
});
