import { describe, expect, it } from 'vitest';
import { stripCodeBlocks, truncate } from '../../../shared/text.js';

describe('stripCodeBlocks', () => {
  it('removes fenced code and suggestion blocks, keeping the prose', () => {
    const text =
      'Use a constant.\n```suggestion\nconst SECRET_CANARY = 1;\n```\nAlso:\n~~~ts\nlet x = SECRET_CANARY;\n~~~\nDone.';
    const out = stripCodeBlocks(text);
    expect(out).not.toContain('SECRET_CANARY');
    expect(out).toContain('Use a constant.');
    expect(out).toContain('Done.');
  });

  it('removes an unterminated fence to the end', () => {
    expect(stripCodeBlocks('see\n```js\nsecretCode()\nmore')).toBe('see\n[code omitted]');
  });

  it('does not let a shorter fence close a longer one', () => {
    const out = stripCodeBlocks('a\n````\n```\ninner code\n```\n````\nb');
    expect(out).not.toContain('inner code');
    expect(out).toContain('b');
  });

  it('leaves inline code spans alone', () => {
    expect(stripCodeBlocks('call `foo()` first')).toBe('call `foo()` first');
  });
});

describe('truncate', () => {
  it('caps long text with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
