import { describe, expect, it } from 'vitest';
import {
  configKeyReference,
  effectiveHostedConfig,
  readStoredConfig,
  withEnabled,
} from '../../../api/hosted-config.js';
import { MERGE_POLICY } from '../../../shared/config-merge.js';

describe('effectiveHostedConfig', () => {
  it('lays the repository’s keys over the account default’s and names the source of each', () => {
    const entries = effectiveHostedConfig(
      { enabled: false, 'fail-on': 'medium', budget: { 'max-cost-usd': 2, 'max-input-tokens': 100_000 } },
      { enabled: true, budget: { 'max-cost-usd': 1 } },
    );
    expect(entries).toEqual([
      { key: 'enabled', value: true, source: 'repository' },
      { key: 'fail-on', value: 'medium', source: 'account' },
      { key: 'budget.max-cost-usd', value: 1, source: 'repository' },
      { key: 'budget.max-input-tokens', value: 100_000, source: 'account' },
    ]);
  });
});

describe('withEnabled', () => {
  it('writes enabled where the repository differs from the account default, keeping comments and keys', () => {
    expect(withEnabled('# why\nfail-on: high # strict\n', false, {})).toBe(
      '# why\nfail-on: high # strict\nenabled: false\n',
    );
    expect(withEnabled('', true, { enabled: false })).toBe('enabled: true\n');
  });

  it('removes the key where the repository would repeat the default, leaving no empty mapping', () => {
    expect(withEnabled('fail-on: high\nenabled: false\n', true, {})).toBe('fail-on: high\n');
    expect(withEnabled('enabled: false\n', true, {})).toBe('');
    expect(withEnabled('', true, {})).toBe('');
    expect(withEnabled('enabled: true\n', false, { enabled: false })).toBe('');
  });
});

describe('readStoredConfig', () => {
  it('reads a config that no longer validates as empty, and says so', () => {
    expect(readStoredConfig('fail-on: sometimes\n')).toEqual({ config: {}, stale: true });
    expect(readStoredConfig(undefined)).toEqual({ config: {}, stale: false });
  });
});

describe('configKeyReference', () => {
  it('lists every key the merge table has, described, with what it takes', () => {
    const leaves = (policy: object, prefix = ''): string[] =>
      Object.entries(policy).flatMap(([k, row]) =>
        typeof row === 'function' ? [prefix + k] : [prefix + k, ...leaves(row as object, `${prefix}${k}.`)],
      );
    const reference = configKeyReference();
    expect(reference.map((k) => k.key).sort()).toEqual(leaves(MERGE_POLICY).sort());
    for (const key of reference) expect(key.description, key.key).not.toBe('');
    expect(reference.find((k) => k.key === 'fail-on')?.takes).toBe(
      'one of none, critical, high, medium, low',
    );
  });
});
