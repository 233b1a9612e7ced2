/**
 * Names other systems see: the check run, the action outputs and the hidden markers the action finds its
 * own comments by. Changing one breaks earlier runs' comments or users' workflows, so they live here.
 */
export const CHECK_NAME = 'diffray';

export const GITHUB_COM = 'https://github.com';

/** The GitHub server of the run (`GITHUB_SERVER_URL`: github.com, or a GitHub Enterprise Server). */
export function githubServerUrl(env: NodeJS.ProcessEnv): string {
  return env.GITHUB_SERVER_URL || GITHUB_COM;
}

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

/** In the summary comment while automatic reviews on pushes are paused (`@diffray pause`). */
export const PAUSED_MARKER = '<!-- diffray:paused -->';

/** In each answer diffray posts in a thread: answers are counted against the per-PR hourly limit. */
export const ANSWER_MARKER = '<!-- diffray:answer -->';

/** Version of the state stored in the summary comment; bump on an incompatible change. */
export const SUMMARY_STATE_VERSION = 1;

/** Fingerprints kept in the summary state: enough for any PR, small enough for the comment limit. */
export const MAX_STATE_FINGERPRINTS = 500;

/**
 * Replies in the threads of fixed findings per run. All of them go in one GraphQL mutation (one
 * content-creating request), but GitHub runs its fields one after another inside a request it ends after
 * 10 seconds, and a mutation cut short leaves an unknown part of it posted; each reply also notifies the
 * thread's participants. Ten keeps that request short and a fixing push quiet; fixed findings beyond the cap
 * are still counted in the summary, which says how many got no reply.
 */
export const MAX_FIXED_REPLIES = 10;

/**
 * Check annotations per run, most severe first, sent in batches of LIMITS.annotationsPerRequest (the first
 * with the completing update, the others as further updates, which GitHub appends). Two hundred is more
 * annotations than anyone works through on one PR's "Files changed" tab (ten times the default max-comments);
 * past it they only bury the severe ones, at one more sequential request per 50. Findings over the cap are
 * still listed in the check's text and the summary comment, and the check's summary says how many were
 * annotated.
 */
export const MAX_ANNOTATIONS = 200;

/** The tool as SARIF files name it (code scanning shows it with each result). */
export const SARIF_TOOL = { toolVersion: '0.1.0', informationUri: 'https://github.com/diffray/diffray' };
