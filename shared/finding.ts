import * as z from 'zod/mini';
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

/** A bounded string: the shared schemas use zod/mini so the action bundle stays small. */
export const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
export const positiveInt = () => z.number().check(z.int(), z.positive());

/** Caps of the optional code fields of a finding, and of the findings one model answer may hold. */
export const QUOTE_CHARS = 2_000;
export const SUGGESTION_CHARS = 20_000;
export const FINDINGS_PER_ANSWER = 200;

/**
 * One finding as the model reports it through the forced `report_findings` tool call.
 * Lines are new-file (RIGHT side) line numbers; `startLine` (optional) begins a multi-line range.
 * `quote` is the exact text of the code line the finding is about, used to correct off-by-n lines.
 * `suggestion` replaces exactly lines startLine..line (or just `line`) when present.
 * `rule` names the team rule (its id) or guideline file (its path) a finding relies on, and `ruleQuote` is the
 * sentence of it the finding applies, copied verbatim: a rule finding whose quote is not in that text is
 * dropped before validation (action/core/findings/filters.ts).
 */
export const FindingSchema = z.strictObject({
  path: text(1, LIMITS.pathChars),
  line: positiveInt(),
  startLine: z.optional(positiveInt()),
  severity: z.enum(SEVERITIES),
  category: z.enum(CATEGORIES),
  title: text(1, LIMITS.findingTitleChars),
  body: text(1, LIMITS.findingBodyChars),
  quote: z.optional(text(0, QUOTE_CHARS)),
  suggestion: z.optional(text(0, SUGGESTION_CHARS)),
  confidence: z.number().check(z.gte(0), z.lte(1)),
  rule: z.optional(text(1, 300)),
  ruleQuote: z.optional(text(0, 1_000)),
});
export type Finding = z.infer<typeof FindingSchema>;

/** One line on what the pull request changes in one file, for the walkthrough. */
export const FileSummarySchema = z.strictObject({
  path: text(1, LIMITS.pathChars),
  summary: text(1, LIMITS.walkthroughSummaryChars),
});
export type FileSummary = z.infer<typeof FileSummarySchema>;

/**
 * The input schema of the model's forced tool call: a list of findings and, when the walkthrough is on, what
 * the part of the PR it was sent changes (an overview and one line per file), in the same answer.
 */
export const FindingsToolInputSchema = z.strictObject({
  findings: z.array(FindingSchema).check(z.maxLength(FINDINGS_PER_ANSWER)),
  walkthrough: z.optional(
    z.strictObject({
      overview: text(1, LIMITS.walkthroughOverviewChars),
      files: z.array(FileSummarySchema).check(z.maxLength(LIMITS.walkthroughFiles)),
    }),
  ),
});
export type FindingsToolInput = z.infer<typeof FindingsToolInputSchema>;
