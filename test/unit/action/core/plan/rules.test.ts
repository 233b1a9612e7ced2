import { describe, expect, it } from 'vitest';
import { instructionsForFile, rulesForFile } from '../../../../../action/core/plan/rules.js';
import type { Rule } from '../../../../../shared/index.js';
import { addedFile, makeFile, makeHunk } from '../../input-fixtures.js';

const rule = (overrides: Partial<Rule>): Rule => ({
  id: 'r',
  title: 'Rule',
  description: 'Check it.',
  severity: 'medium',
  files: ['**/*'],
  ...overrides,
});

describe('rulesForFile', () => {
  const sql = rule({ id: 'sql', files: ['src/db/**'] });
  const tests = rule({ id: 'tests', files: ['*.test.ts'] });
  const noEval = rule({ id: 'no-eval', files: ['*.ts', '*.js'], pattern: String.raw`\beval\(` });

  it('matches rules by file glob', () => {
    const file = addedFile('src/db/query.ts', ['select()']);
    expect(rulesForFile([sql, tests], file).map((r) => r.id)).toEqual(['sql']);
  });

  it('matches a glob without a slash at any depth', () => {
    expect(rulesForFile([tests], addedFile('test/unit/a.test.ts', ['it()']))).toEqual([tests]);
  });

  it('matches a content pattern against added lines only', () => {
    const adds = makeFile('a.ts', [makeHunk(1, [' eval(old)', '+const x = eval(input);'])]);
    const keeps = makeFile('b.ts', [makeHunk(1, [' eval(old)', '-eval(gone)', '+const y = 1;'])]);
    expect(rulesForFile([noEval], adds)).toEqual([noEval]);
    expect(rulesForFile([noEval], keeps)).toEqual([]);
  });

  it('requires both the glob and the pattern', () => {
    expect(rulesForFile([noEval], addedFile('a.py', ['eval(x)']))).toEqual([]);
  });

  it('keeps config order', () => {
    const all = [tests, noEval, sql];
    const file = addedFile('src/db/q.test.ts', ['eval(1)']);
    expect(rulesForFile(all, file).map((r) => r.id)).toEqual(['tests', 'no-eval', 'sql']);
  });
});

describe('instructionsForFile', () => {
  const docs = { paths: ['docs/**', '*.md'], text: 'Keep it short.' };
  const api = { paths: ['api/'], text: 'Check auth on every route.' };

  it('returns the instructions whose paths match', () => {
    expect(instructionsForFile([docs, api], 'README.md')).toEqual([docs]);
    expect(instructionsForFile([docs, api], 'api/routes/users.ts')).toEqual([api]);
    expect(instructionsForFile([docs, api], 'src/index.ts')).toEqual([]);
  });
});
