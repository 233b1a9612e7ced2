import type { DiffFile } from '../types.js';

/** Lines read above and below each hunk, beyond git's own 3: usually enough to reach the enclosing function. */
export const DEFAULT_CONTEXT_RADIUS = 20;
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
