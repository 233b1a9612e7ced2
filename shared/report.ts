import * as z from 'zod/mini';
import { CATEGORIES, FileSummarySchema, positiveInt, text } from './finding.js';
import { LIMITS } from './limits.js';
import { SEVERITIES } from './severity.js';

const count = () => z.number().check(z.int(), z.gte(0));

export const REVIEW_STATUSES = ['completed', 'partial', 'failed', 'skipped'] as const;
export const CONCLUSIONS = ['success', 'failure', 'neutral'] as const;
export type Conclusion = (typeof CONCLUSIONS)[number];

/**
 * A finding's state at the reviewed head: raised for the first time by this run, raised earlier and still
 * open, fixed by this run (its code is gone), or dismissed by a person. The first two are what is open.
 */
export const FINDING_STATES = ['new', 'open', 'fixed', 'dismissed'] as const;
export type FindingState = (typeof FINDING_STATES)[number];

/**
 * What started the run: a push to the PR (opened, synchronized, reopened), a command (a comment asking
 * for a review), a re-run of the workflow, or another pull-request activity (edited, ready for review...).
 */
export const REVIEW_EVENTS = ['push', 'command', 're-run', 'other'] as const;
export type ReviewEvent = (typeof REVIEW_EVENTS)[number];

/** GitHub logins: at most 39 characters (bots' `[bot]` suffix included here). */
export const githubLogin = () => text(1, 45);

/** A run's or an answer's tokens, as the model's usage counts them. */
const TokensSchema = z.strictObject({
  input: count(),
  cacheWrite: count(),
  cacheRead: count(),
  output: count(),
});
const costUsd = () => z.number().check(z.gte(0), z.lte(10_000));

/*
 * GitHub's own naming rules, so that no name GitHub could not have (`../..`, `./.`) is ever stored: such a
 * name could not be filtered on or disconnected afterwards.
 * - Owner (user or organization): 1–39 characters, ASCII letters, digits and single hyphens, neither first
 *   nor last. A managed user (Enterprise Managed Users) ends in `_` and the enterprise's 3–8 character
 *   alphanumeric shortcode, within the same 39.
 * - Repository: 1–100 of ASCII letters, digits, `.`, `-`, `_`; `.` and `..` are reserved; GitHub strips a
 *   trailing `.git` and refuses a trailing `.wiki`, so no repository name ends with either.
 */
const OWNER = '[A-Za-z0-9](?:-?[A-Za-z0-9])*(?:_[A-Za-z0-9]{3,8})?';
const NAME = String.raw`(?!\.\.?$)(?!.*\.(?:git|wiki)$)[A-Za-z0-9._-]{1,100}`;

/** A repository's owner alone, as in a URL path `/:owner/:name`. */
export const RepositoryOwnerSchema = z.string().check(z.regex(new RegExp(`^(?=.{1,39}$)${OWNER}$`)));
/** A repository's name without its owner, as in a URL path `/:owner/:name`. */
export const RepositoryShortNameSchema = z.string().check(z.regex(new RegExp(`^${NAME}$`)));
/** `owner/name`, as GitHub spells repository names. */
export const RepositoryNameSchema = z
  .string()
  .check(z.regex(new RegExp(`^(?=[^/]{1,39}/)${OWNER}/${NAME}$`)), z.maxLength(140));

/**
 * A finding as sent to the results API: metadata and prose only. Never code: the action strips fenced
 * code and suggestions before sending, and the API strips them again.
 */
export const ReportedFindingSchema = z.strictObject({
  path: text(1, LIMITS.pathChars),
  startLine: z.optional(positiveInt()),
  line: positiveInt(),
  severity: z.enum(SEVERITIES),
  category: z.enum(CATEGORIES),
  title: text(1, LIMITS.findingTitleChars),
  body: text(0, LIMITS.findingBodyChars),
  fingerprint: z.string().check(z.regex(/^[a-f0-9]{16,64}$/)),
  /** Absent from reports of older actions: every finding was then new in its run. */
  state: z.optional(z.enum(FINDING_STATES)),
  /** The head commit of the run that first raised it (7 to 64 hex digits). */
  firstSeen: z.optional(z.string().check(z.regex(/^[a-f0-9]{7,64}$/))),
  /** Who dismissed it and why, when the state is `dismissed` and GitHub said. */
  dismissal: z.optional(
    z.strictObject({
      by: z.optional(githubLogin()),
      reason: z.optional(text(0, LIMITS.dismissReasonChars)),
    }),
  ),
});
export type ReportedFinding = z.infer<typeof ReportedFindingSchema>;

const sha = () => z.string().check(z.regex(/^[a-f0-9]{40,64}$/));

/** The body of `POST /v1/reviews`: one action run's outcome. */
export const ReviewReportSchema = z.strictObject({
  repository: RepositoryNameSchema,
  pullRequest: positiveInt(),
  headSha: sha(),
  baseSha: sha(),
  status: z.enum(REVIEW_STATUSES),
  conclusion: z.enum(CONCLUSIONS),
  model: text(1, 100),
  tokens: TokensSchema,
  costUsd: costUsd(),
  durationMs: count(),
  coverage: z.strictObject({
    filesReviewed: count(),
    filesSkipped: count(),
    linesReviewed: count(),
    linesChanged: count(),
  }),
  findings: z.array(ReportedFindingSchema).check(z.maxLength(LIMITS.findingsPerReview)),
  /**
   * What the PR changes, as the model summed it up in the review requests: prose only, like finding bodies
   * (code stripped by the action and again by the API). One overview per request, in file order.
   */
  walkthrough: z.optional(
    z.strictObject({
      overview: z.array(text(1, LIMITS.walkthroughOverviewChars)).check(z.maxLength(LIMITS.walkthroughFiles)),
      files: z.array(FileSummarySchema).check(z.maxLength(LIMITS.walkthroughFiles)),
    }),
  ),
  /** The pull request as its people know it (never code); absent from reports of older actions. */
  title: z.optional(text(0, LIMITS.prTitleChars)),
  branch: z.optional(text(0, 255)),
  author: z.optional(githubLogin()),
  event: z.optional(z.enum(REVIEW_EVENTS)),
  /** Why the run concluded as it did, as the check said (open findings at fail-on, failed requests, budget...). */
  reason: z.optional(text(0, LIMITS.reasonChars)),
});
export type ReviewReport = z.infer<typeof ReviewReportSchema>;

/**
 * The body of `POST /v1/answers`: what answering one question in a diffray thread cost, counted in the
 * account's costs beside the reviews'. Metadata only: neither the question nor the answer.
 */
export const AnswerReportSchema = z.strictObject({
  repository: RepositoryNameSchema,
  pullRequest: positiveInt(),
  model: text(1, 100),
  tokens: TokensSchema,
  costUsd: costUsd(),
});
export type AnswerReport = z.infer<typeof AnswerReportSchema>;

/** The answer to `POST /v1/reviews`. */
export const ReviewCreatedSchema = z.object({ id: z.string(), url: z.string() });
export type ReviewCreated = z.infer<typeof ReviewCreatedSchema>;
