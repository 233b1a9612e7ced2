import type * as z from 'zod/mini';

/**
 * The words of a config problem: what the key expects and what the file has. They come from this error
 * map, passed to each parse, not from zod's locale: zod/mini registers no locale (the action bundle and
 * the CLI would say only "Invalid input") and a global one would be set at import time.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  const found = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `missing: expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`
        : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, found ${found}`;
    case 'invalid_value': {
      const values = issue.values.map(String);
      const guess = typeof issue.input === 'string' ? nearest(issue.input, values) : undefined;
      return `expected one of ${values.join(', ')}, found ${found}${guess ? ` (did you mean ${guess}?)` : ''}`;
    }
    case 'too_small':
      return `expected ${bound(issue.origin, issue.inclusive === false ? 'more than' : 'at least', issue.minimum)}, found ${sizeOf(issue.input)}`;
    case 'too_big':
      return `expected ${bound(issue.origin, issue.inclusive === false ? 'less than' : 'at most', issue.maximum)}, found ${sizeOf(issue.input)}`;
    case 'invalid_format':
      return `expected text matching ${issue.pattern ?? issue.format}, found ${found}`;
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, found ${found}`;
    default:
      // Unknown keys are worded per key by the parser; the config schema has no unions, maps or sets.
      return undefined;
  }
};

/** A check's message in the same words: `expected <what>, found <the value>`. */
export const expected =
  (what: string): z.core.$ZodErrorMap =>
  (issue) =>
    `expected ${what}, found ${describeValue(issue.input)}`;

const TYPE_NAMES: Partial<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value lines)',
};

/** Longer text is shown by its length: a config line is read at a glance, a 4,000-character value is not. */
const MAX_SHOWN_CHARS = 40;

/** A YAML value as the user wrote it: text quoted, `key:` with nothing after it named as empty. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    return value.length > MAX_SHOWN_CHARS ? `text of ${value.length} characters` : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `a list of ${plural(value.length, 'item')}`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** For a size bound: the length of text and lists, the value of numbers. */
function sizeOf(value: unknown): string {
  if (typeof value === 'string') return plural(value.length, 'character');
  if (Array.isArray(value)) return plural(value.length, 'item');
  return describeValue(value);
}

function bound(origin: string, relation: string, limit: number | bigint): string {
  if (origin === 'string') return `${relation} ${plural(Number(limit), 'character')}`;
  if (origin === 'array') return `${relation} ${plural(Number(limit), 'item')}`;
  return `${relation} ${limit}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The candidate `word` was most likely meant to be: at most two edits away (a transposition is one edit),
 * and fewer than half its letters, so a short word does not get an unrelated suggestion. Case and `_`
 * versus `-` do not count as edits. Undefined when nothing is that close.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll('_', '-');
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(norm(word), norm(candidate));
    if (distance > 2 || distance * 2 >= Math.max(word.length, candidate.length)) continue;
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
