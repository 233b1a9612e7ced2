import { describe, expect, it } from 'vitest';
import {
  MODEL_ROUTES,
  classifyTrivial,
  fallbackModel,
  isOverloadedError,
  sameFormatterInvariant,
} from '../../../../../action/core/plan/triage.js';
import { makeDiffFile } from '../../builders.js';

const change = (path: string, lines: string[]) => makeDiffFile(path, [{ newStart: 1, lines }]);

describe('classifyTrivial', () => {
  it.each([
    ['a README edit', change('README.md', ['-Old text', '+New text']), 'docs-only'],
    ['a docs page', change('docs/guide/setup.rst', ['+More words.']), 'docs-only'],
    [
      'a pure rename',
      makeDiffFile('src/new-name.ts', [], { status: 'renamed', oldPath: 'src/old-name.ts' }),
      'rename-only',
    ],
    [
      'a re-indented block',
      change('src/a.ts', ['-if (x) {', '-return 1;', '-}', '+if (x) {', '+  return 1;', '+}']),
      'whitespace-only',
    ],
    ['trailing spaces removed in YAML', change('ci.yml', ['-on: push   ', '+on: push']), 'whitespace-only'],
    [
      'a formatter re-wrapping a call with trailing commas and quotes',
      change('src/a.ts', ["-const x = f('a', 'b');", '+const x = f(', '+  "a",', '+  "b",', '+);']),
      'formatting',
    ],
    [
      'semicolons added by a formatter',
      change('src/a.js', ['-const a = 1', '-go()', '+const a = 1;', '+go();']),
      'formatting',
    ],
  ])('calls %s trivial', (_name, file, why) => {
    expect(classifyTrivial(file)).toEqual({ trivial: true, why });
  });

  it.each([
    ['a logic change', change('src/a.ts', ['-return a + b;', '+return a - b;'])],
    ['a comma removed between arguments', change('src/a.ts', ['-f(a, b);', '+f(ab);'])],
    [
      'quotes turned into a template literal',
      change('src/a.ts', ['-const s = "${x}";', '+const s = `${x}`;']),
    ],
    ['re-indented Python', change('app.py', ['-    return x', '+return x'])],
    [
      'a renamed file with edits',
      makeDiffFile('src/b.ts', [{ newStart: 1, lines: ['-a()', '+b()'] }], {
        status: 'renamed',
        oldPath: 'src/a.ts',
      }),
    ],
    ['a binary file', makeDiffFile('img.png', [], { binary: true })],
  ])('does not call %s trivial', (_name, file) => {
    expect(classifyTrivial(file)).toEqual({ trivial: false });
  });
});

describe('sameFormatterInvariant', () => {
  it.each([
    [['f(a, b);'], ['f(', '  a,', '  b', ')'], true],
    [["x = 'a'"], ['x = "a";'], true],
    [['\u00a0a\tb\u3000'], ['ab'], true],
    [[], ['  ', ';'], true],
    [['f(a, b)'], ['f(ab)'], true],
    [['a + b'], ['a - b'], false],
    [['x = `a`'], ['x = "a"'], false],
    [['ab'], ['abc'], false],
    [['abc'], ['ab'], false],
  ])('compares %j and %j: %s', (a, b, expected) => {
    expect(sameFormatterInvariant(a, b)).toBe(expected);
  });

  it('agrees with the same comparison made on normalized strings', () => {
    const alphabet = ['a', 'b', ' ', '\t', '\u00a0', '\u2028', ',', ';', "'", '"', '(', ')', '\r'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const lines = () =>
      Array.from({ length: Math.floor(random() * 3) }, () =>
        Array.from(
          { length: Math.floor(random() * 4) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(''),
      );
    const reduced = (l: string[]) =>
      l
        .join('')
        .replace(/[\s,;]/g, '')
        .replace(/'/g, '"');
    for (let i = 0; i < 3000; i++) {
      const a = lines();
      const b = random() < 0.5 ? lines() : a.map((l) => l.replace(/ /g, '').replace(/"/g, "'"));
      expect(sameFormatterInvariant(a, b)).toBe(reduced(a) === reduced(b));
    }
  });
});

describe('model routing', () => {
  it('triages with Haiku', () => {
    expect(MODEL_ROUTES.triage).toBe('claude-haiku-4-5');
  });

  it.each([
    ['claude-opus-4-5', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5', 'claude-haiku-4-5'],
    ['claude-3-5-sonnet-latest', 'claude-haiku-4-5'],
    ['claude-haiku-4-5', undefined],
    ['some-custom-model', 'claude-haiku-4-5'],
  ])('falls back from %s to %s after repeated 529s', (model, fallback) => {
    expect(fallbackModel(model)).toBe(fallback);
  });

  it.each([
    ['529 overloaded_error (request req_1)', true],
    ['Overloaded', true],
    ['429 rate_limit_error', false],
    ['500 api_error', false],
  ])('reads %j as overloaded: %s', (error, expected) => {
    expect(isOverloadedError(error)).toBe(expected);
  });
});
