import { describe, expect, it } from 'vitest';
import { toSarif } from '../../../../../action/core/output/sarif.js';
import { makeAnchored, makeUnanchored } from '../../builders.js';

const opts = { toolVersion: '1.2.3', informationUri: 'https://github.com/diffray/action' };

describe('toSarif', () => {
  const log = toSarif(
    [
      makeAnchored({
        severity: 'critical',
        category: 'security',
        path: 'src/a b#1.ts',
        startLine: 4,
        line: 6,
        fingerprint: 'a'.repeat(32),
      }),
      makeAnchored({ severity: 'medium', category: 'correctness', line: 10 }),
      makeUnanchored({ severity: 'low', category: 'security', line: 2, body: 'token AKIAIOSFODNN7EXAMPL3' }),
    ],
    opts,
  );
  const run = log.runs[0]!;

  it('has the SARIF 2.1.0 envelope and the diffray driver', () => {
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver).toMatchObject({
      name: 'diffray',
      version: '1.2.3',
      informationUri: opts.informationUri,
    });
  });

  it('declares one rule per category used, and points results at them', () => {
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['correctness', 'security']);
    expect(run.results).toHaveLength(3);
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    }
  });

  it('maps severity to level', () => {
    expect(run.results.map((r) => r.level)).toEqual(['error', 'warning', 'note']);
  });

  it('locates results with an encoded relative URI and a line region', () => {
    expect(run.results[0]!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'src/a%20b%231.ts', uriBaseId: '%SRCROOT%' },
      region: { startLine: 4, endLine: 6 },
    });
    expect(run.results[1]!.locations[0]!.physicalLocation.region).toEqual({ startLine: 10, endLine: 10 });
  });

  it('carries the fingerprint and a redacted message', () => {
    expect(run.results[0]!.partialFingerprints).toEqual({ 'diffray/v1': 'a'.repeat(32) });
    expect(run.results[2]!.message.text).not.toContain('AKIAIOSFODNN7EXAMPL3');
    expect(run.results[1]!.message.text).toBe('Possible null dereference\n\nThe value can be null here.');
  });

  it('is valid with no findings', () => {
    const empty = toSarif([], opts);
    expect(empty.runs[0]!.results).toEqual([]);
    expect(empty.runs[0]!.tool.driver.rules).toEqual([]);
  });
});
