import type { DiffFile } from '../types.js';

/**
 * Lines read above and below each hunk, beyond git's own 3. Small on purpose: the model needs the
 * statements around a change, and the enclosing function is named by the hunk's `@@ … @@ funcname`
 * header and shown by its signature line (signatureLines). At 20 lines, context was over half of
 * every request on a typical PR; at 6 it is about a fifth.
 */
export const DEFAULT_CONTEXT_RADIUS = 6;
/** How far above a hunk's frame the enclosing function's signature line is looked for. */
export const SIGNATURE_SEARCH_LINES = 400;
/** However a caller asks, context stays a frame around the change, not a copy of the file. */
export const MAX_CONTEXT_RADIUS = 100;

export interface LineRange {
  start: number;
  end: number;
}

/**
 * New-file line ranges (1-based, inclusive, merged, ascending) to read from the checkout around the
 * hunks so the model sees the surrounding code. Lines the hunks already show are left out. Files absent
 * from the new revision (deleted), shown whole (added) or without hunks (binary, pure rename) get none. Ranges may
 * run past the end of the file; the reader stops there.
 */
export function contextRanges(file: DiffFile, radius = DEFAULT_CONTEXT_RADIUS): LineRange[] {
  if (file.status === 'deleted' || file.status === 'added' || file.hunks.length === 0) return [];
  const r = Math.max(0, Math.min(Math.floor(radius), MAX_CONTEXT_RADIUS));
  if (r === 0) return [];
  const shown = file.hunks.map((h) => ({ start: h.newStart, end: h.newStart + h.newLines - 1 }));
  // A hunk with no new lines (pure deletion) sits after line newStart: its frame starts below it.
  const frames = file.hunks.map((h) => {
    const first = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    return { start: Math.max(1, first - r), end: first + h.newLines - 1 + r };
  });
  return subtract(merge(frames), merge(shown.filter((s) => s.end >= s.start)));
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

/**
 * The enclosing function's signature line of each hunk, when it lies above the hunk's context frame:
 * git names it in the hunk header (`@@ -1,2 +1,3 @@ export function total(items) {`, cut at 80
 * characters); this finds that line in the head file (nearest first, at most SIGNATURE_SEARCH_LINES above
 * the frame) so the model sees it with its line number. One line per hunk at most; lines inside a frame
 * are already shown and are left out.
 */
export function signatureLines(file: DiffFile, lines: string[], radius = DEFAULT_CONTEXT_RADIUS): number[] {
  if (file.status === 'deleted' || file.status === 'added') return [];
  const r = Math.max(0, Math.min(Math.floor(radius), MAX_CONTEXT_RADIUS));
  const found = new Set<number>();
  for (const hunk of file.hunks) {
    const name = hunk.header.trim();
    if (name === '') continue;
    const first = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    const top = Math.min(first - r - 1, lines.length);
    for (let n = top; n >= 1 && n >= top - SIGNATURE_SEARCH_LINES; n--) {
      if (lines[n - 1]!.trim().startsWith(name)) {
        found.add(n);
        break;
      }
    }
  }
  return [...found].sort((a, b) => a - b);
}
