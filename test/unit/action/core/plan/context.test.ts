import { describe, expect, it } from 'vitest';
import {
  MAX_CONTEXT_RADIUS,
  planContext,
  TOP_LEVEL_CONTEXT_RADIUS,
  wantsContext,
} from '../../../../../action/core/plan/context.js';
import type { Hunk } from '../../../../../action/core/types.js';
import { addedFile, makeFile, makeHunk } from '../../input-fixtures.js';

/** A hunk on the head file's own lines: `changed` (new-file line numbers) added, git's 3 lines around them. */
function hunkOn(lines: string[], changed: number[], header = ''): Hunk {
  const first = Math.max(1, changed[0]! - 3);
  const last = Math.min(lines.length, changed.at(-1)! + 3);
  const spec = [];
  for (let n = first; n <= last; n++) spec.push(`${changed.includes(n) ? '+' : ' '}${lines[n - 1]}`);
  return makeHunk(first, spec, header);
}

const numbered = (ranges: { start: number; end: number }[]) =>
  ranges.flatMap(({ start, end }) => Array.from({ length: end - start + 1 }, (_, i) => start + i));

/** 1-3 a small function, 5-40 a class with a long method, 42-44 a top-level constant and a call. */
const FILE = [
  'export function small(a: number): number {', //  1
  '  return a + 1;', //  2
  '}', //  3
  '', //  4
  'export class Cart {', //  5
  '  private items: Item[] = [];', //  6
  '', //  7
  '  total(', //  8
  '    discount: number,', //  9
  '  ): number {', // 10
  ...Array.from({ length: 12 }, (_, i) => `    const step${i + 11} = ${i};`), // 11-22
  '    for (const item of this.items) {', // 23
  '      if (item.price > 0) {', // 24
  '        sum += item.price;', // 25
  '      } else {', // 26
  '        skipped++;', // 27
  '      }', // 28
  '    }', // 29
  ...Array.from({ length: 10 }, (_, i) => `    const tail${i + 30} = ${i};`), // 30-39
  '  }', // 40
  '}', // 41
  'export const LIMIT = 10;', // 42
  'start(LIMIT);', // 43
  'stop();', // 44
];

describe('planContext', () => {
  it('shows every line of a small enclosing function and nothing of its neighbours', () => {
    const file = makeFile('a.ts', [hunkOn(FILE, [2])]);
    // The hunk (git's 3 lines) shows 1..5; the frame would reach 11 but stops at the closing brace.
    expect(planContext(file, FILE)).toEqual({ ranges: [], enclosing: [] });
  });

  it('frames a change deep in a long method within the radius and names the blocks around it', () => {
    const file = makeFile('a.ts', [hunkOn(FILE, [27])]);
    const plan = planContext(file, FILE, 6);
    // Hunk 24..30; frame 18..36, inside the class (5..41).
    expect(plan.ranges).toEqual([
      { start: 18, end: 23 },
      { start: 31, end: 36 },
    ]);
    // `} else {` stands for its `if`, which the frame shows; `): number {` for `total(`; then the class.
    expect(plan.enclosing).toEqual([5, 8]);
  });

  it('cuts the frame at the first and last line of the enclosing top-level block', () => {
    const file = makeFile('a.ts', [hunkOn(FILE, [38])]);
    const plan = planContext(file, FILE, 6);
    // Hunk 35..41 (git's context already reaches the closing braces); nothing after line 41.
    expect(plan.ranges).toEqual([{ start: 29, end: 34 }]);
    const early = planContext(makeFile('a.ts', [hunkOn(FILE, [6])]), FILE, 6);
    expect(Math.min(...numbered(early.ranges))).toBeGreaterThanOrEqual(5);
  });

  it('gives a change at the top level a small frame and no enclosing lines', () => {
    const file = makeFile('a.ts', [hunkOn(FILE, [4])]);
    const plan = planContext(file, FILE, 6);
    expect(plan.enclosing).toEqual([]);
    // Hunk 1..7, frame 1..7 ± 3 clipped to the file.
    expect(plan.ranges).toEqual([{ start: 8, end: 7 + TOP_LEVEL_CONTEXT_RADIUS }]);
  });

  it('finds the enclosing function even when git names the one before it', () => {
    // The hunk starts at the class line, so git's header is the previous unindented line.
    const file = makeFile('a.ts', [hunkOn(FILE, [16], 'export function small(a: number): number {')]);
    const plan = planContext(file, FILE, 2);
    expect(plan.enclosing).toEqual([5, 8]);
    expect(plan.enclosing).not.toContain(1);
  });

  it('places a deletion at the line after it', () => {
    const lines = ['function f() {', '  a();', '  b();', '  c();', '}', '', 'g();'];
    const deletion = makeHunk(2, ['   a();', '-  removed();', '   b();']);
    expect(planContext(makeFile('a.ts', [deletion]), lines, 6).ranges).toEqual([
      { start: 1, end: 1 },
      { start: 4, end: 5 },
    ]);
  });

  it('merges the frames of nearby hunks, never starting before line 1 or ending after the file', () => {
    const file = makeFile('a.ts', [hunkOn(FILE, [1]), hunkOn(FILE, [43])]);
    const ranges = planContext(file, FILE, 6).ranges;
    expect(Math.min(...numbered(ranges))).toBeGreaterThanOrEqual(1);
    expect(Math.max(...numbered(ranges))).toBeLessThanOrEqual(FILE.length);
    expect(numbered(ranges)).toEqual([...new Set(numbered(ranges))].sort((a, b) => a - b));
  });

  it('gives no context for added and deleted files', () => {
    expect(wantsContext(addedFile('new.ts', ['x']))).toBe(false);
    const gone = makeFile('gone.ts', [makeHunk(1, ['-x'])], { status: 'deleted' });
    expect(wantsContext(gone)).toBe(false);
    expect(planContext(gone, ['x'])).toEqual({ ranges: [], enclosing: [] });
  });

  it('caps the radius', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `  statement${i + 1}();`);
    lines[0] = 'function huge() {';
    const file = makeFile('a.ts', [makeHunk(250, ['+  x();'])]);
    expect(planContext(file, lines, 10_000).ranges[0]).toEqual({ start: 250 - MAX_CONTEXT_RADIUS, end: 249 });
  });
});
