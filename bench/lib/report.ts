/** A realistic review report as the action sends it: 50 findings of prose (no code), fingerprinted. */
import { createHash } from 'node:crypto';
import type { ReportedFinding, ReviewReport } from '../../shared/index.js';
import { makeReport as baseReport } from '../../test/api/helpers.js';

const SEVERITIES = ['critical', 'high', 'medium', 'medium', 'low', 'low'] as const;
const CATEGORIES = ['correctness', 'security', 'performance', 'maintainability'] as const;

export function makeFinding(i: number): ReportedFinding {
  return {
    path: `src/mod${Math.floor(i / 8)}/widget-${i}.ts`,
    line: 10 + ((i * 37) % 400),
    ...(i % 3 === 0 ? { startLine: 8 + ((i * 37) % 400) } : {}),
    severity: SEVERITIES[i % SEVERITIES.length]!,
    category: CATEGORIES[i % CATEGORIES.length]!,
    title: `Unchecked value flows into the calculation (${i})`,
    body:
      'This line uses a value that can be undefined or non-numeric on some paths (for example when the ' +
      'record was created before the field existed). The result is NaN, which then propagates to every ' +
      'caller and is silently stored. Validate the value first, or default it explicitly, and add a test ' +
      'for the missing-field case.',
    fingerprint: createHash('sha256').update(`finding-${i}`).digest('hex').slice(0, 16),
  };
}

/** A report with `findings` findings, on the API tests' base report. */
export function makeReport(findings = 50): ReviewReport {
  return baseReport({ findings: Array.from({ length: findings }, (_, i) => makeFinding(i)) });
}
