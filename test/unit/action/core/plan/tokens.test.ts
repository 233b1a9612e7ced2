import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../../../../action/core/plan/tokens.js';

describe('estimateTokens', () => {
  it('counts nothing for empty text', () => {
    expect(estimateTokens('')).toBe(0);
  });

  it('counts about one token per 3.5 ASCII characters, rounded up', () => {
    expect(estimateTokens('a'.repeat(35))).toBe(10);
    expect(estimateTokens('a'.repeat(36))).toBe(11);
  });

  it('counts non-ASCII characters more heavily than ASCII ones', () => {
    expect(estimateTokens('日本語のテキスト')).toBeGreaterThan(estimateTokens('english!'));
    expect(estimateTokens('日本語')).toBe(3);
  });

  it('is additive up to rounding', () => {
    const a = 'const x = foo(bar);\n';
    const b = 'return x + 1;\n';
    expect(estimateTokens(a + b)).toBeLessThanOrEqual(estimateTokens(a) + estimateTokens(b));
    expect(estimateTokens(a + b)).toBeGreaterThanOrEqual(estimateTokens(a) + estimateTokens(b) - 1);
  });

  it('is deterministic', () => {
    const text = 'export function f() { return "ü"; }';
    expect(estimateTokens(text)).toBeGreaterThan(0);
    expect(estimateTokens(text)).toBe(estimateTokens(text));
  });
});
