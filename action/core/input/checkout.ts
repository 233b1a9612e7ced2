import { shortSha } from '../text.js';

/** The commit in the working tree, and the parents its object names (present or not: a checkout is shallow). */
export interface CheckedOutCommit {
  sha: string;
  parents: readonly string[];
}

/**
 * A `pull_request_target` job holds the base repository's secrets and a write token, and its default
 * checkout is the event's commit (`GITHUB_SHA`: the base branch), never the PR's code. A workflow that
 * checks out the PR's head, or its merge commit (`refs/pull/N/merge`, whose parents include the head), puts
 * untrusted code in that job. diffray only reads it, as data; any later step that builds, installs or runs
 * it runs it with those secrets. Returns the warning for that case, or undefined.
 */
export function privilegedCheckoutWarning(input: {
  event: 'pull_request' | 'pull_request_target';
  /** `GITHUB_SHA`. */
  eventSha: string | undefined;
  prHead: string;
  checkedOut: CheckedOutCommit | undefined;
}): string | undefined {
  const { event, eventSha, prHead, checkedOut } = input;
  if (event !== 'pull_request_target' || checkedOut === undefined || checkedOut.sha === eventSha) {
    return undefined;
  }
  const what =
    checkedOut.sha === prHead
      ? "the pull request's head commit"
      : checkedOut.parents.includes(prHead)
        ? "a merge of the pull request's head"
        : undefined;
  if (what === undefined) return undefined;
  return (
    `This pull_request_target job checked out ${what} (${shortSha(checkedOut.sha)}), not the event's ` +
    `commit: the PR's untrusted code is in a job that holds the repository's secrets and a write token. ` +
    `diffray only reads it as data and never needs it checked out here; make sure no step of this job ` +
    `builds, installs or runs it, or use the pull_request event (see the README).`
  );
}
