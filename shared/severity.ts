/** Finding severities, most severe first. The order is the ranking used everywhere. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `fail-on` accepts the severities plus `none` (never fail the check). */
export const FAIL_ON_VALUES = ['none', ...SEVERITIES] as const;
export type FailOn = (typeof FAIL_ON_VALUES)[number];

/** 0 for critical, 3 for low: smaller is more severe. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** True when `severity` is at or above `threshold` (`none` is never reached). */
export function reaches(severity: Severity, threshold: FailOn): boolean {
  if (threshold === 'none') return false;
  return severityRank(severity) <= severityRank(threshold);
}

/** Sorts most severe first; stable for equal severities. */
export function bySeverity<T extends { severity: Severity }>(a: T, b: T): number {
  return severityRank(a.severity) - severityRank(b.severity);
}

export type SeverityCounts = Record<Severity, number>;

export function countBySeverity(items: readonly { severity: Severity }[]): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const item of items) counts[item.severity] += 1;
  return counts;
}
