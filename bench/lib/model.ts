/**
 * The fake model's script for the benchmarks: findings on real added lines of the files in each request,
 * deterministic by path and code (the same code gets the same finding in every run), about one file in
 * four, at most `MAX_FINDINGS_PER_REQUEST` per request, each with a realistic body length.
 */
import { createHash } from 'node:crypto';
import { userText, type Script } from '../../test/fakes/anthropic.js';

export const MAX_FINDINGS_PER_REQUEST = 12;

const SEVERITIES = ['high', 'medium', 'medium', 'low'] as const;
const CATEGORIES = ['correctness', 'performance', 'maintainability', 'security'] as const;

function hash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

interface AddedLine {
  path: string;
  line: number;
  text: string;
}

/** Added lines per file, from the rendered listing of a request (`12+code`, see action/core/plan/listing.ts). */
export function addedLines(text: string): Map<string, AddedLine[]> {
  const files = new Map<string, AddedLine[]>();
  let current: AddedLine[] | undefined;
  for (const row of text.split('\n')) {
    const heading = /^## (.+) \((added|modified|renamed|deleted|copied)[^)]*\)$/.exec(row);
    if (heading) {
      const path = heading[1]!;
      current = files.get(path) ?? [];
      files.set(path, current);
      continue;
    }
    const m = /^(\d+)\+(.*)$/.exec(row);
    if (m && current) current.push({ path: '', line: Number(m[1]), text: m[2]! });
  }
  for (const [path, lines] of files) for (const l of lines) l.path = path;
  return files;
}

/** The scripted model: findings for about a quarter of the files present in each request. */
export function benchScript(): Script {
  return (request) => {
    const findings: Record<string, unknown>[] = [];
    for (const [path, lines] of addedLines(userText(request))) {
      if (findings.length >= MAX_FINDINGS_PER_REQUEST) break;
      const target = lines.find((l) => l.text.trim().length > 12);
      if (!target) continue;
      const h = hash(`${path}\n${target.text}`);
      if (h % 4 !== 0) continue;
      findings.push({
        path,
        line: target.line,
        severity: SEVERITIES[(h >>> 4) % SEVERITIES.length],
        category: CATEGORIES[(h >>> 8) % CATEGORIES.length],
        title: 'Unchecked value flows into the calculation',
        body:
          'This line uses a value that can be undefined or non-numeric on some paths (for example when the ' +
          'record was created before the field existed). The result is NaN, which then propagates to every ' +
          'caller and is silently stored. Validate the value first, or default it explicitly, and add a ' +
          'test for the missing-field case.',
        quote: target.text,
        confidence: 0.7 + ((h >>> 12) % 30) / 100,
      });
    }
    return { findings };
  };
}
