import { describe, expect, it } from 'vitest';
import {
  fingerprintFinding,
  normalizeCode,
  rightSideText,
} from '../../../../../action/core/findings/fingerprint.js';
import { appDiff, makeDiffFile, makeFinding } from '../../builders.js';

describe('fingerprintFinding', () => {
  const file = appDiff();

  it('is 32 hex characters', () => {
    expect(fingerprintFinding(makeFinding({ line: 12 }), file)).toMatch(/^[a-f0-9]{32}$/);
  });

  it('stays the same when the code moves to another line', () => {
    const shifted = makeDiffFile('src/app.ts', [
      {
        newStart: 100,
        lines: [' function load(id) {', '+  const user = db.find(id);', '+  return user.name;', ' }'],
      },
    ]);
    const before = fingerprintFinding(makeFinding({ line: 12 }), file);
    const after = fingerprintFinding(makeFinding({ line: 102 }), shifted);
    expect(after).toBe(before);
  });

  it('ignores re-indentation and trailing whitespace of the code', () => {
    const reindented = makeDiffFile('src/app.ts', [
      { newStart: 12, lines: ['+\t\treturn   user.name;  \r'] },
    ]);
    expect(fingerprintFinding(makeFinding({ line: 12 }), reindented)).toBe(
      fingerprintFinding(makeFinding({ line: 12 }), file),
    );
  });

  it('ignores the title and body when the code is known (models reword them between runs)', () => {
    const a = fingerprintFinding(makeFinding({ line: 12, title: 'Null deref', body: 'x' }), file);
    const b = fingerprintFinding(makeFinding({ line: 12, title: 'user may be undefined', body: 'y' }), file);
    expect(a).toBe(b);
  });

  it('differs for different code, category or path', () => {
    const base = fingerprintFinding(makeFinding({ line: 12 }), file);
    expect(fingerprintFinding(makeFinding({ line: 11 }), file)).not.toBe(base);
    expect(fingerprintFinding(makeFinding({ line: 12, category: 'security' }), file)).not.toBe(base);
    const other = makeDiffFile('src/other.ts', [{ newStart: 12, lines: ['+  return user.name;'] }]);
    expect(fingerprintFinding(makeFinding({ path: 'src/other.ts', line: 12 }), other)).not.toBe(base);
  });

  it('covers every line of a range', () => {
    const single = fingerprintFinding(makeFinding({ line: 12 }), file);
    expect(fingerprintFinding(makeFinding({ startLine: 11, line: 12 }), file)).not.toBe(single);
  });

  it('falls back to the normalized title when the line is not in the diff', () => {
    const a = fingerprintFinding(makeFinding({ line: 500, title: 'Missing  Await' }), file);
    const b = fingerprintFinding(makeFinding({ line: 900, title: 'missing await' }), undefined);
    expect(a).toBe(b);
    expect(fingerprintFinding(makeFinding({ line: 500, title: 'Other issue' }), file)).not.toBe(a);
  });
});

describe('rightSideText', () => {
  it('returns context and added lines, never deleted ones', () => {
    const file = appDiff();
    expect(rightSideText(file, 10)).toBe('function load(id) {');
    expect(rightSideText(file, 11)).toBe('  const user = db.find(id);');
    expect(rightSideText(file, 20)).toBeUndefined();
  });
});

describe('normalizeCode', () => {
  it('collapses runs of whitespace and trims', () => {
    expect(normalizeCode('  a \t b\r\n')).toBe('a b');
  });
});
