import type { DiffFile, DiffLine, FileSlice, Hunk, ReviewChunk, SkippedFile } from '../types.js';
import { estimateTokens } from './tokens.js';

/** One file to review and the lines read around its hunks (new-file line number → text). */
export interface ChunkItem {
  file: DiffFile;
  context?: Map<number, string>;
}

/**
 * Token costs of the pieces of a rendered prompt (see prompt.ts): the line-number gutter of each line,
 * the `@@` line of each hunk, the heading of each file. Each line is rounded up on its own, so the sum
 * stays at or above the estimate of the rendered text.
 */
const LINE_OVERHEAD = 2;
const HUNK_OVERHEAD = 2;
const FILE_OVERHEAD = 16;

/** A run of a file's content that is never split further: one hunk (or part of one) and its context. */
interface Unit {
  hunks: Hunk[];
  context: [number, string][];
  hunkTokens: number;
  contextTokens: number;
}

/** A file's slice waiting for a chunk. */
interface Piece {
  order: number;
  slice: FileSlice;
  tokens: number;
}

/** Thrown when part of a file cannot fit a request even alone; the message is the skip's detail. */
class TooLarge extends Error {}

/**
 * Packs files into model requests whose estimated size stays within `budgetTokens`, so a PR costs
 * about ceil(size / budget) calls instead of one per file or hunk. A file that does not fit first
 * loses its surrounding context, then is split at hunk boundaries, and a single hunk too big for a
 * request is split at line boundaries; parts keep their order and are numbered `part {index, of}`.
 * Whole files are placed largest first into the first request with room (first-fit decreasing), and
 * slices inside a request keep the input order. Deterministic: same input, same chunks and ids. What
 * cannot fit even alone (a single enormous line) is returned in `skipped`, never dropped silently.
 */
export function buildChunks(
  items: ChunkItem[],
  opts: { budgetTokens: number },
): { chunks: ReviewChunk[]; skipped: SkippedFile[] } {
  const parts: Piece[] = [];
  const wholes: Piece[] = [];
  const skipped: SkippedFile[] = [];
  items.forEach((item, order) => {
    try {
      const pieces = sliceFile(item, opts.budgetTokens).map((s) => ({ order, ...s }));
      (pieces.length > 1 ? parts : wholes).push(...pieces);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      skipped.push({ path: item.file.path, reason: 'too-large', detail: error.message });
    }
  });
  return { chunks: pack(parts, wholes, opts.budgetTokens), skipped };
}

/** Parts each open a request of their own, in order; whole files then fill the room left, largest first. */
function pack(parts: Piece[], wholes: Piece[], budget: number): ReviewChunk[] {
  const bins = parts.map((p) => ({ pieces: [p], tokens: p.tokens }));
  const largestFirst = [...wholes].sort((a, b) => b.tokens - a.tokens || a.order - b.order);
  for (const piece of largestFirst) {
    const bin = bins.find((b) => b.tokens + piece.tokens <= budget);
    if (bin) {
      bin.pieces.push(piece);
      bin.tokens += piece.tokens;
    } else {
      bins.push({ pieces: [piece], tokens: piece.tokens });
    }
  }
  return bins.map((bin, i) => ({
    id: `c${i + 1}`,
    slices: bin.pieces.sort(byInputOrder).map((p) => p.slice),
    estimatedTokens: bin.tokens,
  }));
}

function byInputOrder(a: Piece, b: Piece): number {
  return a.order - b.order || (a.slice.part?.index ?? 0) - (b.slice.part?.index ?? 0);
}

/** The file as one slice when it fits (with context, else without), otherwise as numbered parts. */
function sliceFile(item: ChunkItem, budget: number): { slice: FileSlice; tokens: number }[] {
  const { file } = item;
  const header = headerTokens(file);
  if (header > budget) throw new TooLarge(`its heading alone is over the ${budget}-token request budget`);
  const units = attachContext(file.hunks, item.context);
  const bare = header + sum(units.map((u) => u.hunkTokens));
  const full = bare + sum(units.map((u) => u.contextTokens));
  if (full <= budget) return [{ slice: makeSlice(file, units), tokens: full }];
  if (bare <= budget) return [{ slice: { file, hunks: file.hunks }, tokens: bare }];

  const room = budget - header;
  const groups = group(
    units.flatMap((u) => fitUnit(u, room, budget)),
    room,
  );
  return groups.map((units, i) => ({
    slice: { ...makeSlice(file, units), part: { index: i + 1, of: groups.length } },
    tokens: header + sum(units.map(unitTokens)),
  }));
}

function makeSlice(file: DiffFile, units: Unit[]): FileSlice {
  const hunks = units.flatMap((u) => u.hunks);
  const context = units.flatMap((u) => u.context);
  return context.length > 0 ? { file, hunks, context: new Map(context) } : { file, hunks };
}

/** Greedy, in order: each group takes units while they fit. */
function group(units: Unit[], room: number): Unit[][] {
  const groups: Unit[][] = [];
  let current: Unit[] = [];
  let used = 0;
  for (const unit of units) {
    const tokens = unitTokens(unit);
    if (current.length > 0 && used + tokens > room) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(unit);
    used += tokens;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** A unit that fits `room`: as is, without its context, or its hunk split into line runs. */
function fitUnit(unit: Unit, room: number, budget: number): Unit[] {
  if (unitTokens(unit) <= room) return [unit];
  if (unit.hunkTokens <= room) return [{ ...unit, context: [], contextTokens: 0 }];
  return splitHunk(unit.hunks[0]!, room, budget).map((h) => bareUnit(h));
}

/** Splits a hunk into consecutive sub-hunks of at most `room` tokens, at line boundaries. */
function splitHunk(hunk: Hunk, room: number, budget: number): Hunk[] {
  const fixed = HUNK_OVERHEAD + estimateTokens(hunk.header);
  const runs: DiffLine[][] = [];
  let run: DiffLine[] = [];
  let used = fixed;
  for (const line of hunk.lines) {
    const cost = lineTokens(line.text);
    if (fixed + cost > room) {
      const side = line.newLine === undefined ? `old line ${line.oldLine}` : `line ${line.newLine}`;
      throw new TooLarge(`${side} alone is about ${cost} tokens, over the ${budget}-token request budget`);
    }
    if (run.length > 0 && used + cost > room) {
      runs.push(run);
      run = [];
      used = fixed;
    }
    run.push(line);
    used += cost;
  }
  if (run.length > 0) runs.push(run);
  return subHunks(hunk, runs);
}

/** Rebuilds hunk headers for runs of a hunk's lines, following git's numbering for empty sides. */
function subHunks(hunk: Hunk, runs: DiffLine[][]): Hunk[] {
  let nextOld = hunk.oldStart;
  let nextNew = hunk.newStart;
  return runs.map((lines) => {
    const oldLines = lines.filter((l) => l.oldLine !== undefined).length;
    const newLines = lines.filter((l) => l.newLine !== undefined).length;
    const sub: Hunk = {
      oldStart: oldLines === 0 ? nextOld - 1 : nextOld,
      oldLines,
      newStart: newLines === 0 ? nextNew - 1 : nextNew,
      newLines,
      header: hunk.header,
      lines,
    };
    nextOld += oldLines;
    nextNew += newLines;
    return sub;
  });
}

/**
 * One unit per hunk, each with the context lines nearest to it (split at the midpoint between hunks),
 * so a part of a split file carries the context of its own hunks. Context lines the hunks already show
 * are dropped.
 */
function attachContext(hunks: Hunk[], context: Map<number, string> | undefined): Unit[] {
  const units = hunks.map(bareUnit);
  if (!context || units.length === 0) return units;
  const spans = hunks.map(newSpan);
  const lines = [...context].sort((a, b) => a[0] - b[0]);
  let k = 0;
  for (const [n, text] of lines) {
    while (k < spans.length - 1 && n > (spans[k]!.end + spans[k + 1]!.start) / 2) k++;
    const span = spans[k]!;
    if (n >= span.start && n <= span.end) continue;
    const unit = units[k]!;
    unit.context.push([n, text]);
    unit.contextTokens += lineTokens(text);
  }
  return units;
}

/** New-file lines a hunk shows; a pure deletion shows none and sits just after `newStart`. */
function newSpan(hunk: Hunk): { start: number; end: number } {
  const start = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
  return { start, end: start + hunk.newLines - 1 };
}

function bareUnit(hunk: Hunk): Unit {
  return { hunks: [hunk], context: [], hunkTokens: hunkTokens(hunk), contextTokens: 0 };
}

function unitTokens(unit: Unit): number {
  return unit.hunkTokens + unit.contextTokens;
}

function headerTokens(file: DiffFile): number {
  return FILE_OVERHEAD + estimateTokens(file.path) + (file.oldPath ? estimateTokens(file.oldPath) : 0);
}

function hunkTokens(hunk: Hunk): number {
  let total = HUNK_OVERHEAD + estimateTokens(hunk.header);
  for (const line of hunk.lines) total += lineTokens(line.text);
  return total;
}

function lineTokens(text: string): number {
  return LINE_OVERHEAD + estimateTokens(text);
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
