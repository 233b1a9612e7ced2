import type { DiffFile, DiffLine, FileSlice, Hunk, ReviewChunk, SkippedFile } from '../types.js';
import { codeTokens, hunkRowTokens, listingTokens, rowTokens } from './listing.js';

/** One file to review, the lines read around its hunks (new-file line number → text), its guidance. */
export interface ChunkItem {
  file: DiffFile;
  context?: Map<number, string>;
  /** Ids of the team rules and instructions that apply to the file, as its heading lists them. */
  applies?: string[];
}

export interface PackOptions {
  /** Estimated tokens a request's text may reach (the cached system prompt and tools not counted). */
  budgetTokens: number;
  /** Estimated tokens (unrounded) every request spends besides its files: intro, PR description. */
  frameTokens?: number;
  /** Estimated tokens (unrounded) of the rule and instruction sections a request with these ids carries. */
  guidanceTokens?: (ids: ReadonlySet<string>) => number;
}

/** A run of a file's content that is never split further: one hunk (or part of one) and its context. */
interface Unit {
  hunks: Hunk[];
  context: [number, string][];
}

/** A file's slice waiting for a chunk, with the estimated tokens of its listing (unrounded). */
interface Piece {
  order: number;
  slice: FileSlice;
  tokens: number;
  applies: string[];
}

interface Bin {
  pieces: Piece[];
  /** Listings only. */
  tokens: number;
  ids: Set<string>;
  guidance: number;
}

interface Sizes {
  budget: number;
  frame: number;
  guidance: (ids: ReadonlySet<string>) => number;
}

/** Thrown when part of a file cannot fit a request even alone; the message is the skip's detail. */
class TooLarge extends Error {}

/**
 * Packs files into model requests whose estimated size stays within `budgetTokens`, so a PR costs
 * about ceil(size / budget) calls instead of one per file or hunk. Sizes are those of the text the
 * request will carry, measured on the rendered listings (listing.ts) plus the request's frame and the
 * guidance its files bring, each rule or instruction counted once per request as it is sent: a
 * per-line allowance overshoots the real text by a twentieth, and every twentieth of slack is a request
 * more on a large PR. A file that does not fit first loses its surrounding context, then is split at
 * hunk boundaries, and a single hunk too big for a request is split at line boundaries; parts keep
 * their order and are numbered `part {index, of}`. Whole files are placed largest first into the first
 * request with room (first-fit decreasing), and slices inside a request keep the input order.
 * Deterministic: same input, same chunks and ids. What cannot fit even alone (a single enormous line)
 * is returned in `skipped`, never dropped silently.
 */
export function buildChunks(
  items: ChunkItem[],
  opts: PackOptions,
): { chunks: ReviewChunk[]; skipped: SkippedFile[] } {
  const sizes: Sizes = {
    budget: opts.budgetTokens,
    frame: opts.frameTokens ?? 0,
    guidance: opts.guidanceTokens ?? (() => 0),
  };
  const parts: Piece[] = [];
  const wholes: Piece[] = [];
  const skipped: SkippedFile[] = [];
  items.forEach((item, order) => {
    const applies = item.applies ?? [];
    const room = sizes.budget - sizes.frame - sizes.guidance(new Set(applies));
    try {
      const pieces = sliceFile(item, applies, room, sizes.budget).map((s) => ({ order, applies, ...s }));
      (pieces.length > 1 ? parts : wholes).push(...pieces);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      skipped.push({ path: item.file.path, reason: 'too-large', detail: error.message });
    }
  });
  return { chunks: pack(parts, wholes, sizes), skipped };
}

/** Parts each open a request of their own, in order; whole files then fill the room left, largest first. */
function pack(parts: Piece[], wholes: Piece[], sizes: Sizes): ReviewChunk[] {
  const bins: Bin[] = [];
  /** The request's guidance with the piece's added: only new ids cost anything. */
  const guidanceWith = (bin: Bin, piece: Piece) =>
    piece.applies.every((id) => bin.ids.has(id))
      ? bin.guidance
      : sizes.guidance(new Set([...bin.ids, ...piece.applies]));
  const fits = (bin: Bin, piece: Piece) =>
    sizes.frame + guidanceWith(bin, piece) + bin.tokens + piece.tokens <= sizes.budget;
  const add = (bin: Bin, piece: Piece) => {
    bin.guidance = guidanceWith(bin, piece);
    bin.pieces.push(piece);
    bin.tokens += piece.tokens;
    for (const id of piece.applies) bin.ids.add(id);
  };
  const open = (piece: Piece) => {
    const bin: Bin = { pieces: [], tokens: 0, ids: new Set(), guidance: 0 };
    add(bin, piece);
    bins.push(bin);
  };
  for (const part of parts) open(part);
  const largestFirst = [...wholes].sort((a, b) => b.tokens - a.tokens || a.order - b.order);
  for (const piece of largestFirst) {
    const bin = bins.find((b) => fits(b, piece));
    if (bin) add(bin, piece);
    else open(piece);
  }
  return bins.map((bin, i) => ({
    id: `c${i + 1}`,
    slices: bin.pieces.sort(byInputOrder).map((p) => p.slice),
    // Rounded once, like the estimate of the whole text (tokenWeight is additive).
    estimatedTokens: Math.ceil(sizes.frame + bin.guidance + bin.tokens),
  }));
}

function byInputOrder(a: Piece, b: Piece): number {
  return a.order - b.order || (a.slice.part?.index ?? 0) - (b.slice.part?.index ?? 0);
}

/**
 * The file as one slice when its listing fits `room` (with context, else without), otherwise as
 * numbered parts. `budget` is only quoted in the reason of a skip.
 */
function sliceFile(
  item: ChunkItem,
  applies: string[],
  room: number,
  budget: number,
): { slice: FileSlice; tokens: number }[] {
  const { file } = item;
  const units = attachContext(file.hunks, item.context);
  const full = makeSlice(file, units);
  const fullTokens = listingTokens(full, applies);
  if (fullTokens <= room) return [{ slice: full, tokens: fullTokens }];
  const bare: FileSlice = { file, hunks: file.hunks };
  const bareTokens = listingTokens(bare, applies);
  if (bareTokens <= room) return [{ slice: bare, tokens: bareTokens }];

  // A part's heading names its index: size it for the most parts there can be (one per line at worst).
  const lines = file.hunks.reduce((n, h) => n + h.lines.length, 0);
  const heading = listingTokens({ file, hunks: [], part: { index: lines, of: lines } }, applies);
  if (heading > room) throw new TooLarge(`its heading alone is over the ${budget}-token request budget`);
  const fitted = units.flatMap((u) => fitUnit(u, room - heading, budget));
  const groups = group(fitted, room - heading);
  return groups.map((units, i) => {
    const slice = { ...makeSlice(file, units), part: { index: i + 1, of: groups.length } };
    return { slice, tokens: listingTokens(slice, applies) };
  });
}

function makeSlice(file: DiffFile, units: Unit[]): FileSlice {
  const hunks = units.flatMap((u) => u.hunks);
  const context = units.flatMap((u) => u.context);
  return context.length > 0 ? { file, hunks, context: new Map(context) } : { file, hunks };
}

/**
 * Greedy, in order: each group takes units while they fit. A unit is sized alone, which is never less
 * than it adds to a group (a hunk's block name can only disappear when more lines are shown above it).
 */
function group(units: { unit: Unit; tokens: number }[], room: number): Unit[][] {
  const groups: Unit[][] = [];
  let current: Unit[] = [];
  let used = 0;
  for (const { unit, tokens } of units) {
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
function fitUnit(unit: Unit, room: number, budget: number): { unit: Unit; tokens: number }[] {
  const tokens = unitTokens(unit);
  if (tokens <= room) return [{ unit, tokens }];
  const bare = { hunks: unit.hunks, context: [] };
  const bareTokens = unitTokens(bare);
  if (bareTokens <= room) return [{ unit: bare, tokens: bareTokens }];
  return splitHunk(unit.hunks[0]!, room, budget).map((h) => ({
    unit: { hunks: [h], context: [] },
    tokens: unitTokens({ hunks: [h], context: [] }),
  }));
}

/** Rows of a unit alone, without a heading. */
function unitTokens(unit: Unit): number {
  return codeTokens({ hunks: unit.hunks, context: new Map(unit.context) });
}

/** Splits a hunk into consecutive sub-hunks of at most `room` tokens, at line boundaries. */
function splitHunk(hunk: Hunk, room: number, budget: number): Hunk[] {
  const fixed = hunkRowTokens(hunk);
  const runs: DiffLine[][] = [];
  let run: DiffLine[] = [];
  let used = fixed;
  for (const line of hunk.lines) {
    const cost = rowTokens(line);
    if (fixed + cost > room) {
      const side = line.newLine === undefined ? `old line ${line.oldLine}` : `line ${line.newLine}`;
      throw new TooLarge(
        `${side} alone is about ${Math.ceil(cost)} tokens, over the ${budget}-token request budget`,
      );
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
  const units: Unit[] = hunks.map((h) => ({ hunks: [h], context: [] }));
  if (!context || units.length === 0) return units;
  const spans = hunks.map(newSpan);
  const lines = [...context].sort((a, b) => a[0] - b[0]);
  let k = 0;
  for (const [n, text] of lines) {
    while (k < spans.length - 1 && n > (spans[k]!.end + spans[k + 1]!.start) / 2) k++;
    const span = spans[k]!;
    if (n >= span.start && n <= span.end) continue;
    units[k]!.context.push([n, text]);
  }
  return units;
}

/** New-file lines a hunk shows; a pure deletion shows none and sits just after `newStart`. */
function newSpan(hunk: Hunk): { start: number; end: number } {
  const start = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
  return { start, end: start + hunk.newLines - 1 };
}
