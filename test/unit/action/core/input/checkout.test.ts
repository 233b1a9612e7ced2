import { describe, expect, it } from 'vitest';
import { privilegedCheckoutWarning } from '../../../../../action/core/input/checkout.js';

const BASE_TIP = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const MERGE = 'c'.repeat(40);
const OTHER = 'd'.repeat(40);

const warn = (
  event: 'pull_request' | 'pull_request_target',
  checkedOut: { sha: string; parents: string[] } | undefined,
) => privilegedCheckoutWarning({ event, eventSha: BASE_TIP, prHead: HEAD, checkedOut });

describe('privilegedCheckoutWarning', () => {
  it("warns when a pull_request_target job has the PR's head or its merge commit checked out", () => {
    expect(warn('pull_request_target', { sha: HEAD, parents: [OTHER] })).toMatch(
      /^This pull_request_target job checked out the pull request's head commit \(bbbbbbb\)/,
    );
    expect(warn('pull_request_target', { sha: MERGE, parents: [BASE_TIP, HEAD] })).toMatch(
      /checked out a merge of the pull request's head \(ccccccc\).*holds the repository's secrets/,
    );
  });

  it("is silent for the event's own commit, another commit, an unknown checkout, and on pull_request", () => {
    expect(warn('pull_request_target', { sha: BASE_TIP, parents: [OTHER] })).toBeUndefined();
    expect(warn('pull_request_target', { sha: OTHER, parents: [BASE_TIP] })).toBeUndefined();
    expect(warn('pull_request_target', undefined)).toBeUndefined();
    // pull_request runs the PR's code without the base repository's secrets: checking it out is the norm.
    expect(warn('pull_request', { sha: HEAD, parents: [OTHER] })).toBeUndefined();
    expect(warn('pull_request', { sha: MERGE, parents: [BASE_TIP, HEAD] })).toBeUndefined();
  });
});
