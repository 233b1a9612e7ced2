import { describe, expect, it } from 'vitest';
import {
  countDrops,
  filterFindings,
  ruleSources,
  ruleTextFor,
} from '../../../../../action/core/findings/filters.js';
import { makeDiffFile, makeFinding } from '../../builders.js';

const FILE = makeDiffFile('src/a.ts', [
  {
    newStart: 1,
    lines: [
      ' const rate = 0.2;',
      '-const total = price * rate;',
      '+const total = price * (1 + rate);',
      ' export { total };',
    ],
  },
]);

const SOURCES = ruleSources(
  [
    {
      id: 'no-floats',
      title: 'Money in cents',
      description: 'Never use *floating point* for money; store integer cents.',
      severity: 'high',
      files: ['**'],
    },
  ],
  [{ path: 'src/CLAUDE.md', text: 'Exports are named.\nTests sit beside the code.' }],
);

const lines = (f: { line: number; startLine?: number }) => ({ start: f.startLine ?? f.line, end: f.line });
const run = (...findings: ReturnType<typeof makeFinding>[]) =>
  filterFindings(findings, { files: [FILE], sources: SOURCES, lines });

describe('filters in code', () => {
  it('drops a finding below the confidence floor, keeping one at it', () => {
    const low = makeFinding({ line: 2, confidence: 0.49 });
    const at = makeFinding({ line: 2, confidence: 0.5 });
    const result = run(low, at);
    expect(result.kept).toEqual([at]);
    expect(result.dropped).toEqual([
      { finding: low, reason: 'low-confidence', detail: 'confidence 0.49 is below 0.5' },
    ]);
  });

  it('drops a finding quoting only a deleted line, or unchanged code away from the added lines', () => {
    const deleted = makeFinding({ path: 'src/a.ts', line: 3, quote: 'const total = price * rate;' });
    const unchanged = makeFinding({ path: 'src/a.ts', line: 1, quote: 'const rate = 0.2;' });
    const added = makeFinding({ path: 'src/a.ts', line: 2, quote: 'const total = price * (1 + rate);' });
    // An unchanged quote on a range that holds an added line is about the change.
    const spanning = makeFinding({ path: 'src/a.ts', startLine: 1, line: 2, quote: 'const rate = 0.2;' });
    const unplaced = makeFinding({ path: 'src/a.ts', line: 3, quote: 'nothing like this' });
    const result = run(deleted, unchanged, added, spanning, unplaced);
    expect(result.kept).toEqual([added, spanning, unplaced]);
    expect(result.dropped.map((d) => [d.finding, d.reason])).toEqual([
      [deleted, 'base-only'],
      [unchanged, 'base-only'],
    ]);
  });

  it('keeps a rule finding that quotes its rule, loosely (case, spacing, emphasis, final stop)', () => {
    const quoted = makeFinding({ rule: 'no-floats', ruleQuote: 'never use floating point  for money' });
    const guideline = makeFinding({ rule: 'CLAUDE.md', ruleQuote: 'Exports are named.' });
    expect(run(quoted, guideline).kept).toEqual([quoted, guideline]);
  });

  it('drops a rule finding without a quote, with a quote not in its rule, or citing no rule', () => {
    const unquoted = makeFinding({ rule: 'no-floats' });
    const misquoted = makeFinding({ rule: 'no-floats', ruleQuote: 'Always use decimals' });
    const unknown = makeFinding({ rule: 'made-up', ruleQuote: 'anything' });
    // Relying on a guideline in its text, without the field, counts as citing it.
    const implicit = makeFinding({ body: 'CLAUDE.md wants default exports.' });
    const byId = makeFinding({ title: 'Violates [no-floats]' });
    const result = run(unquoted, misquoted, unknown, implicit, byId);
    expect(result.kept).toEqual([]);
    expect(result.dropped.map((d) => [d.reason, d.detail])).toEqual([
      ['rule-not-quoted', 'relies on no-floats without quoting it'],
      ['rule-misquoted', 'the quote is not in no-floats'],
      ['rule-misquoted', 'cites made-up, which is no team rule or guideline file'],
      ['rule-not-quoted', 'relies on src/CLAUDE.md without quoting it'],
      ['rule-not-quoted', 'relies on no-floats without quoting it'],
    ]);
    expect(countDrops(result.dropped)).toEqual({ 'rule-not-quoted': 3, 'rule-misquoted': 2 });
  });

  it('finds a cited text by id, path or a unique file name', () => {
    expect(ruleTextFor('[no-floats]', SOURCES)).toContain('integer cents');
    expect(ruleTextFor('src/CLAUDE.md', SOURCES)).toContain('Exports are named');
    expect(ruleTextFor('CLAUDE.md', SOURCES)).toContain('Exports are named');
    expect(ruleTextFor('AGENTS.md', SOURCES)).toBeUndefined();
  });
});
