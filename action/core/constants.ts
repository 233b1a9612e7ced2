/**
 * Names other systems see: the check run, the action outputs and the hidden markers the action finds its
 * own comments by. Changing one breaks earlier runs' comments or users' workflows, so they live here.
 */
export const CHECK_NAME = 'diffray';

/** Action outputs, as declared in action.yml. */
export const OUTPUTS = {
  findingsCount: 'findings-count',
  conclusion: 'conclusion',
  resultsUrl: 'results-url',
} as const;

/** Every hidden marker starts with this, inside an HTML comment. */
export const MARKER_PREFIX = 'diffray:';

/** Finds the one summary comment the action updates in place. */
export const SUMMARY_MARKER = '<!-- diffray:summary -->';

/** Version of the state stored in the summary comment; bump on an incompatible change. */
export const SUMMARY_STATE_VERSION = 1;

/** Fingerprints kept in the summary state: enough for any PR, small enough for the comment limit. */
export const MAX_STATE_FINGERPRINTS = 500;

/**
 * Replies in the threads of fixed findings per run. Each reply is a content-creating request on top of the
 * run's three (check, review, summary), and GitHub's secondary limits count those (80 a minute): a push that
 * fixes many findings at once must not turn one run into a burst. Ten keeps a run at ≤ 13 writes; fixed
 * findings beyond the cap are still counted in the summary, which says how many got no reply.
 */
export const MAX_FIXED_REPLIES = 10;
