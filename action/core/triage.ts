import type { DiffFile, Hunk } from '../types.js';

export type TrivialKind = 'docs-only' | 'rename-only' | 'whitespace-only' | 'formatting';

export interface Triage {
  trivial: boolean;
  why?: TrivialKind;
}

/**
 * Model routing. Trivial files go to a cheap model; everything else to the configured one. After
 * `overloadedBeforeFallback` requests in a row fail with 529 (each already retried by the SDK), the
 * remaining requests go to `fallback[configured family]`, a model served from separate capacity, and
 * the summary names the model that finished the job. A fallback is never more expensive than the
 * configured model, so the budget holds.
 */
export const MODEL_ROUTES = {
  triage: 'claude-haiku-4-5',
  fallback: {
    opus: 'claude-sonnet-4-5',
    sonnet: 'claude-haiku-4-5',
    haiku: undefined,
  },
  overloadedBeforeFallback: 2,
} as const satisfies {
  triage: string;
  fallback: Record<'opus' | 'sonnet' | 'haiku', string | undefined>;
  overloadedBeforeFallback: number;
};

/** The model that takes over when `model` stays overloaded; undefined when there is nothing cheaper to try. */
export function fallbackModel(model: string): string | undefined {
  const family = /(opus|sonnet|haiku)/i.exec(model)?.[1]?.toLowerCase() as
    keyof typeof MODEL_ROUTES.fallback | undefined;
  const fallback = family === undefined ? MODEL_ROUTES.fallback.sonnet : MODEL_ROUTES.fallback[family];
  return fallback === model ? undefined : fallback;
}

/** True when a failed request's error (status + request id, as the model port reports it) was a 529. */
export function isOverloadedError(error: string): boolean {
  return /\b529\b|overloaded/i.test(error);
}

/** Languages where leading whitespace is syntax, so re-indenting is a real change. */
const INDENT_SENSITIVE =
  /\.(py|pyi|ya?ml|coffee|pug|jade|haml|slim|sass|styl|nim|fs|fsx)$|(?:^|\/)(Makefile|[^/]*\.mk)$/i;

const DOC_FILE =
  /\.(md|mdx|markdown|rst|adoc|txt)$|(?:^|\/)(LICENSE|AUTHORS|CHANGELOG|NOTICE)(?:\.[a-z]+)?$/i;

/**
 * Decides whether a file's change is trivial enough for the cheap model (or none): prose documents,
 * pure renames, whitespace and formatter changes. Anything that could change behaviour is not trivial;
 * when in doubt the answer is no, because a missed bug costs more than a better model's tokens.
 */
export function classifyTrivial(file: DiffFile): Triage {
  if ((file.status === 'renamed' || file.status === 'copied') && file.hunks.length === 0)
    return { trivial: true, why: 'rename-only' };
  if (file.status === 'mode-changed') return { trivial: true, why: 'rename-only' };
  if (file.binary || file.submodule || file.hunks.length === 0) return { trivial: false };
  if (DOC_FILE.test(file.path)) return { trivial: true, why: 'docs-only' };
  if (INDENT_SENSITIVE.test(file.path)) {
    // Indentation is syntax here: only trailing whitespace can change without changing meaning.
    const same = file.hunks.every((h) => sameModulo(h, (lines) => lines.map((l) => l.trimEnd()).join('\n')));
    return same ? { trivial: true, why: 'whitespace-only' } : { trivial: false };
  }
  if (file.hunks.every((h) => sameModulo(h, stripWhitespace)))
    return { trivial: true, why: 'whitespace-only' };
  if (file.hunks.every((h) => sameModulo(h, formatterNormal))) return { trivial: true, why: 'formatting' };
  return { trivial: false };
}

/** Whether the hunk's deleted and added text are the same after `normal` (compared as one run each). */
function sameModulo(hunk: Hunk, normal: (lines: string[]) => string): boolean {
  const deleted = hunk.lines.filter((l) => l.kind === 'del').map((l) => l.text);
  const added = hunk.lines.filter((l) => l.kind === 'add').map((l) => l.text);
  if (deleted.length === 0 && added.length === 0) return true;
  return normal(deleted) === normal(added);
}

function stripWhitespace(lines: string[]): string {
  return lines.join('').replace(/\s+/g, '');
}

/**
 * What a code formatter may change without changing meaning: line wrapping, single versus double
 * quotes (not backticks: a template literal interpolates), trailing commas, and semicolons at line ends. Only those: a comma between arguments or a semicolon inside a line
 * is kept, so `f(a, b)` → `f(ab)` is not "formatting".
 */
function formatterNormal(lines: string[]): string {
  return lines
    .map((l) => l.trim().replace(/;$/, ''))
    .join('')
    .replace(/\s+/g, '')
    .replace(/'/g, '"')
    .replace(/,(?=[)\]}>]|$)/g, '');
}
