import { describe, expect, it } from 'vitest';
import { DiffrayConfigSchema, type DiffrayConfig, type Rule } from '../../../shared/config.js';
import { heldKeysNotice, MERGE_POLICY, mergeConfigs } from '../../../shared/config-merge.js';

/** Dotted keys of a zod object schema, descending into nested objects (not into lists). */
function schemaKeys(shape: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(shape).flatMap(([key, field]) => {
    const inner = (field as { def: { innerType?: { shape?: Record<string, unknown> } } }).def.innerType;
    return inner?.shape ? schemaKeys(inner.shape, `${prefix}${key}.`) : [`${prefix}${key}`];
  });
}

function policyKeys(policy: object, prefix = ''): string[] {
  return Object.entries(policy).flatMap(([key, row]) =>
    typeof row === 'function' ? [`${prefix}${key}`] : policyKeys(row as object, `${prefix}${key}.`),
  );
}

/** The merged value of one dotted key and whether the account held it against the repository. */
function mergeKey(key: string, account: DiffrayConfig, repo: DiffrayConfig) {
  const { config, held } = mergeConfigs(account, repo);
  const value = key
    .split('.')
    .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
  return { value, held: held.includes(key) };
}

/** A config setting one dotted key: `withKey('budget.max-cost-usd', 1)`. */
function withKey(key: string, value: unknown): DiffrayConfig {
  return key.split('.').reduceRight<unknown>((inner, k) => ({ [k]: inner }), value) as DiffrayConfig;
}

const rule = (id: string, severity: Rule['severity']): Rule => ({
  id,
  title: id,
  description: 'd',
  severity,
  files: ['**'],
});

describe('MERGE_POLICY', () => {
  it('has a row for every key of the config schema, nested keys included', () => {
    expect(policyKeys(MERGE_POLICY).sort()).toEqual(schemaKeys(DiffrayConfigSchema.shape).sort());
  });
});

describe('mergeConfigs: one direction per key', () => {
  // [key, the account's value, the repository's, the value that applies, held against the repository]
  const cases: [string, unknown, unknown, unknown, boolean][] = [
    ['fail-on', 'high', 'medium', 'medium', false],
    ['fail-on', 'high', 'critical', 'high', true],
    ['fail-on', 'low', 'none', 'low', true],
    ['fail-on', 'none', 'critical', 'critical', false],
    ['max-comments', 10, 5, 5, false],
    ['max-comments', 10, 50, 10, true],
    ['min-severity', 'medium', 'low', 'low', false],
    ['min-severity', 'medium', 'high', 'medium', true],
    ['review-drafts', false, true, true, false],
    ['review-drafts', true, false, true, true],
    ['strictness', 'balanced', 'strict', 'strict', false],
    ['strictness', 'balanced', 'relaxed', 'balanced', true],
    ['guidelines', false, true, true, false],
    ['guidelines', true, false, true, true],
    ['walkthrough', false, true, true, false],
    ['walkthrough', true, false, true, true],
    ['validation.enabled', true, false, false, false],
    ['validation.enabled', false, true, false, true],
    ['validation.min-severity', 'high', 'critical', 'critical', false],
    ['validation.min-severity', 'high', 'low', 'high', true],
    ['budget.max-cost-usd', 2, 1, 1, false],
    ['budget.max-cost-usd', 2, 5, 2, true],
    ['budget.max-input-tokens', 100_000, 50_000, 50_000, false],
    ['budget.max-input-tokens', 100_000, 900_000, 100_000, true],
    ['commands.enabled', true, false, false, false],
    ['commands.enabled', false, true, false, true],
    ['commands.allowed-associations', ['OWNER', 'MEMBER'], ['OWNER'], ['OWNER'], false],
    ['commands.allowed-associations', ['OWNER'], ['OWNER', 'CONTRIBUTOR'], ['OWNER'], true],
    ['commands.answers-per-hour', 10, 3, 3, false],
    ['commands.answers-per-hour', 10, 50, 10, true],
  ];

  it.each(cases)('%s: account %j, repository %j → %j (held: %s)', (key, account, repo, value, held) => {
    expect(mergeKey(key, withKey(key, account), withKey(key, repo))).toEqual({ value, held });
  });

  it.each([
    ['model', { model: 'claude-sonnet-4-5' }, { model: 'claude-haiku-4-5' }],
    ['language', { language: 'en' }, { language: 'de' }],
    ['exclude', { exclude: ['*.gen.ts'] }, { exclude: ['*.gen.ts', 'src/**'] }],
    ['resolve-fixed-threads', { 'resolve-fixed-threads': false }, { 'resolve-fixed-threads': true }],
  ] as [string, DiffrayConfig, DiffrayConfig][])(
    '%s: the account decides when it sets one; a different repository value is held',
    (key, account, repo) => {
      const accountValue = mergeKey(key, account, {}).value;
      expect(mergeKey(key, account, repo)).toEqual({ value: accountValue, held: true });
      expect(mergeKey(key, account, account)).toEqual({ value: accountValue, held: false });
    },
  );

  it('enabled: the account’s word wins either way; a repository turns itself off only where the account is silent', () => {
    expect(mergeKey('enabled', { enabled: false }, { enabled: true })).toEqual({ value: false, held: true });
    expect(mergeKey('enabled', { enabled: true }, { enabled: false })).toEqual({ value: true, held: true });
    expect(mergeKey('enabled', {}, { enabled: false })).toEqual({ value: false, held: false });
    expect(mergeKey('enabled', { enabled: false }, {})).toEqual({ value: false, held: false });
  });

  it('keeps repository excludes the account already lists, without reporting them', () => {
    expect(mergeKey('exclude', { exclude: ['a/**', 'b/**'] }, { exclude: ['b/**'] })).toEqual({
      value: ['a/**', 'b/**'],
      held: false,
    });
  });

  it('applies both sides’ instructions, the account’s first', () => {
    const a = { paths: ['api/**'], text: 'account' };
    const r = { paths: ['web/**'], text: 'repo' };
    expect(mergeKey('instructions', { instructions: [a] }, { instructions: [r] })).toEqual({
      value: [a, r],
      held: false,
    });
  });

  it('applies both sides’ rules; a repository rule cannot redefine an account rule', () => {
    const merged = mergeKey(
      'rules',
      { rules: [rule('no-sql', 'high')] },
      { rules: [rule('no-sql', 'low'), rule('no-console', 'low')] },
    );
    expect(merged).toEqual({ value: [rule('no-sql', 'high'), rule('no-console', 'low')], held: true });
    expect(
      mergeKey('rules', { rules: [rule('no-sql', 'high')] }, { rules: [rule('no-sql', 'high')] }).held,
    ).toBe(false);
  });
});

describe('mergeConfigs: one side silent', () => {
  const full: DiffrayConfig = {
    model: 'claude-haiku-4-5',
    'fail-on': 'none',
    'max-comments': 100,
    'min-severity': 'critical',
    'review-drafts': false,
    exclude: ['src/**'],
    strictness: 'relaxed',
    language: 'de',
    guidelines: false,
    instructions: [{ paths: ['**'], text: 't' }],
    rules: [rule('r', 'low')],
    validation: { enabled: true, 'min-severity': 'low' },
    budget: { 'max-cost-usd': 1000, 'max-input-tokens': 10_000_000 },
  };

  it('applies every repository value as it is when the account sets nothing', () => {
    expect(mergeConfigs({}, full)).toEqual({ config: full, held: [] });
  });

  it('applies the repository’s value for a nested key the account leaves unset', () => {
    expect(
      mergeConfigs({ validation: { enabled: true } }, { validation: { 'min-severity': 'low' } }).config,
    ).toEqual({ validation: { enabled: true, 'min-severity': 'low' } });
  });

  it('applies the account’s values when the repository sets nothing', () => {
    expect(mergeConfigs(full, {})).toEqual({ config: full, held: [] });
  });
});

describe('heldKeysNotice', () => {
  it('names the held keys and the file that asked for them', () => {
    expect(heldKeysNotice(['model', 'validation.enabled'], '.diffray.yml')).toBe(
      "The account's hosted config holds model, validation.enabled: .diffray.yml asked for looser values " +
        'there, which were not applied (a repository can tighten what the account sets, never loosen it)',
    );
  });

  it('says nothing when nothing was held', () => {
    expect(heldKeysNotice([], '.diffray.yml')).toBeUndefined();
  });
});
