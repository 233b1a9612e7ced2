import {
  classifyFindings,
  fingerprintStillPresent,
  type LifecycleResult,
} from '../core/findings/lifecycle.js';
import type { SummaryState } from '../core/output/markers.js';
import type { ReviewThread } from '../ports.js';
import type { AnchoredFinding } from '../core/types.js';
import type { HeadReader } from './head-files.js';

/**
 * Classifies this run's findings against the last run's state and the PR's review threads: new, still
 * open, fixed (its code is gone from a file this run covered), dismissed (thread resolved, or a reply
 * `@diffray dismiss`).
 */
export async function trackLifecycle(input: {
  previous: SummaryState | undefined;
  anchored: AnchoredFinding[];
  headSha: string;
  reviewedPaths: ReadonlySet<string>;
  threads: ReviewThread[] | undefined;
  readHead: HeadReader;
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
  });
}
