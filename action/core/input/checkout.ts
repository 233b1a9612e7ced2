/** The commit in the working tree, and the parents its object names (present or not: a checkout is shallow). */
export interface CheckedOutCommit {
  sha: string;
  parents: readonly string[];
}

/** Which of the PR's commits a privileged job has checked out: its head, or a merge of its head. */
export interface PrivilegedCheckout {
  commit: 'head' | 'merge';
  sha: string;
}

/**
 * A `pull_request_target` job holds the base repository's secrets and a write token, and its default
 * checkout is the event's commit (`GITHUB_SHA`: the base branch), never the PR's code. A workflow that
 * checks out the PR's head, or its merge commit (`refs/pull/N/merge`, whose parents include the head), puts
 * untrusted code in that job. diffray only reads it, as data; any later step that builds, installs or runs
 * it runs it with those secrets. Returns what was checked out in that case (the warning's facts), or
 * undefined.
 */
export function privilegedCheckout(input: {
  event: 'pull_request' | 'pull_request_target';
  /** `GITHUB_SHA`. */
  eventSha: string | undefined;
  prHead: string;
  checkedOut: CheckedOutCommit | undefined;
}): PrivilegedCheckout | undefined {
  const { event, eventSha, prHead, checkedOut } = input;
  if (event !== 'pull_request_target' || checkedOut === undefined || checkedOut.sha === eventSha) {
    return undefined;
  }
  if (checkedOut.sha === prHead) return { commit: 'head', sha: checkedOut.sha };
  if (checkedOut.parents.includes(prHead)) return { commit: 'merge', sha: checkedOut.sha };
  return undefined;
}
