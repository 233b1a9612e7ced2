import { describe, expect, it } from 'vitest';
import { formatConfigIssues, parseConfigYaml } from '../../../shared/config.js';

describe('parseConfigYaml', () => {
  it('accepts an empty file as an empty config', () => {
    expect(parseConfigYaml('')).toEqual({ ok: true, config: {} });
  });

  it('parses a full config', () => {
    const result = parseConfigYaml(
      [
        'fail-on: medium',
        'max-comments: 10',
        'exclude:',
        '  - "docs/**"',
        'rules:',
        '  - id: no-console',
        '    title: No console.log',
        '    description: Use the logger.',
        '    severity: low',
        '    files: ["src/**/*.ts"]',
        '    pattern: "console\\\\.log"',
        'budget:',
        '  max-cost-usd: 0.5',
      ].join('\n'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config['fail-on']).toBe('medium');
    expect(result.config.rules?.[0]?.pattern).toBe('console\\.log');
    expect(result.config.budget?.['max-cost-usd']).toBe(0.5);
  });

  it('names the key and the line of a bad value', () => {
    const result = parseConfigYaml(
      'model: claude\nrules:\n  - id: r1\n    title: t\n    description: d\n    severity: urgent\n    files: ["**"]\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ key: 'rules.0.severity', line: 6 });
  });

  it('names an unknown key and its line', () => {
    const result = parseConfigYaml('fail-on: high\nmax_comments: 3\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]).toMatchObject({ key: 'max_comments', line: 2 });
    expect(result.issues[0]?.message).toContain('unknown key');
  });

  it('reports YAML syntax errors with their line', () => {
    const result = parseConfigYaml('fail-on: high\nexclude: [a, b\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]?.key).toBe('(yaml)');
    expect(result.issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects a rule whose pattern is not a regular expression', () => {
    const result = parseConfigYaml(
      'rules:\n  - id: r\n    title: t\n    description: d\n    severity: low\n    files: ["*"]\n    pattern: "(unclosed"\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]).toMatchObject({ key: 'rules.0.pattern', line: 7 });
  });

  it('formats issues as file:line: key: message', () => {
    expect(formatConfigIssues('.diffray.yml', [{ key: 'fail-on', line: 3, message: 'bad' }])).toBe(
      '.diffray.yml:3: fail-on: bad',
    );
  });
});
