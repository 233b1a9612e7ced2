/**
 * A dismissal as the results API stores it, so the team can turn it into an instruction for the next
 * reviews: the finding's identity, category and title, a path pattern around its file, and the person's
 * reason, never code (code removed from the reason and the title, secrets redacted, hidden text dropped).
 */
import {
  CATEGORIES,
  DISMISSAL_REASON_CHARS,
  LIMITS,
  SEVERITIES,
  stripCodeBlocks,
  truncate,
  type Category,
  type DismissalReport,
  type Severity,
} from '../../../shared/index.js';
import { redactSecrets } from '../input/secrets.js';
import { sanitizeUntrusted } from '../input/untrusted.js';

/** `src/api/users.ts` → `src/api/**\/*.ts`: the file's folder and kind, where the same call would recur. */
export function pathPatternFor(path: string): string {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  const under = dir === '' ? '**' : `${dir}/**`;
  return ext === '' ? under : `${under}/*${ext}`;
}

/**
 * What diffray's inline comment says of its finding: `**🟠 High** · correctness · **Title**` on its first
 * line (render.ts's `renderInlineComment`).
 */
export function findingOfComment(
  body: string,
): { severity?: Severity; category?: Category; title?: string } | undefined {
  const head = /^\*\*[^*\n]*?(\w+)\*\* · (\w+) · \*\*(.+)\*\*\s*$/m.exec(body);
  if (!head) return undefined;
  const severity = head[1]!.toLowerCase() as Severity;
  const category = head[2] as Category;
  return {
    ...(SEVERITIES.includes(severity) ? { severity } : {}),
    ...(CATEGORIES.includes(category) ? { category } : {}),
    title: head[3]!,
  };
}

/** Prose a person or the model wrote, as the API may keep it: no hidden text, secrets or code. */
function storable(text: string, max: number): string {
  return truncate(
    stripCodeBlocks(redactSecrets(sanitizeUntrusted(text)))
      .replace(/\s+/g, ' ')
      .trim(),
    max,
  );
}

/** The report of a dismissal; undefined when the finding's category cannot be told. */
export function toDismissalReport(input: {
  repository: string;
  pullRequest: number;
  fingerprint: string;
  path: string;
  /** diffray's inline comment that started the thread. */
  comment: string;
  reason: string;
  /** Who dismissed it: the login of the command's author. */
  by: string;
  /** The finding as the summary's state remembers it, when it does. */
  known?: { category: Category; severity: Severity; title: string };
}): DismissalReport | undefined {
  const parsed = findingOfComment(input.comment);
  const category = input.known?.category ?? parsed?.category;
  if (category === undefined) return undefined;
  const severity = input.known?.severity ?? parsed?.severity;
  return {
    repository: input.repository,
    pullRequest: input.pullRequest,
    fingerprint: input.fingerprint,
    category,
    ...(severity ? { severity } : {}),
    title: storable(parsed?.title ?? input.known?.title ?? '', LIMITS.findingTitleChars),
    pathPattern: pathPatternFor(input.path),
    reason: storable(input.reason, DISMISSAL_REASON_CHARS),
    ...(input.by ? { by: input.by } : {}),
  };
}
