/** A realistic review report as the action sends it: 50 findings of prose (no code), fingerprinted. */
import { createHash } from 'node:crypto';
import type { ReportedFinding, ReviewReport } from '../../shared/index.js';

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

export function makeReport(findings = 50): ReviewReport {
  return {
    repository: 'acme/widgets',
    pullRequest: 7,
    headSha: 'a'.repeat(40),
    baseSha: 'b'.repeat(40),
    status: 'completed',
    conclusion: 'failure',
    model: 'claude-sonnet-4-5',
    tokens: { input: 41_200, cacheWrite: 2_900, cacheRead: 8_700, output: 6_100 },
    costUsd: 0.2178,
    durationMs: 38_400,
    coverage: { filesReviewed: 48, filesSkipped: 2, linesReviewed: 2_140, linesChanged: 2_190 },
    findings: Array.from({ length: findings }, (_, i) => makeFinding(i)),
  };
}
