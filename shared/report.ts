import { z } from 'zod';
import { CATEGORIES } from './finding.js';
import { LIMITS } from './limits.js';
import { SEVERITIES } from './severity.js';

const count = z.number().int().min(0);

export const REVIEW_STATUSES = ['completed', 'partial', 'failed', 'skipped'] as const;
export const CONCLUSIONS = ['success', 'failure', 'neutral'] as const;
export type Conclusion = (typeof CONCLUSIONS)[number];

/**
 * A finding as sent to the results API: metadata and prose only. Never code: the action strips fenced
 * code and suggestions before sending, and the API strips them again.
 */
export const ReportedFindingSchema = z
  .object({
    path: z.string().min(1).max(LIMITS.pathChars),
    startLine: z.number().int().positive().optional(),
    line: z.number().int().positive(),
    severity: z.enum(SEVERITIES),
    category: z.enum(CATEGORIES),
    title: z.string().min(1).max(LIMITS.findingTitleChars),
    body: z.string().max(LIMITS.findingBodyChars),
    fingerprint: z.string().regex(/^[a-f0-9]{16,64}$/),
  })
  .strict();
export type ReportedFinding = z.infer<typeof ReportedFindingSchema>;

/** The body of `POST /v1/reviews`: one action run's outcome. */
export const ReviewReportSchema = z
  .object({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/)
      .max(200),
    pullRequest: z.number().int().positive(),
    headSha: z.string().regex(/^[a-f0-9]{40,64}$/),
    baseSha: z.string().regex(/^[a-f0-9]{40,64}$/),
    status: z.enum(REVIEW_STATUSES),
    conclusion: z.enum(CONCLUSIONS),
    model: z.string().min(1).max(100),
    tokens: z.object({ input: count, cacheWrite: count, cacheRead: count, output: count }).strict(),
    costUsd: z.number().min(0).max(10_000),
    durationMs: count,
    coverage: z
      .object({
        filesReviewed: count,
        filesSkipped: count,
        linesReviewed: count,
        linesChanged: count,
      })
      .strict(),
    findings: z.array(ReportedFindingSchema).max(LIMITS.findingsPerReview),
  })
  .strict();
export type ReviewReport = z.infer<typeof ReviewReportSchema>;

/** The answer to `POST /v1/reviews`. */
export const ReviewCreatedSchema = z.object({ id: z.string(), url: z.string().url() });
export type ReviewCreated = z.infer<typeof ReviewCreatedSchema>;
