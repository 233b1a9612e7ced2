import { describe, expect, it } from 'vitest';
import { contextRanges, MAX_CONTEXT_RADIUS } from '../../../action/core/context.js';
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
