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

  it('says what each key expects and what the file has, in the order of the file', () => {
    const result = parseConfigYaml(
      [
        'model: 5',
        'max-comments: 500',
        'fail-on: hgih',
        'review-drafts: yes',
        'language: e',
        'rules:',
        '  - id: No_Console',
        '    title: ""',
        '    severity: low',
        '    files: []',
        '    pattern: "(unclosed"',
        'budget:',
        '  max-cost-usd: 0',
        '  max-input-tokens: 1.5',
      ].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => `${i.line}: ${i.key}: ${i.message}`)).toEqual([
      '1: model: expected text, found 5',
      '2: max-comments: expected at most 100, found 500',
      '3: fail-on: expected one of none, critical, high, medium, low, found "hgih" (did you mean high?)',
      '4: review-drafts: expected true or false, found "yes"',
      '5: language: expected at least 2 characters, found 1 character',
      '7: rules.0.id: expected lower-case letters, digits and hyphens (at most 63), found "No_Console"',
      '7: rules.0.description: missing: expected text',
      '8: rules.0.title: expected at least 1 character, found 0 characters',
      '10: rules.0.files: expected at least 1 item, found 0 items',
      '11: rules.0.pattern: expected a JavaScript regular expression, found "(unclosed"',
      '13: budget.max-cost-usd: expected more than 0, found 0',
      '14: budget.max-input-tokens: expected a whole number, found 1.5',
    ]);
  });

  it('names each unknown key on its own line, with the known key it is nearest to', () => {
    const result = parseConfigYaml(
      ['max_coments: 3', 'fail-on: high', 'validation:', '  enabeld: true', 'colour: blue'].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { key: 'max_coments', line: 1, message: 'unknown key max_coments (did you mean max-comments?)' },
      { key: 'validation.enabeld', line: 4, message: 'unknown key enabeld (did you mean enabled?)' },
      { key: 'colour', line: 5, message: 'unknown key colour' },
    ]);
  });

  it('names an empty value as such', () => {
    const result = parseConfigYaml('fail-on:\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]?.message).toBe(
      'expected one of none, critical, high, medium, low, found an empty value',
    );
  });

  it('formats issues as file:line: key: message', () => {
    expect(formatConfigIssues('.diffray.yml', [{ key: 'fail-on', line: 3, message: 'bad' }])).toBe(
      '.diffray.yml:3: fail-on: bad',
    );
  });
});
