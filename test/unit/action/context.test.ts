import { describe, expect, it } from 'vitest';
import { contextRanges, MAX_CONTEXT_RADIUS, signatureLines } from '../../../action/core/context.js';
import { addedFile, makeFile, makeHunk } from './input-fixtures.js';

describe('contextRanges', () => {
  it('frames a hunk with radius lines above and below, leaving out the lines the hunk shows', () => {
    const file = makeFile('a.ts', [makeHunk(50, [' a', '+b', ' c'])]);
    expect(contextRanges(file, 10)).toEqual([
      { start: 40, end: 49 },
      { start: 53, end: 62 },
    ]);
  });

  it('merges the frames of nearby hunks and never starts before line 1', () => {
    const file = makeFile('a.ts', [makeHunk(3, [' a', '+b']), makeHunk(12, ['+c', ' d'])]);
    expect(contextRanges(file, 5)).toEqual([
      { start: 1, end: 2 },
      { start: 5, end: 11 },
      { start: 14, end: 18 },
    ]);
  });

  it('gives no context for added and deleted files', () => {
    expect(contextRanges(addedFile('new.ts', ['x']))).toEqual([]);
    expect(contextRanges(makeFile('gone.ts', [makeHunk(1, ['-x'])], { status: 'deleted' }))).toEqual([]);
  });

  it('caps the radius', () => {
    const file = makeFile('a.ts', [makeHunk(500, ['+x'])]);
    expect(contextRanges(file, 10_000)[0]).toEqual({ start: 500 - MAX_CONTEXT_RADIUS, end: 499 });
  });
});

describe('signatureLines', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `  statement${i + 1}();`);
  lines[9] = 'export function total(items: Item[]): number {';
  lines[69] = 'function inside() {';

  it('finds the function the hunk header names, above the context frame', () => {
    const hunk = { ...makeHunk(40, [' a', '+b', ' c']), header: 'export function total(items: Item[]): n' };
    expect(signatureLines(makeFile('a.ts', [hunk]), lines, 6)).toEqual([10]);
  });

  it('leaves out a signature the frame already shows, a header it cannot find, and added files', () => {
    const near = { ...makeHunk(14, ['+b']), header: 'export function total(items' };
    const unknown = { ...makeHunk(80, ['+b']), header: 'class Missing {' };
    expect(signatureLines(makeFile('a.ts', [near, unknown]), lines, 6)).toEqual([]);
    expect(signatureLines(addedFile('new.ts', ['x']), lines, 6)).toEqual([]);
  });

  it('takes the nearest match above each hunk, once', () => {
    const a = { ...makeHunk(85, ['+b']), header: 'function inside() {' };
    const b = { ...makeHunk(95, ['+c']), header: 'function inside() {' };
    expect(signatureLines(makeFile('a.ts', [a, b]), lines, 6)).toEqual([70]);
  });
});
