/**
 * The PR most end-to-end tests review: count() in src/app.ts gains an off-by-one, and the new src/util.ts
 * has clamp()'s bounds swapped. The scripted model reports exactly those two findings.
 */
import { onTestFinished } from 'vitest';
import { findingsFor, modelFinding } from '../fakes/anthropic.js';
import { lineOf, startPr, type PrUnderTest, type StartPrOptions } from './harness.js';

export const APP_BASE = [
  'export function parse(input: string): string[] {',
  '  return input.split(",");',
  '}',
  '',
  'export function count(items: string[]): number {',
  '  return items.length;',
  '}',
  '',
].join('\n');

export const APP_HEAD = [
  'export function parse(input: string): string[] {',
  '  const parts = input.split(",");',
  '  return parts.map((p) => p.trim());',
  '}',
  '',
  'export function count(items: string[]): number {',
  '  const total = items.length + 1;',
  '  return total;',
  '}',
  '',
].join('\n');

export const UTIL_HEAD = [
  'export function clamp(n: number, lo: number, hi: number): number {',
  '  return Math.min(lo, Math.max(hi, n));',
  '}',
  '',
].join('\n');

export const OFF_BY_ONE = modelFinding({
  path: 'src/app.ts',
  line: lineOf(APP_HEAD, 'items.length + 1'),
  severity: 'high',
  title: 'Off-by-one in count',
  body: 'count() adds 1 to the length, so every caller sees one item too many.',
  quote: '  const total = items.length + 1;',
});

export const CLAMP_SWAPPED = modelFinding({
  path: 'src/util.ts',
  line: lineOf(UTIL_HEAD, 'Math.min(lo'),
  severity: 'medium',
  title: 'clamp arguments swapped',
  body: 'min and max are applied the wrong way round.',
  quote: '  return Math.min(lo, Math.max(hi, n));',
});

/** The PR above (any part replaced by `opts`) with its fakes, closed when the calling test finishes. */
export async function startTwoFindingPr(opts: Partial<StartPrOptions> = {}): Promise<PrUnderTest> {
  const pr = await startPr({
    base: { 'src/app.ts': APP_BASE, 'README.md': '# widgets\n' },
    head: { 'src/app.ts': APP_HEAD, 'src/util.ts': UTIL_HEAD },
    script: findingsFor(OFF_BY_ONE, CLAMP_SWAPPED),
    ...opts,
  });
  onTestFinished(pr.close);
  return pr;
}
