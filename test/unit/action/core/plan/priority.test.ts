import { describe, expect, it } from 'vitest';
import type { Rule } from '../../../../../shared/index.js';
import {
  applyBudget,
  logicLines,
  prioritizeFiles,
  type RankedFile,
} from '../../../../../action/core/plan/priority.js';
import { makeDiffFile } from '../../builders.js';

const code = (path: string, added: number) =>
  makeDiffFile(path, [
    { newStart: 1, lines: Array.from({ length: added }, (_, i) => `+const v${i} = compute(${i});`) },
  ]);

const rule = (overrides: Partial<Rule>): Rule => ({
  id: 'no-eval',
  title: 'No eval',
  description: 'Never call eval.',
  severity: 'high',
  files: ['**/*.ts'],
  ...overrides,
});

const order = (ranked: RankedFile[]) => ranked.map((r) => r.file.path);

describe('prioritizeFiles', () => {
  it.each([
    ['an auth module', 'src/auth/session.ts', 'sensitive:auth'],
    ['a payment service', 'src/services/billing.ts', 'sensitive:payment'],
    ['a SQL migration', 'db/migrations/0007_users.sql', 'sensitive:sql'],
    ['a workflow', '.github/workflows/release.yml', 'sensitive:workflows'],
    ['a Dockerfile', 'deploy/Dockerfile', 'sensitive:container'],
    ['Terraform', 'infra/main.tf', 'sensitive:infra'],
    ['a permissions check', 'src/permissions.ts', 'sensitive:permissions'],
  ])('ranks %s above an ordinary file of the same size', (_name, path, reason) => {
    const ranked = prioritizeFiles([code('src/widgets/list.ts', 5), code(path, 5)]);
    expect(order(ranked)[0]).toBe(path);
    expect(ranked[0]!.reasons).toContain(reason);
  });

  it('does not take an author list for auth code', () => {
    expect(prioritizeFiles([code('src/author.ts', 5)])[0]!.reasons).not.toContain('sensitive:auth');
  });

  it('ranks the larger logic change first among ordinary files', () => {
    expect(order(prioritizeFiles([code('src/small.ts', 2), code('src/big.ts', 80)]))).toEqual([
      'src/big.ts',
      'src/small.ts',
    ]);
  });

  it('does not count blank or comment-only lines as logic', () => {
    const file = makeDiffFile('src/a.ts', [
      {
        newStart: 1,
        lines: [
          '+// note',
          '+',
          '+  /* block */',
          '+ * more',
          '+# py comment',
          '+return x;',
          '-return y;',
          ' ctx',
        ],
      },
    ]);
    expect(logicLines(file)).toBe(2);
  });

  it('puts tests after code and docs last, however large they are', () => {
    const ranked = prioritizeFiles([
      code('README.md', 300),
      code('test/app.test.ts', 300),
      code('src/app.ts', 1),
    ]);
    expect(order(ranked)).toEqual(['src/app.ts', 'test/app.test.ts', 'README.md']);
  });

  it('ranks files a team rule applies to first, even tests the rule names', () => {
    const rules = [rule({ id: 'test-hygiene', files: ['test/**'], severity: 'medium' })];
    const ranked = prioritizeFiles([code('src/auth/login.ts', 5), code('test/login.test.ts', 5)], { rules });
    expect(order(ranked)[0]).toBe('test/login.test.ts');
    expect(ranked[0]!.reasons).toContain('rule:test-hygiene');
  });

  it('applies a rule with a content pattern only when an added line matches it', () => {
    const rules = [rule({ pattern: 'eval\\(' })];
    const withEval = makeDiffFile('src/x.ts', [{ newStart: 1, lines: ['+eval(input);'] }]);
    const ranked = prioritizeFiles([code('src/y.ts', 1), withEval], { rules });
    expect(ranked.find((r) => r.file.path === 'src/x.ts')!.reasons).toContain('rule:no-eval');
    expect(ranked.find((r) => r.file.path === 'src/y.ts')!.reasons).not.toContain('rule:no-eval');
  });

  it('orders ties by path, so the order never depends on input order', () => {
    expect(order(prioritizeFiles([code('src/b.ts', 3), code('src/a.ts', 3)]))).toEqual([
      'src/a.ts',
      'src/b.ts',
    ]);
  });
});

describe('applyBudget', () => {
  const ranked = (tokens: number[]): RankedFile[] =>
    tokens.map((t, i) => ({ file: code(`src/f${i}.ts`, 1), score: 100 - i, reasons: [], tokens: t }));

  it('reviews everything when no budget is set', () => {
    const result = applyBudget(ranked([1000, 2000]), { model: 'claude-sonnet-4-5' });
    expect(result.reviewed).toHaveLength(2);
    expect(result.skipped).toEqual([]);
  });

  it('reviews the riskiest files that fit the token budget and lists the rest as over budget', () => {
    const result = applyBudget(ranked([4000, 5000, 1000]), {
      model: 'claude-sonnet-4-5',
      maxInputTokens: 6000,
      fixedTokens: 500,
    });
    expect(result.reviewed.map((f) => f.path)).toEqual(['src/f0.ts', 'src/f2.ts']);
    expect(result.skipped).toEqual([
      { path: 'src/f1.ts', reason: 'over-budget', detail: 'needs ~5000 input tokens' },
    ]);
    expect(result.estimatedTokens).toBe(5500);
  });

  it('stops at the cost budget using the model price', () => {
    // Sonnet: $3 per million input, $15 per million output; 100k input + 10k output ≈ $0.45.
    const result = applyBudget(ranked([100_000, 100_000]), { model: 'claude-sonnet-4-5', maxCostUsd: 0.5 });
    expect(result.reviewed).toHaveLength(1);
    expect(result.skipped[0]).toMatchObject({ path: 'src/f1.ts', reason: 'over-budget' });
    expect(result.estimatedCostUsd).toBeCloseTo(0.45, 5);
  });
});
