import { describe, expect, it } from 'vitest';
import { decideConclusion, type ConclusionInput } from '../../../../../action/core/output/conclusion.js';
import { makeCoverageGap } from '../../builders.js';

const complete: ConclusionInput = {
  severities: [],
  failOn: 'high',
  totalChunks: 3,
  failedChunks: 0,
  skippedForBudget: 0,
};

const gap = makeCoverageGap();

describe('decideConclusion', () => {
  it('is neutral with the coverage receipt when the run covered less than every changed line', () => {
    expect(decideConclusion({ ...complete, coverageGap: gap })).toEqual({
      status: 'partial',
      conclusion: 'neutral',
      reasons: [{ kind: 'coverage-gap', coverage: gap }],
    });
    expect(decideConclusion({ ...complete, severities: ['high'], coverageGap: gap })).toMatchObject({
      conclusion: 'failure',
      reasons: [
        { kind: 'blocking-findings', findings: 1, failOn: 'high' },
        { kind: 'coverage-gap', coverage: gap },
      ],
    });
  });

  it('succeeds when a complete review finds nothing at fail-on', () => {
    expect(decideConclusion({ ...complete, severities: ['medium', 'low'] })).toEqual({
      status: 'completed',
      conclusion: 'success',
      reasons: [],
    });
  });

  it('fails when a finding reaches fail-on', () => {
    expect(decideConclusion({ ...complete, severities: ['low', 'critical'] })).toEqual({
      status: 'completed',
      conclusion: 'failure',
      reasons: [{ kind: 'blocking-findings', findings: 1, failOn: 'high' }],
    });
  });

  it('never fails with fail-on none', () => {
    expect(decideConclusion({ ...complete, failOn: 'none', severities: ['critical'] }).conclusion).toBe(
      'success',
    );
  });

  it('is neutral, not success, when some requests failed', () => {
    expect(decideConclusion({ ...complete, failedChunks: 1 })).toEqual({
      status: 'partial',
      conclusion: 'neutral',
      reasons: [{ kind: 'failed-requests', failed: 1, total: 3 }],
    });
  });

  it('is neutral when files were left out over budget', () => {
    expect(decideConclusion({ ...complete, skippedForBudget: 4 })).toMatchObject({
      status: 'partial',
      conclusion: 'neutral',
      reasons: [{ kind: 'over-budget', files: 4 }],
    });
  });

  it('still fails a partial review whose findings reach fail-on', () => {
    expect(decideConclusion({ ...complete, failedChunks: 1, severities: ['high', 'high'] })).toEqual({
      status: 'partial',
      conclusion: 'failure',
      reasons: [
        { kind: 'blocking-findings', findings: 2, failOn: 'high' },
        { kind: 'failed-requests', failed: 1, total: 3 },
      ],
    });
  });

  it('reports failed when every request failed', () => {
    expect(decideConclusion({ ...complete, failedChunks: 3 })).toMatchObject({
      status: 'failed',
      conclusion: 'neutral',
    });
  });

  it('never concludes success when there was nothing to review', () => {
    expect(decideConclusion({ ...complete, totalChunks: 0 })).toEqual({
      status: 'skipped',
      conclusion: 'neutral',
      reasons: [{ kind: 'nothing-to-review' }],
    });
  });
});
