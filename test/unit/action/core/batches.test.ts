import { describe, expect, it } from 'vitest';
import { batches } from '../../../../action/core/batches.js';

describe('batches', () => {
  it('splits into groups of the given size, the last one shorter', () => {
    const groups = batches(
      Array.from({ length: 120 }, (_, i) => i),
      50,
    );
    expect(groups.map((g) => g.length)).toEqual([50, 50, 20]);
    expect(groups.flat()).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('returns no batch for no items and rejects a size below 1', () => {
    expect(batches([], 50)).toEqual([]);
    expect(() => batches([1], 0)).toThrow();
    expect(() => batches([1], 1.5)).toThrow();
  });
});
