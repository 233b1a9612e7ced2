import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../shared/finding.js';
import { medianFixTime, topCategories, weeklyTrends, type TrendInput } from '../../api/web/trends.js';

function day(date: string, overrides: Partial<TrendInput> = {}): TrendInput {
  const zero = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<
    (typeof CATEGORIES)[number],
    number
  >;
  return {
    day: date,
    introduced: 0,
    fixed: 0,
    dismissed: 0,
    costMicros: 0,
    fixedIn1d: 0,
    fixedIn3d: 0,
    fixedIn7d: 0,
    fixedIn14d: 0,
    fixedLater: 0,
    ...zero,
    ...overrides,
  };
}

describe('trends from the daily aggregates', () => {
  it('sums days into weeks starting on Monday, empty weeks as zeros', () => {
    const weeks = weeklyTrends(
      [
        day('2025-06-02', { introduced: 3, costMicros: 20_000 }),
        day('2025-06-08', { fixed: 2 }),
        day('2025-06-16', { dismissed: 1 }),
      ],
      new Date('2025-06-03T00:00:00Z'),
      new Date('2025-06-17T00:00:00Z'),
    );
    expect(weeks).toEqual([
      { week: '2025-06-02', introduced: 3, fixed: 2, dismissed: 0, costUsd: 0.02 },
      { week: '2025-06-09', introduced: 0, fixed: 0, dismissed: 0, costUsd: 0 },
      { week: '2025-06-16', introduced: 0, fixed: 0, dismissed: 1, costUsd: 0 },
    ]);
  });

  it('names the bucket the median fix falls in, and nothing without fixes', () => {
    expect(medianFixTime([day('2025-06-02')])).toBeUndefined();
    expect(medianFixTime([day('2025-06-02', { fixedIn1d: 1, fixedIn7d: 2, fixedLater: 1 })])).toBe(
      'within a week',
    );
  });

  it('ranks categories by findings introduced', () => {
    expect(
      topCategories([day('2025-06-02', { security: 2, style: 5 }), day('2025-06-03', { security: 4 })]),
    ).toEqual([
      { category: 'security', findings: 6 },
      { category: 'style', findings: 5 },
    ]);
  });
});
