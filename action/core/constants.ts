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
