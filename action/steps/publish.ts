import { SUMMARY_STATE_VERSION } from '../core/constants.js';
import {
  compactState,
  STATE_JSON_CHARS,
  type LifecycleState,
  type OpenFinding,
} from '../core/findings/lifecycle.js';
import { MAX_FIXED_REPLIES, MAX_STATE_FINGERPRINTS } from '../core/constants.js';
import { planPosting, toReviewComment } from '../core/findings/posting.js';
import { buildAnnotations, renderCheckOutput } from '../core/output/render-check.js';
import { fixedReply, renderInlineComment, renderReviewBody, renderSummary } from '../core/output/render.js';
import { fitReport, toReviewReport, type FittedReport } from '../core/output/report.js';
import { LIMITS } from '../../shared/index.js';
import type { ReviewThread, SummaryComment } from '../ports.js';
import type { AnchoredFinding, ReviewOutcome, UnanchoredFinding } from '../core/types.js';
import { deliver, type EngineDeps, type Notes, type ReviewSettings } from './run-context.js';

export interface Posted {
  posted: AnchoredFinding[];
  overflow: AnchoredFinding[];
  /** Unanchored findings plus anything GitHub refused. */
  unanchored: UnanchoredFinding[];
  alreadyPosted: number;
}

/** Plans and posts the one review of the run (new findings only); returns what actually landed. */
export async function postReview(
  deps: EngineDeps,
  settings: ReviewSettings,
  input: {
    anchored: AnchoredFinding[];
    unanchored: UnanchoredFinding[];
    known: Set<string>;
    maxComments: number;
  },
  notes: Notes,
): Promise<Posted> {
  const unanchored = [...input.unanchored];
  const plan = planPosting(input.anchored, { maxComments: input.maxComments, alreadyPosted: input.known });
  let posted = plan.posted;
  if (deps.github && posted.length > 0) {
    const render = { serverUrl: settings.serverUrl };
    const comments = posted.map((f) => ({
      fingerprint: f.fingerprint,
      comment: toReviewComment(f, renderInlineComment(f, render)),
    }));
    const body = renderReviewBody(posted.length);
    const result = await deliver(notes, () =>
      deps.github!.createReview(settings.pr.number, { commitId: settings.pr.headSha, body, comments }),
    );
    if (!result) {
      unanchored.push(...posted.map((f) => ({ ...f, reason: 'review-not-posted' as const })));
      posted = [];
    } else if (result.rejected.length > 0) {
      const reasons = new Map(result.rejected.map((r) => [r.fingerprint, r.reason]));
      unanchored.push(
        ...posted
          .filter((f) => reasons.has(f.fingerprint))
          .map((f) => ({ ...f, reason: reasons.get(f.fingerprint)! })),
      );
      posted = posted.filter((f) => !reasons.has(f.fingerprint));
      deps.log.warning(`GitHub rejected ${reasons.size} inline comment(s); they are listed in the summary`);
    }
    deps.log.info(`Review posted with ${posted.length} inline comments`);
  }
  return { posted, overflow: plan.overflow, unanchored, alreadyPosted: plan.alreadyPosted };
}

/**
 * A short reply in the thread of each fixed finding, at most MAX_FIXED_REPLIES, all in one request, which
 * also resolves the threads no person has replied in (`resolve`, the config's `resolve-fixed-threads`): a
 * thread where someone wrote is a conversation, and closing it is theirs to do. Threads GitHub refuses
 * (deleted or locked since they were listed) are a warning: the fix is in the summary anyway.
 */
export async function replyToFixed(
  deps: EngineDeps,
  settings: ReviewSettings,
  fixed: OpenFinding[],
  threads: ReviewThread[] | undefined,
  notes: Notes,
  resolve = true,
): Promise<{ posted: number; capped: number }> {
  if (!deps.github || fixed.length === 0 || threads === undefined) return { posted: 0, capped: 0 };
  const github = deps.github;
  const byFingerprint = new Map(threads.filter((t) => !t.resolved).map((t) => [t.fingerprint, t]));
  const targets = fixed.flatMap((f) => byFingerprint.get(f.fingerprint) ?? []);
  const capped = Math.max(0, targets.length - MAX_FIXED_REPLIES);
  const threadIds = targets.slice(0, MAX_FIXED_REPLIES).map((t) => t.threadId);
  if (threadIds.length === 0) return { posted: 0, capped };
  const resolveIds = resolve
    ? targets
        .slice(0, MAX_FIXED_REPLIES)
        .filter((t) => t.replies.length === 0)
        .map((t) => t.threadId)
    : [];
  const result = await deliver(notes, () =>
    resolveIds.length > 0
      ? github.replyInThreads(threadIds, fixedReply(settings.pr.headSha), resolveIds)
      : github.replyInThreads(threadIds, fixedReply(settings.pr.headSha)),
  );
  const posted = result?.replied.length ?? 0;
  if (result?.resolved?.length) deps.log.info(`Resolved ${result.resolved.length} fixed finding thread(s)`);
  if (result?.failed[0])
    notes.warnings.push(
      `GitHub refused the "fixed" reply in ${result.failed.length} of ${threadIds.length} review thread(s): ${result.failed[0].reason}`,
    );
  if (posted > 0)
    deps.log.info(`Replied in ${posted} fixed finding thread(s)${capped ? `, ${capped} over the cap` : ''}`);
  return { posted, capped };
}

/** The findings-only report to the results API; `code` is every line the run read, kept out of its prose. */
export async function sendReport(
  deps: EngineDeps,
  settings: ReviewSettings,
  mergeBase: string,
  outcome: ReviewOutcome,
  notes: Notes,
  code: Iterable<string>,
): Promise<string | undefined> {
  if (!deps.resultsApi || settings.pr.number <= 0) return undefined;
  const fitted = fitReport(
    toReviewReport(
      outcome,
      {
        repository: settings.repository,
        pullRequest: settings.pr.number,
        headSha: settings.pr.headSha,
        baseSha: mergeBase,
        title: settings.pr.title,
        ...(settings.pr.branch ? { branch: settings.pr.branch } : {}),
        ...(settings.pr.author ? { author: settings.pr.author } : {}),
        ...(settings.event ? { event: settings.event } : {}),
      },
      code,
    ),
  );
  const carried = outcome.carried;
  const reported = new Set(
    [
      ...outcome.posted,
      ...outcome.overflow,
      ...outcome.unanchored,
      ...(carried ? [...carried.stillOpen, ...carried.fixed, ...carried.dismissed] : []),
    ].map((f) => f.fingerprint),
  );
  const cut = describeCuts(fitted, reported.size - fitted.report.findings.length);
  if (cut) notes.warnings.push(cut);
  const sent = await deps.resultsApi.sendReport(fitted.report);
  if ('warning' in sent) {
    notes.warnings.push(sent.warning);
    return undefined;
  }
  return sent.url;
}

/** What fitting the report to the API's limits cut, for the run's warnings; undefined when nothing was. */
function describeCuts(fitted: FittedReport, left: number): string | undefined {
  const cuts = [
    ...(fitted.shortened
      ? [`${fitted.shortened.findings} finding bodies were shortened to ${fitted.shortened.chars} characters`]
      : []),
    ...(left > 0 ? [`${left} least severe findings were left out`] : []),
  ];
  if (cuts.length === 0) return undefined;
  return (
    `diffray results API: the report had to fit the API's limits (${LIMITS.findingsPerReview} findings, ` +
    `${LIMITS.requestBodyBytes / 1_048_576} MiB): ${cuts.join(', and ')} (only the stored report is cut)`
  );
}

/** The summary comment (updated in place, carrying the state for the next run) and the completed check. */
export async function publish(
  deps: EngineDeps,
  settings: ReviewSettings,
  outcome: ReviewOutcome,
  ctx: {
    checkId: number | undefined;
    mergeBase: string;
    resultsUrl: string | undefined;
    /** The PR's summary comment as the run found it before reviewing: the one to update. */
    summaryComment: SummaryComment | undefined;
    /** Automatic reviews are paused: the summary keeps the marker and the notice. */
    paused?: boolean;
    lifecycle: LifecycleState;
    /** Every anchored finding of the run (already posted ones too): this run's check gets all of them. */
    anchored: AnchoredFinding[];
    notes: Notes;
  },
): Promise<void> {
  const github = deps.github;
  if (!github) return;
  const render = { serverUrl: settings.serverUrl };
  const tracked = new Set(ctx.lifecycle.open.map((f) => f.fingerprint));
  const untracked = [
    ...new Set(
      [...outcome.posted, ...outcome.overflow, ...outcome.unanchored]
        .map((f) => f.fingerprint)
        .filter((fp) => !tracked.has(fp)),
    ),
  ].slice(0, MAX_STATE_FINGERPRINTS);
  const lifecycle = compactState(ctx.lifecycle, {
    maxChars: STATE_JSON_CHARS - JSON.stringify(untracked).length,
    maxEntries: MAX_STATE_FINGERPRINTS,
  });
  const summary = renderSummary(outcome, {
    ...render,
    ...(ctx.resultsUrl ? { resultsUrl: ctx.resultsUrl } : {}),
    ...(ctx.paused ? { paused: true } : {}),
    state: {
      version: SUMMARY_STATE_VERSION,
      headSha: settings.pr.headSha,
      baseSha: ctx.mergeBase,
      fingerprints: untracked,
      lifecycle,
    },
  });
  await deliver(ctx.notes, () =>
    github.upsertSummaryComment(settings.pr.number, summary, ctx.summaryComment),
  );
  if (ctx.checkId !== undefined) {
    const checkId = ctx.checkId;
    const annotations = buildAnnotations(ctx.anchored);
    const annotated = { count: annotations.length, of: ctx.anchored.length };
    await deliver(ctx.notes, () =>
      github.completeCheckRun(checkId, {
        conclusion: outcome.conclusion,
        output: renderCheckOutput(outcome, render, annotated),
        annotations,
      }),
    );
  }
}
