import * as z from 'zod/mini';
import { CATEGORIES, positiveInt, text, type Category } from './finding.js';
import { LIMITS } from './limits.js';
import { githubLogin, RepositoryNameSchema } from './report.js';
import { SEVERITIES } from './severity.js';
import { truncate } from './text.js';

/** The longest dismissal reason stored (a person's words about a finding, not a document). */
export const DISMISSAL_REASON_CHARS = 500;

/**
 * The body of `POST /v1/dismissals`: a finding a person dismissed with `@diffray dismiss [reason]` (or an
 * answer agreed was wrong). What it teaches, never code: the finding's identity, category and title, a
 * path pattern around its file, the reason and who gave it. Both sides strip code from the title and the
 * reason.
 */
export const DismissalReportSchema = z.strictObject({
  repository: RepositoryNameSchema,
  pullRequest: positiveInt(),
  fingerprint: z.string().check(z.regex(/^[a-f0-9]{16,64}$/)),
  category: z.enum(CATEGORIES),
  severity: z.optional(z.enum(SEVERITIES)),
  title: text(0, LIMITS.findingTitleChars),
  pathPattern: text(1, 500),
  reason: text(0, DISMISSAL_REASON_CHARS),
  /** Who dismissed it: the command's author; absent from reports of older actions. */
  by: z.optional(githubLogin()),
});
export type DismissalReport = z.infer<typeof DismissalReportSchema>;

/**
 * The path instruction a dismissal becomes when an admin accepts it into the hosted config: the next
 * reviews of matching files are told not to raise such findings, with the team's reason.
 */
export function dismissalInstruction(d: {
  pathPattern: string;
  category: Category;
  title: string;
  reason: string;
}): { paths: string[]; text: string } {
  const what =
    d.title.trim() === '' ? `${d.category} findings` : `${d.category} findings like "${d.title.trim()}"`;
  const why = d.reason.trim() === '' ? '' : ` The team's reason: ${d.reason.trim()}`;
  return {
    paths: [d.pathPattern],
    text: truncate(`Do not report ${what}: the team dismissed one here as not applicable.${why}`, 4_000),
  };
}
