import { describe, expect, it } from 'vitest';
import { decideConclusion, type ConclusionInput } from '../../../../../action/core/output/conclusion.js';

const complete: ConclusionInput = {
  severities: [],
  failOn: 'high',
  totalChunks: 3,
  failedChunks: 0,
  skippedForBudget: 0,
};

describe('decideConclusion', () => {
  it('is neutral with the coverage line when the run covered less than every changed line', () => {
    const gap = 'Reviewed 40 of 80 changed lines in 1 of 2 files; skipped: 1 too large';
    expect(decideConclusion({ ...complete, coverageGap: gap })).toEqual({
      status: 'partial',
      conclusion: 'neutral',
      reason: gap,
    });
    expect(decideConclusion({ ...complete, severities: ['high'], coverageGap: gap })).toMatchObject({
      conclusion: 'failure',
      reason: `1 finding at or above high; ${gap}`,
    });
  });

  it('succeeds when a complete review finds nothing at fail-on', () => {
    expect(decideConclusion({ ...complete, severities: ['medium', 'low'] })).toEqual({
      status: 'completed',
      conclusion: 'success',
    });
  });

  it('fails when a finding reaches fail-on', () => {
    expect(decideConclusion({ ...complete, severities: ['low', 'critical'] })).toEqual({
      status: 'completed',
      conclusion: 'failure',
      reason: '1 finding at or above high',
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
      reason: '1 of 3 review requests failed',
    });
  });

  it('is neutral when files were left out over budget', () => {
    expect(decideConclusion({ ...complete, skippedForBudget: 4 })).toMatchObject({
      status: 'partial',
      conclusion: 'neutral',
      reason: '4 files not reviewed (over budget)',
    });
  });

  it('still fails a partial review whose findings reach fail-on', () => {
    expect(decideConclusion({ ...complete, failedChunks: 1, severities: ['high', 'high'] })).toEqual({
      status: 'partial',
      conclusion: 'failure',
      reason: '2 findings at or above high; 1 of 3 review requests failed',
    });
  });

  it('reports failed when every request failed', () => {
    expect(decideConclusion({ ...complete, failedChunks: 3 })).toMatchObject({
      status: 'failed',
      conclusion: 'neutral',
    });
  });

  it('is neutral with the reason when the review was skipped', () => {
    const skipped = 'fork pull request without ANTHROPIC key';
    expect(decideConclusion({ ...complete, severities: ['critical'], skipped })).toEqual({
      status: 'skipped',
      conclusion: 'neutral',
      reason: skipped,
    });
  });

  it('never concludes success when there was nothing to review', () => {
    expect(decideConclusion({ ...complete, totalChunks: 0 })).toEqual({
      status: 'skipped',
      conclusion: 'neutral',
      reason: 'no reviewable changes',
    });
  });
});
