import { describe, expect, it } from 'vitest';
import {
  findingOfComment,
  pathPatternFor,
  toDismissalReport,
} from '../../../../../action/core/output/dismissal.js';
import { dismissalInstruction } from '../../../../../shared/index.js';

describe('pathPatternFor', () => {
  it.each([
    ['src/api/users.ts', 'src/api/**/*.ts'],
    ['main.go', '**/*.go'],
    ['scripts/Makefile', 'scripts/**'],
    ['.env', '**'],
  ])('%s → %s', (path, pattern) => {
    expect(pathPatternFor(path)).toBe(pattern);
  });
});

describe('toDismissalReport', () => {
  const comment =
    '**🟠 High** · correctness · **Off-by-one in count**\n\nBody.\n\n<!-- diffray:finding:0123456789abcdef -->';

  it("reads the finding from diffray's comment and keeps no code, secret or hidden text of the reason", () => {
    const report = toDismissalReport({
      repository: 'acme/widgets',
      pullRequest: 7,
      fingerprint: '0123456789abcdef',
      path: 'src/app.ts',
      comment,
      reason:
        'callers subtract one <!-- hidden -->\n```ts\nconst total = items.length - 1;\n```\nkey ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      by: 'maintainer',
    });
    expect(report).toMatchObject({
      by: 'maintainer',
      category: 'correctness',
      severity: 'high',
      title: 'Off-by-one in count',
      pathPattern: 'src/**/*.ts',
    });
    expect(report!.reason).toContain('callers subtract one');
    expect(report!.reason).not.toContain('items.length');
    expect(report!.reason).not.toContain('hidden');
    expect(report!.reason).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('is undefined when the category cannot be told', () => {
    expect(findingOfComment('just a comment')).toBeUndefined();
    expect(
      toDismissalReport({
        repository: 'a/b',
        pullRequest: 1,
        fingerprint: 'ab'.repeat(8),
        path: 'x',
        comment: 'x',
        reason: '',
        by: 'maintainer',
      }),
    ).toBeUndefined();
  });

  it('becomes a path instruction with the reason', () => {
    expect(
      dismissalInstruction({
        pathPattern: 'src/**/*.ts',
        category: 'correctness',
        title: 'Off-by-one',
        reason: 'callers subtract one',
      }),
    ).toEqual({
      paths: ['src/**/*.ts'],
      text: 'Do not report correctness findings like "Off-by-one": the team dismissed one here as not applicable. The team\'s reason: callers subtract one',
    });
  });
});
