import { describe, expect, it } from 'vitest';
import { packTexts, unpackTexts } from '../../../api/db/finding-texts.js';

describe('finding texts', () => {
  it('pack flat path, title, body values as one JSON array, and unpack them per finding, in order', () => {
    const flat = ['src/a.ts', 'Title "one"', 'Body\nwith\u0000 anything', 'src/b.ts', 'Two', ''];
    const packed = packTexts(flat);
    expect(JSON.parse(packed)).toEqual(flat);
    expect(unpackTexts(packed, 2)).toEqual([
      ['src/a.ts', 'Title "one"', 'Body\nwith\u0000 anything'],
      ['src/b.ts', 'Two', ''],
    ]);
    expect(unpackTexts(packTexts([]), 0)).toEqual([]);
  });

  it('refuse texts that do not match the review’s findings', () => {
    const packed = packTexts(['a', 'b', 'c']);
    expect(() => unpackTexts(packed, 2)).toThrow(/2 findings/);
    expect(() => unpackTexts('["a","b"]', 1)).toThrow();
    expect(() => unpackTexts('["a","b",3]', 1)).toThrow('not a string');
    expect(() => unpackTexts('{}', 0)).toThrow();
  });
});
