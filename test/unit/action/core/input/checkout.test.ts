import { describe, expect, it } from 'vitest';
import { privilegedCheckout } from '../../../../../action/core/input/checkout.js';

const BASE_TIP = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const MERGE = 'c'.repeat(40);
const OTHER = 'd'.repeat(40);

const found = (
  event: 'pull_request' | 'pull_request_target',
  checkedOut: { sha: string; parents: string[] } | undefined,
) => privilegedCheckout({ event, eventSha: BASE_TIP, prHead: HEAD, checkedOut });

describe('privilegedCheckout', () => {
  it("finds a pull_request_target job with the PR's head or its merge commit checked out", () => {
    expect(found('pull_request_target', { sha: HEAD, parents: [OTHER] })).toEqual({
      commit: 'head',
      sha: HEAD,
    });
    expect(found('pull_request_target', { sha: MERGE, parents: [BASE_TIP, HEAD] })).toEqual({
      commit: 'merge',
      sha: MERGE,
    });
  });

  it("finds nothing for the event's own commit, another commit, an unknown checkout, and on pull_request", () => {
    expect(found('pull_request_target', { sha: BASE_TIP, parents: [OTHER] })).toBeUndefined();
    expect(found('pull_request_target', { sha: OTHER, parents: [BASE_TIP] })).toBeUndefined();
    expect(found('pull_request_target', undefined)).toBeUndefined();
    // pull_request runs the PR's code without the base repository's secrets: checking it out is the norm.
    expect(found('pull_request', { sha: HEAD, parents: [OTHER] })).toBeUndefined();
    expect(found('pull_request', { sha: MERGE, parents: [BASE_TIP, HEAD] })).toBeUndefined();
  });
});
