import { describe, expect, it } from 'vitest';
import { planPosting, toReviewComment } from '../../../../../action/core/findings/posting.js';
import { makeAnchored } from '../../builders.js';

const fp = (c: string) => c.repeat(32);

describe('planPosting', () => {
  const findings = [
    makeAnchored({ fingerprint: fp('1'), severity: 'low', confidence: 0.9 }),
    makeAnchored({ fingerprint: fp('2'), severity: 'critical', confidence: 0.5 }),
    makeAnchored({ fingerprint: fp('3'), severity: 'high', confidence: 0.6 }),
    makeAnchored({ fingerprint: fp('4'), severity: 'high', confidence: 0.9 }),
  ];

  it('posts the most severe first, then the most confident', () => {
    const plan = planPosting(findings, { maxComments: 10, alreadyPosted: new Set() });
    expect(plan.posted.map((f) => f.fingerprint)).toEqual([fp('2'), fp('4'), fp('3'), fp('1')]);
    expect(plan.overflow).toEqual([]);
  });

  it('caps inline comments and keeps the rest as overflow', () => {
    const plan = planPosting(findings, { maxComments: 2, alreadyPosted: new Set() });
    expect(plan.posted.map((f) => f.fingerprint)).toEqual([fp('2'), fp('4')]);
    expect(plan.overflow.map((f) => f.fingerprint)).toEqual([fp('3'), fp('1')]);
  });

  it('never posts a fingerprint that an earlier run posted, and counts them', () => {
    const plan = planPosting(findings, { maxComments: 10, alreadyPosted: new Set([fp('2'), fp('1')]) });
    expect(plan.posted.map((f) => f.fingerprint)).toEqual([fp('4'), fp('3')]);
    expect(plan.alreadyPosted).toBe(2);
  });

  it('puts everything in overflow when max-comments is 0', () => {
    const plan = planPosting(findings, { maxComments: 0, alreadyPosted: new Set() });
    expect(plan.posted).toEqual([]);
    expect(plan.overflow).toHaveLength(4);
  });
});

describe('toReviewComment', () => {
  it('anchors a single line on the RIGHT side', () => {
    expect(toReviewComment(makeAnchored({ path: 'a.ts', line: 7 }), 'body')).toEqual({
      path: 'a.ts',
      body: 'body',
      line: 7,
      side: 'RIGHT',
    });
  });

  it('adds start_line and start_side for a range', () => {
    const comment = toReviewComment(makeAnchored({ path: 'a.ts', startLine: 5, line: 7 }), 'b');
    expect(comment).toMatchObject({ line: 7, side: 'RIGHT', start_line: 5, start_side: 'RIGHT' });
  });
});
