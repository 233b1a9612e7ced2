import { describe, expect, it } from 'vitest';
import {
  checkSuggestion,
  suggestionLines,
  type SuggestionCheckInput,
} from '../../../../../action/core/findings/suggestion-check.js';
import { typescriptStripper } from '../../ts-stripper.js';

const withTs = { stripTypes: typescriptStripper };

const TS_FILE = [
  'import { Injectable } from "../../di.js";',
  '',
  '@Injectable()',
  'export class Store<T extends { id: string }> {',
  '  private readonly items = new Map<string, T>();',
  '',
  '  get(id: string): T | undefined {',
  '    return this.items.get(id);',
  '  }',
  '}',
  'export const config = { retries: 3 } satisfies Record<string, number>;',
  '',
].join('\n');

function check(overrides: Partial<SuggestionCheckInput>): ReturnType<typeof checkSuggestion> {
  return checkSuggestion(
    {
      path: 'src/store.ts',
      fileText: TS_FILE,
      startLine: 8,
      endLine: 8,
      suggestion: '',
      ...overrides,
    },
    withTs,
  );
}

describe('checkSuggestion', () => {
  it.each([
    [
      'a TypeScript line in a generic, decorated class',
      'src/store.ts',
      8,
      8,
      '    return this.items.get(id) ?? undefined;',
    ],
    [
      'a multi-line TypeScript replacement',
      'src/store.ts',
      7,
      9,
      '  get(id: string): T | undefined {\n    const item = this.items.get(id);\n    return item;\n  }',
    ],
    [
      'a `satisfies` expression',
      'src/store.ts',
      11,
      11,
      'export const config = { retries: 5 } satisfies Record<string, number>;',
    ],
  ])('offers %s as one click when the file still parses', (_name, path, startLine, endLine, suggestion) => {
    expect(check({ path, startLine, endLine, suggestion })).toEqual({ ok: true, check: 'parsed' });
  });

  it('refuses a TypeScript suggestion that leaves a brace open', () => {
    const result = check({
      startLine: 8,
      endLine: 9,
      suggestion: '    if (id) {\n      return this.items.get(id);',
    });
    expect(result).toMatchObject({ ok: false, reason: 'does-not-parse' });
  });

  it('refuses a suggestion whose first line is indented differently from the line it replaces', () => {
    expect(check({ suggestion: 'return this.items.get(id);' })).toMatchObject({
      ok: false,
      reason: 'indentation-changed',
    });
    expect(check({ suggestion: '      return this.items.get(id);' })).toMatchObject({
      ok: false,
      reason: 'indentation-changed',
    });
  });

  it('refuses tabs in a file indented with spaces', () => {
    const result = check({
      startLine: 7,
      endLine: 9,
      suggestion: '  get(id: string): T | undefined {\n\treturn this.items.get(id);\n  }',
    });
    expect(result).toMatchObject({ ok: false, reason: 'indentation-changed' });
  });

  it('refuses a suggestion identical to the lines it replaces', () => {
    expect(check({ suggestion: '    return this.items.get(id);\n' })).toEqual({
      ok: false,
      reason: 'no-change',
    });
  });

  it.each([
    [0, 1],
    [3, 2],
    [12, 12],
  ])('refuses the range %i-%i, which is not inside the file', (startLine, endLine) => {
    expect(check({ startLine, endLine, suggestion: 'x' })).toMatchObject({
      ok: false,
      reason: 'range-outside-file',
    });
  });

  it('accepts an empty suggestion that deletes lines when the rest still parses', () => {
    expect(check({ startLine: 5, endLine: 6, suggestion: '' })).toEqual({ ok: true, check: 'parsed' });
  });

  it.each([
    [
      'JSON',
      'package.json',
      '{\n  "name": "x",\n  "private": true\n}\n',
      2,
      '  "name": "y",',
      '  "name": "y"',
    ],
    [
      'YAML',
      '.github/workflows/ci.yml',
      'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n',
      4,
      '    runs-on: ubuntu-24.04',
      '    runs-on: [ubuntu-24.04',
    ],
    [
      'JavaScript (module)',
      'src/a.mjs',
      'export function f(a) {\n  return a + 1;\n}\n',
      2,
      '  return a + 2;',
      '  return (a + 2;',
    ],
    [
      'JavaScript (CommonJS script with top-level return)',
      'src/a.cjs',
      'if (!module.parent) return;\nmodule.exports = 1;\n',
      2,
      'module.exports = 2;',
      'module.exports = {;',
    ],
    [
      'a declaration file',
      'types/env.d.ts',
      'declare function env(name: string): string;\nexport {};\n',
      1,
      'declare function env(name: string): string | undefined;',
      'declare function env(name: string: string;',
    ],
  ])(
    'checks %s: a valid edit is one-click, a broken one is not',
    (_name, path, fileText, line, good, bad) => {
      expect(
        checkSuggestion({ path, fileText, startLine: line, endLine: line, suggestion: good }, withTs),
      ).toEqual({
        ok: true,
        check: 'parsed',
      });
      expect(
        checkSuggestion({ path, fileText, startLine: line, endLine: line, suggestion: bad }, withTs),
      ).toMatchObject({
        ok: false,
        reason: 'does-not-parse',
      });
    },
  );

  it('does not block on parsing when the file did not parse before (JSON with comments)', () => {
    const fileText = '{\n  // compiler options\n  "strict": true\n}\n';
    const result = checkSuggestion({
      path: 'tsconfig.json',
      fileText,
      startLine: 3,
      endLine: 3,
      suggestion: '  "strict": false,,',
    });
    expect(result).toEqual({ ok: true, check: 'unparseable-before' });
  });

  it('checks only indentation for languages without a bundled parser', () => {
    const fileText = 'def f(x):\n    return x\n';
    expect(
      checkSuggestion({ path: 'app.py', fileText, startLine: 2, endLine: 2, suggestion: '    return x + 1' }),
    ).toEqual({
      ok: true,
      check: 'indentation-only',
    });
    expect(
      checkSuggestion({ path: 'app.py', fileText, startLine: 2, endLine: 2, suggestion: '  return x + 1' }),
    ).toMatchObject({
      ok: false,
      reason: 'indentation-changed',
    });
  });

  it('keeps CRLF files parseable and compares lines without their carriage returns', () => {
    const fileText = 'const a = 1;\r\nconst b = 2;\r\n';
    expect(
      checkSuggestion(
        { path: 'a.ts', fileText, startLine: 2, endLine: 2, suggestion: 'const b = 3;' },
        withTs,
      ),
    ).toEqual({
      ok: true,
      check: 'parsed',
    });
    expect(
      checkSuggestion({ path: 'a.ts', fileText, startLine: 2, endLine: 2, suggestion: 'const b = 2;' }),
    ).toEqual({
      ok: false,
      reason: 'no-change',
    });
  });
});

describe('checkSuggestion without a full parser', () => {
  it('checks TypeScript for indentation only when no type stripper is available (Node 20)', () => {
    const input = { path: 'src/store.ts', fileText: TS_FILE, startLine: 8, endLine: 8 };
    expect(checkSuggestion({ ...input, suggestion: '    return this.items.get(id;' })).toEqual({
      ok: true,
      check: 'indentation-only',
    });
    expect(checkSuggestion({ ...input, suggestion: '    return this.items.get(id;' }, withTs)).toMatchObject({
      ok: false,
      reason: 'does-not-parse',
    });
  });

  it.each([
    ['TSX', 'src/App.tsx', 'export const Id = <T,>(p: { v: T }) => <b>{String(p.v)}</b>;\n'],
    ['JSX', 'src/App.jsx', 'export const App = () => <div className="a">hi</div>;\n'],
  ])('checks %s for indentation only, stripper or not', (_name, path, fileText) => {
    const bad = fileText.replace('</', '</x').trimEnd();
    expect(checkSuggestion({ path, fileText, startLine: 1, endLine: 1, suggestion: bad }, withTs)).toEqual({
      ok: true,
      check: 'indentation-only',
    });
  });

  it('does not block on a .js file with JSX, which the type stripper cannot read before the change either', () => {
    const fileText = 'export const App = () => (\n  <div className="a">hi</div>\n);\n';
    expect(
      checkSuggestion(
        { path: 'src/App.js', fileText, startLine: 2, endLine: 2, suggestion: '  <p>hi</p>' },
        withTs,
      ),
    ).toEqual({ ok: true, check: 'unparseable-before' });
  });
});

describe('suggestionLines', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\r\nb', ['a', 'b']],
    ['\n', ['']],
  ])('splits %j the way the renderer fences it', (text, lines) => {
    expect(suggestionLines(text)).toEqual(lines);
  });
});
