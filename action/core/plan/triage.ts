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
  // Each hunk's deleted and added lines, split once for every comparison below.
  const sides = file.hunks.map(changedSides);
  if (INDENT_SENSITIVE.test(file.path)) {
    // Indentation is syntax here: only trailing whitespace can change without changing meaning.
    const same = sides.every((s) => sameModulo(s, (lines) => lines.map((l) => l.trimEnd()).join('\n')));
    return same ? { trivial: true, why: 'whitespace-only' } : { trivial: false };
  }
  // Most changes differ in a character no formatter touches, found without building normalized texts.
  if (!sides.every((s) => sameFormatterInvariant(s.deleted, s.added))) return { trivial: false };
  if (sides.every((s) => sameModulo(s, stripWhitespace))) return { trivial: true, why: 'whitespace-only' };
  if (sides.every((s) => sameModulo(s, formatterNormal))) return { trivial: true, why: 'formatting' };
  return { trivial: false };
}

interface Sides {
  deleted: string[];
  added: string[];
}

/** The texts of a hunk's deleted and added lines, in order. */
function changedSides(hunk: Hunk): Sides {
  const deleted: string[] = [];
  const added: string[] = [];
  for (const line of hunk.lines) {
    if (line.kind === 'del') deleted.push(line.text);
    else if (line.kind === 'add') added.push(line.text);
  }
  return { deleted, added };
}

/** Whether a hunk's deleted and added text are the same after `normal` (compared as one run each). */
function sameModulo({ deleted, added }: Sides, normal: (lines: string[]) => string): boolean {
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

/**
 * Whether two runs of lines agree on the characters that neither stripWhitespace nor formatterNormal
 * change: whitespace, commas and semicolons left out, `'` read as `"`. A necessary condition for either
 * comparison to find them the same, so a `false` settles both, with no strings built, usually within the
 * first few characters.
 */
export function sameFormatterInvariant(a: readonly string[], b: readonly string[]): boolean {
  const x = invariantChars(a);
  const y = invariantChars(b);
  for (;;) {
    const c = x();
    if (c !== y()) return false;
    if (c === -1) return true;
  }
}

/** Next character code of the lines (joined with nothing) that a formatter keeps, or -1 at the end. */
function invariantChars(lines: readonly string[]): () => number {
  let line = 0;
  let i = 0;
  return () => {
    for (; line < lines.length; line++, i = 0) {
      const text = lines[line]!;
      while (i < text.length) {
        const c = text.charCodeAt(i++);
        if (c === 0x2c || c === 0x3b || isSpace(c)) continue;
        return c === 0x27 ? 0x22 : c;
      }
    }
    return -1;
  };
}

const SPACE = /\s/;

/** Whether the UTF-16 code unit is one that `\s` matches. */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return SPACE.test(String.fromCharCode(c));
}
