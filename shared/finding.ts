import { z } from 'zod';
import { LIMITS } from './limits.js';
import { SEVERITIES } from './severity.js';

export const CATEGORIES = [
  'correctness',
  'security',
  'performance',
  'reliability',
  'maintainability',
  'testing',
  'documentation',
  'style',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * One finding as the model reports it through the forced `report_findings` tool call.
 * Lines are new-file (RIGHT side) line numbers; `startLine` (optional) begins a multi-line range.
 * `quote` is the exact text of the code line the finding is about, used to correct off-by-n lines.
 * `suggestion` replaces exactly lines startLine..line (or just `line`) when present.
 */
export const FindingSchema = z
  .object({
    path: z.string().min(1).max(LIMITS.pathChars),
    line: z.number().int().positive(),
    startLine: z.number().int().positive().optional(),
    severity: z.enum(SEVERITIES),
    category: z.enum(CATEGORIES),
    title: z.string().min(1).max(LIMITS.findingTitleChars),
    body: z.string().min(1).max(LIMITS.findingBodyChars),
    quote: z.string().max(2_000).optional(),
    suggestion: z.string().max(20_000).optional(),
    confidence: z.number().min(0).max(1),
  })
  .strict();
export type Finding = z.infer<typeof FindingSchema>;

/** The input schema of the model's forced tool call: a list of findings. */
export const FindingsToolInputSchema = z
  .object({
    findings: z.array(FindingSchema).max(200),
  })
  .strict();
export type FindingsToolInput = z.infer<typeof FindingsToolInputSchema>;
