import { describe, expect, it } from 'vitest';
import { bySeverity, countBySeverity, reaches } from '../../../shared/severity.js';

describe('severity', () => {
  it.each([
    ['critical', 'high', true],
    ['high', 'high', true],
    ['medium', 'high', false],
    ['low', 'low', true],
    ['critical', 'none', false],
  ] as const)('%s reaches fail-on %s: %s', (severity, threshold, expected) => {
    expect(reaches(severity, threshold)).toBe(expected);
  });

  it('sorts most severe first and counts by severity', () => {
    const items = [
      { severity: 'low' as const },
      { severity: 'critical' as const },
      { severity: 'low' as const },
    ];
    expect([...items].sort(bySeverity).map((i) => i.severity)).toEqual(['critical', 'low', 'low']);
    expect(countBySeverity(items)).toEqual({ critical: 1, high: 0, medium: 0, low: 2 });
  });
});
