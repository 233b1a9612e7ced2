/**
 * Commands that change what the summary comment remembers, effective at once: pause and resume (its
 * paused marker and notice), dismiss and undismiss (the lifecycle state the next run reads). The summary
 * is the one place a PR's state lives, so no other store can disagree with it.
 */
import { dismissInState, undismissInState } from '../core/findings/lifecycle.js';
import { parseSummaryState, replaceSummaryState } from '../core/output/markers.js';
import { pausedSummary, withPausedNotice } from '../core/output/replies.js';
import type { ExistingMarkers, GitHubPort } from '../ports.js';

/** Pauses or resumes automatic reviews; false when the PR already was in that state. */
export async function setPaused(
  github: GitHubPort,
  pr: number,
  existing: ExistingMarkers,
  paused: boolean,
): Promise<boolean> {
  if ((existing.paused === true) === paused) return false;
  const body = existing.summary?.body;
  const next = body === undefined ? pausedSummary() : withPausedNotice(body, paused);
  await github.upsertSummaryComment(pr, next, existing.summary);
  return true;
}

/**
 * Dismisses (or undismisses) a finding in the summary's state. Returns whether the state held it as
 * dismissed before; a summary without a state is left alone (the next run reads the thread's command).
 */
export async function setDismissed(
  github: GitHubPort,
  pr: number,
  existing: ExistingMarkers,
  fingerprint: string,
  dismissed: boolean,
): Promise<{ wasDismissed: boolean }> {
  const body = existing.summary?.body;
  const state = body === undefined ? undefined : parseSummaryState(body);
  const lifecycle = state?.lifecycle ?? { open: [], dismissed: [] };
  const wasDismissed = lifecycle.dismissed.includes(fingerprint);
  if (state === undefined || body === undefined || wasDismissed === dismissed) return { wasDismissed };
  const next = dismissed ? dismissInState(lifecycle, fingerprint) : undismissInState(lifecycle, fingerprint);
  const updated = replaceSummaryState(body, { ...state, lifecycle: next });
  if (updated !== undefined) await github.upsertSummaryComment(pr, updated, existing.summary);
  return { wasDismissed };
}
