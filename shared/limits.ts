/** Every size limit both halves agree on, in one place. Sources: GitHub REST docs, Anthropic docs. */
export const LIMITS = {
  /** GitHub: annotations per check-run update request. */
  annotationsPerRequest: 50,
  /** GitHub: check run output summary and text. */
  checkOutputChars: 65_535,
  /** GitHub: check run annotation title. */
  annotationTitleChars: 255,
  /** GitHub: issue/review comment body. */
  commentBodyChars: 65_536,
  /** Our caps on finding text, applied by the action and again by the API. */
  findingTitleChars: 200,
  findingBodyChars: 4_000,
  findingCategoryChars: 40,
  pathChars: 1_024,
  /** The walkthrough: an overview (2–3 sentences) per model request, one line per file, files per review. */
  walkthroughOverviewChars: 600,
  walkthroughSummaryChars: 200,
  walkthroughFiles: 1_000,
  /** Our caps on a report's own texts: the PR title, a dismissal's reason, why the run is not complete. */
  prTitleChars: 256,
  dismissReasonChars: 500,
  reasonChars: 1_000,
  /** Results API: findings per review and request body size. */
  findingsPerReview: 500,
  requestBodyBytes: 1_048_576,
  /** Results retention. */
  retentionDays: 30,
  deletedAccountGraceDays: 30,
  auditRetentionDays: 7,
} as const;

export const DAY_MS = 86_400_000;
