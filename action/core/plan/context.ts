import type { DiffFile, Hunk } from '../types.js';

/**
 * Lines read above and below a hunk that sits inside a block (a function, method, class body...),
 * beyond git's own 3, and never past that top-level block: the lines of the neighbouring declarations
 * say nothing about the change. Inside a small function this shows all of it; inside a huge one, the
 * frame stays this close to the change and the function is named by its enclosing lines (planContext).
 * On the benchmark's 1000-file PR, 6 lines around every hunk would be 249k tokens of context (30 % of the
 * prompt); cut at the block, with the smaller top-level frame below, it is 103k, and the function of each
 * change stays named.
 */
export const DEFAULT_CONTEXT_RADIUS = 6;
/**
 * Lines read around a change at the top level of a file (a new function, an import, a constant):
 * there is no enclosing function to show, only neighbours, so a few lines to place it are enough.
 */
export const TOP_LEVEL_CONTEXT_RADIUS = 3;
/** How far above a change its enclosing lines are looked for. */
export const SIGNATURE_SEARCH_LINES = 400;
/** However a caller asks, context stays a frame around the change, not a copy of the file. */
export const MAX_CONTEXT_RADIUS = 100;

export interface LineRange {
  start: number;
  end: number;
}

/** What to read from the head version of a file around its hunks. */
export interface ContextPlan {
  /** New-file line ranges framing the hunks (1-based, inclusive, merged, ascending), minus the hunks' own. */
  ranges: LineRange[];
  /**
   * The opening lines of the blocks a change sits in, outermost last (`class Cart {`, `  total() {`,
   * `    for (...) {`), where the frames do not show them: one line each, however far above.
   */
  enclosing: number[];
}

/** Files absent from the new revision (deleted), shown whole (added) or without hunks get no context. */
export function wantsContext(file: DiffFile): boolean {
  return file.status !== 'deleted' && file.status !== 'added' && file.hunks.length > 0;
}

/**
 * The lines of the head file (`lines`) to show around each hunk so the model sees the code the change
 * lives in, found by indentation, which works across languages without a parser:
 * - the enclosing lines: from the first changed line up, each nearest line indented less than the last
 *   (the statement, then the function, then the class...), like an editor's sticky scroll. A line that
 *   starts with a closing bracket (`): number {`, `} else {`) stands for the line that opened it.
 * - a frame of `radius` lines above and below the hunk, cut at the enclosing top-level block: not above
 *   its first line, not below its last (its closing bracket included).
 * - for a change at the top level itself (nothing encloses it), a frame of TOP_LEVEL_CONTEXT_RADIUS.
 * git's `@@ … @@ name` is not used to find the function: it is the nearest unindented line above the
 * hunk's first line, which is the previous function when the hunk starts at the signature of the one
 * changed. The listing still shows git's name when its line is not on screen (listing.ts).
 */
export function planContext(
  file: DiffFile,
  lines: readonly string[],
  radius = DEFAULT_CONTEXT_RADIUS,
): ContextPlan {
  if (!wantsContext(file)) return { ranges: [], enclosing: [] };
  const r = Math.max(0, Math.min(Math.floor(radius), MAX_CONTEXT_RADIUS));
  const top = Math.min(r, TOP_LEVEL_CONTEXT_RADIUS);
  const frames: LineRange[] = [];
  const enclosing = new Set<number>();
  for (const hunk of file.hunks) {
    const first = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    const last = first + hunk.newLines - 1;
    const change = changedSpan(hunk, first);
    const openers = enclosingLines(lines, change.first, change.indent);
    for (const n of openers) enclosing.add(n);
    const outer =
      openers.length > 0 && indentOf(lines[openers.at(-1)! - 1]!) === 0 ? openers.at(-1) : undefined;
    if (openers.length === 0) {
      frames.push({ start: first - top, end: last + top });
    } else {
      const end = outer === undefined ? last + r : blockEnd(lines, Math.max(change.last, outer), last + r);
      frames.push({ start: Math.max(first - r, outer ?? 1), end });
    }
  }
  const clipped = frames.map((f) => ({ start: Math.max(1, f.start), end: Math.min(lines.length, f.end) }));
  const shown = file.hunks
    .map((h) => ({ start: h.newStart, end: h.newStart + h.newLines - 1 }))
    .filter((s) => s.end >= s.start);
  const ranges = subtract(merge(clipped.filter((f) => f.end >= f.start)), merge(shown));
  const inside = (n: number) => [...ranges, ...shown].some((x) => n >= x.start && n <= x.end);
  return { ranges, enclosing: [...enclosing].filter((n) => !inside(n)).sort((a, b) => a - b) };
}

/** The new-file lines of a hunk's changes (a deletion sits at the line after it) and their least indent. */
function changedSpan(hunk: Hunk, first: number): { first: number; last: number; indent: number } {
  let previous = first - 1;
  let from: number | undefined;
  let to = first;
  let indent = Infinity;
  for (const line of hunk.lines) {
    if (line.kind === 'context') {
      previous = line.newLine ?? previous;
      continue;
    }
    const at = line.kind === 'add' ? line.newLine! : previous + 1;
    if (line.kind === 'add') previous = at;
    from ??= at;
    to = at;
    if (line.text.trim() !== '') indent = Math.min(indent, indentOf(line.text));
  }
  return { first: from ?? first, last: to, indent: indent === Infinity ? 0 : indent };
}

/** Lines above `from` that open the blocks around a change indented by `indent`, innermost first. */
function enclosingLines(lines: readonly string[], from: number, indent: number): number[] {
  const found: number[] = [];
  let level = indent;
  const stop = Math.max(1, from - SIGNATURE_SEARCH_LINES);
  for (let n = Math.min(from - 1, lines.length); n >= stop && level > 0; n--) {
    const text = lines[n - 1]!;
    if (text.trim() === '' || indentOf(text) >= level) continue;
    level = indentOf(text);
    const opener = closesBracket(text) ? openerOf(lines, n, level, stop) : n;
    found.push(opener);
    n = opener;
  }
  return found;
}

/** For a line like `): number {` or `} else {`, the nearest line above at its indent that opened it. */
function openerOf(lines: readonly string[], n: number, level: number, stop: number): number {
  for (let k = n - 1; k >= stop; k--) {
    const text = lines[k - 1]!;
    if (text.trim() !== '' && indentOf(text) <= level && !closesBracket(text)) return k;
  }
  return n;
}

/**
 * The last line of a top-level block that is still open at line `after`: the line before the next
 * unindented one, or that line itself when it closes the block (`}`, `};`, `end`). Looked for up to
 * `limit` only (the frame ends there anyway), so a file-long block costs no scan to its end per hunk.
 */
function blockEnd(lines: readonly string[], after: number, limit: number): number {
  for (let n = after + 1; n <= Math.min(limit, lines.length); n++) {
    const text = lines[n - 1]!;
    if (text.trim() === '' || indentOf(text) > 0) continue;
    return closesBracket(text) || /^end\b/.test(text) ? n : n - 1;
  }
  return limit;
}

function closesBracket(text: string): boolean {
  return /^\s*[)\]}]/.test(text);
}

/** Length of the leading run of spaces and tabs. */
function indentOf(text: string): number {
  let n = 0;
  while (n < text.length && (text.charCodeAt(n) === 32 || text.charCodeAt(n) === 9)) n++;
  return n;
}

/** Sorts and merges overlapping or adjacent ranges. */
function merge(ranges: LineRange[]): LineRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: LineRange[] = [];
  for (const range of sorted) {
    const last = out.at(-1);
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else out.push({ ...range });
  }
  return out;
}

/** `ranges` minus `holes`, both merged and ascending. */
function subtract(ranges: LineRange[], holes: LineRange[]): LineRange[] {
  const out: LineRange[] = [];
  for (const range of ranges) {
    let start = range.start;
    for (const hole of holes) {
      if (hole.end < start || hole.start > range.end) continue;
      if (hole.start > start) out.push({ start, end: hole.start - 1 });
      start = Math.max(start, hole.end + 1);
    }
    if (start <= range.end) out.push({ start, end: range.end });
  }
  return out;
}
