import { describe, expect, it } from 'vitest';
import { anchorFindings, normalizeFindingPath } from '../../../../../action/core/findings/anchor.js';
import { appDiff, makeDiffFile, makeFinding } from '../../builders.js';

// appDiff(): src/app.ts, hunk 1 = lines 10-13, hunk 2 = lines 40-43 (see builders.ts).
const files = [
  appDiff(),
  makeDiffFile('docs/guide.md', [{ newStart: 1, lines: ['+# Guide', '+', '+Run the tool.'] }], {
    status: 'added',
  }),
  makeDiffFile('old.ts', [{ newStart: 0, oldStart: 1, lines: ['-gone'] }], { status: 'deleted' }),
];

function anchorOne(overrides: Parameters<typeof makeFinding>[0]) {
  return anchorFindings([makeFinding(overrides)], files);
}

describe('anchorFindings: paths', () => {
  it('anchors a finding on an added line of a file in the diff', () => {
    const { anchored, unanchored } = anchorOne({ line: 12 });
    expect(unanchored).toEqual([]);
    expect(anchored[0]).toMatchObject({ path: 'src/app.ts', line: 12, anchor: { line: 12 } });
    expect(anchored[0]!.fingerprint).toMatch(/^[a-f0-9]{32}$/);
  });

  it('accepts a leading ./ and repeated slashes', () => {
    expect(anchorOne({ path: './src//app.ts', line: 12 }).anchored[0]!.path).toBe('src/app.ts');
  });

  it.each(['../src/app.ts', 'src/../../etc/passwd', '/etc/passwd', 'C:/repo/src/app.ts'])(
    'rejects the path traversal %s',
    (path) => {
      const { anchored, unanchored } = anchorOne({ path, line: 12 });
      expect(anchored).toEqual([]);
      expect(unanchored[0]!.reason).toBe('path-outside-repository');
    },
  );

  it('leaves a finding on a file outside the diff unanchored', () => {
    expect(anchorOne({ path: 'src/untouched.ts', line: 12 }).unanchored[0]!.reason).toBe('file-not-in-diff');
  });

  it('anchors on a file whose name hides characters, given its path as the listing shows it', () => {
    const deceptive = makeDiffFile('src/admin\u202Egpj.ts', [{ newStart: 1, lines: ['+run();'] }], {
      status: 'added',
    });
    const shown = 'src/admin<U+202E>gpj.ts';
    const { anchored, unanchored } = anchorFindings([makeFinding({ path: shown, line: 1 })], [deceptive]);
    expect(unanchored).toEqual([]);
    expect(anchored[0]).toMatchObject({ path: 'src/admin\u202Egpj.ts', anchor: { line: 1 } });
    // The real path works too, and both name one file: one finding, one fingerprint.
    const both = anchorFindings(
      [makeFinding({ path: shown, line: 1 }), makeFinding({ path: 'src/admin\u202Egpj.ts', line: 1 })],
      [deceptive],
    );
    expect(both.anchored).toHaveLength(1);
  });

  it('matches a quote of a line with hidden characters as the listing showed it', () => {
    const file = makeDiffFile('src/auth.ts', [
      { newStart: 1, lines: ['+const ok = true;', '+if (role !== "admin\u202E\u2066") grant();'] },
    ]);
    const quote = 'if (role !== "admin<U+202E><U+2066>") grant();';
    const { anchored, unanchored } = anchorFindings(
      [makeFinding({ path: 'src/auth.ts', line: 1, quote })],
      [file],
    );
    expect(unanchored).toEqual([]);
    expect(anchored[0]).toMatchObject({ line: 2, anchor: { line: 2 } });
  });

  it('cannot anchor on a deleted file (no RIGHT-side lines)', () => {
    expect(anchorOne({ path: 'old.ts', line: 1 }).unanchored[0]!.reason).toBe('line-not-in-diff');
  });
});

describe('anchorFindings: lines', () => {
  it('accepts context lines as well as added lines', () => {
    expect(anchorOne({ line: 10 }).anchored).toHaveLength(1);
    expect(anchorOne({ line: 43 }).anchored).toHaveLength(1);
  });

  it('rejects a line between hunks', () => {
    expect(anchorOne({ line: 20 }).unanchored[0]!.reason).toBe('line-not-in-diff');
  });

  it('keeps a quote that matches the given line', () => {
    const { anchored } = anchorOne({ line: 42, quote: 'log(user.password);' });
    expect(anchored[0]!.anchor).toEqual({ line: 42 });
  });

  it('corrects an off-by-n line from the quote, to the nearest match', () => {
    const { anchored } = anchorOne({ line: 38, quote: '  log(user.password);  ' });
    expect(anchored[0]).toMatchObject({ line: 42, anchor: { line: 42 } });
  });

  it('corrects into another hunk when the quote is only there', () => {
    expect(anchorOne({ line: 41, quote: 'return user.name;' }).anchored[0]!.anchor.line).toBe(12);
  });

  it('picks the nearest of several matching lines', () => {
    const file = makeDiffFile('src/dup.ts', [
      { newStart: 1, lines: ['+x++;', '+y++;', '+x++;'] },
      { newStart: 50, lines: ['+x++;'] },
    ]);
    const { anchored } = anchorFindings(
      [makeFinding({ path: 'src/dup.ts', line: 45, quote: 'x++;' })],
      [file],
    );
    expect(anchored[0]!.anchor.line).toBe(50);
  });

  it('matches a multi-line quote as a block', () => {
    const quote = 'const user = db.find(id);\n  return user.name;';
    expect(anchorOne({ line: 30, quote }).anchored[0]!.anchor.line).toBe(11);
    expect(anchorOne({ line: 12, quote }).anchored[0]!.anchor.line).toBe(12);
  });

  it('leaves the finding unanchored when the quote is nowhere in the diff', () => {
    const { anchored, unanchored } = anchorOne({ line: 12, quote: 'eval(input)' });
    expect(anchored).toEqual([]);
    expect(unanchored[0]!.reason).toBe('quote-not-in-diff');
  });

  it('ignores a blank quote', () => {
    expect(anchorOne({ line: 12, quote: '   ' }).anchored[0]!.anchor).toEqual({ line: 12 });
  });

  it('never anchors on the old side: a deleted line quoted is not found', () => {
    expect(anchorOne({ line: 11, quote: 'return db.get(id).name;' }).unanchored).toHaveLength(1);
  });
});

describe('anchorFindings: ranges', () => {
  it('keeps a range inside one hunk', () => {
    expect(anchorOne({ startLine: 11, line: 13 }).anchored[0]!.anchor).toEqual({ startLine: 11, line: 13 });
  });

  it('shifts the start line with a quote correction', () => {
    const { anchored } = anchorOne({ startLine: 35, line: 36, quote: 'log(user.password);' });
    expect(anchored[0]).toMatchObject({ startLine: 41, line: 42, anchor: { startLine: 41, line: 42 } });
  });

  it.each([
    ['spans two hunks', 12, 41],
    ['starts after the line', 13, 12],
    ['starts outside the diff', 5, 12],
  ])('drops a start line that %s but keeps the finding', (_, startLine, line) => {
    const { anchored } = anchorOne({ startLine, line });
    expect(anchored[0]!.anchor).toEqual({ line });
    expect(anchored[0]!.startLine).toBeUndefined();
  });

  it('treats startLine equal to line as a single line', () => {
    expect(anchorOne({ startLine: 12, line: 12 }).anchored[0]!.anchor).toEqual({ line: 12 });
  });
});

describe('anchorFindings: suggestions', () => {
  it('applies when it replaces the commented line with the same indentation', () => {
    const { anchored } = anchorOne({ line: 12, suggestion: '  return user?.name;' });
    expect(anchored[0]!.suggestionApplies).toBe(true);
  });

  it('applies to a range in one hunk', () => {
    const suggestion = '  const user = db.find(id);\n  return user?.name ?? "";';
    expect(anchorOne({ startLine: 11, line: 12, suggestion }).anchored[0]!.suggestionApplies).toBe(true);
  });

  it('applies when it deletes the lines (empty suggestion)', () => {
    expect(anchorOne({ line: 42, suggestion: '' }).anchored[0]!.suggestionApplies).toBe(true);
  });

  it('does not apply without a suggestion', () => {
    expect(anchorOne({ line: 12 }).anchored[0]!.suggestionApplies).toBe(false);
  });

  it('does not apply when the indentation of the first line changes', () => {
    expect(anchorOne({ line: 12, suggestion: 'return user?.name;' }).anchored[0]!.suggestionApplies).toBe(
      false,
    );
  });

  it('does not apply when the range was dropped (it was written for other lines)', () => {
    const { anchored } = anchorOne({ startLine: 13, line: 12, suggestion: '  return user?.name;' });
    expect(anchored[0]!.suggestionApplies).toBe(false);
  });

  it('does not apply when it repeats the current code', () => {
    expect(anchorOne({ line: 12, suggestion: '  return user.name;' }).anchored[0]!.suggestionApplies).toBe(
      false,
    );
  });
});

describe('anchorFindings: duplicates', () => {
  it('keeps the most severe, then most confident, of findings with one fingerprint', () => {
    const findings = [
      makeFinding({ line: 12, severity: 'medium', confidence: 0.99, title: 'a' }),
      makeFinding({ line: 12, severity: 'high', confidence: 0.5, title: 'b' }),
      makeFinding({ line: 38, quote: 'return user.name;', severity: 'high', confidence: 0.9, title: 'c' }),
      makeFinding({ line: 42, title: 'other code' }),
    ];
    const { anchored } = anchorFindings(findings, files);
    expect(anchored.map((f) => f.title)).toEqual(['c', 'other code']);
  });

  it('dedupes unanchored findings too', () => {
    const findings = [
      makeFinding({ path: 'x.ts', title: 'Same' }),
      makeFinding({ path: 'x.ts', title: 'same' }),
    ];
    expect(anchorFindings(findings, files).unanchored).toHaveLength(1);
  });
});

describe('normalizeFindingPath', () => {
  it.each([
    ['./a/b.ts', 'a/b.ts'],
    ['a/./b.ts', 'a/b.ts'],
    ['a/../b.ts', undefined],
    ['', undefined],
    ['.', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normalizeFindingPath(input)).toBe(expected);
  });
});
