import {
  classifyFindings,
  fingerprintStillPresent,
  type LifecycleResult,
} from '../core/findings/lifecycle.js';
import type { SummaryState } from '../core/output/markers.js';
import { threadsUnreadWarning } from '../core/output/phrases.js';
import type { GitHubPort, ReviewThread } from '../ports.js';
import type { AnchoredFinding } from '../core/types.js';
import type { HeadReader } from './head-files.js';
import type { Notes } from './run-context.js';

/** The PR's review threads, or why GitHub would not give them. */
export type ThreadsRead = { threads: ReviewThread[] } | { threads: undefined; unread: string };

/**
 * The PR's review threads (one GraphQL query). GitHub may refuse it (GraphQL disabled on a server, a token
 * without access): the run then goes on without thread state, warns once, and the summary says what was not
 * checked. It never fails the step for it: the review itself does not need the threads.
 */
export async function readReviewThreads(github: GitHubPort, pr: number, notes: Notes): Promise<ThreadsRead> {
  try {
    return { threads: await github.listReviewThreads(pr) };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
    notes.warnings.push(threadsUnreadWarning(reason));
    return { threads: undefined, unread: reason };
  }
}

/**
 * Classifies this run's findings against the last run's state and the PR's review threads: new, still
 * open, fixed (its code is gone from a file this run covered), dismissed (thread resolved, or a reply
 * `@diffray dismiss` by someone who may command diffray).
 */
export async function trackLifecycle(input: {
  previous: SummaryState | undefined;
  anchored: AnchoredFinding[];
  headSha: string;
  reviewedPaths: ReadonlySet<string>;
  threads: ReviewThread[] | undefined;
  readHead: HeadReader;
  /** `commands.allowed-associations`: who may dismiss in a thread. */
  allowedAssociations?: readonly string[] | undefined;
}): Promise<LifecycleResult<AnchoredFinding>> {
  const previous = input.previous?.lifecycle;
  const current = new Set(input.anchored.map((f) => f.fingerprint));
  const texts = new Map<string, string | undefined>();
  for (const open of previous?.open ?? []) {
    if (current.has(open.fingerprint) || !input.reviewedPaths.has(open.path) || texts.has(open.path))
      continue;
    try {
      texts.set(open.path, await input.readHead(open.path));
    } catch {
      // Unreadable is unknown, not gone: leaving the path out keeps its findings open.
    }
  }
  return classifyFindings({
    previous,
    current: input.anchored,
    headSha: input.headSha,
    reviewedPaths: input.reviewedPaths,
    codeStillPresent: (f) => (texts.has(f.path) ? fingerprintStillPresent(f, texts.get(f.path)) : undefined),
    ...(input.threads ? { threads: input.threads } : {}),
    ...(input.allowedAssociations ? { allowedAssociations: input.allowedAssociations } : {}),
  });
}
