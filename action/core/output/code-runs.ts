import { CODE_OMITTED } from '../../../shared/index.js';
import type { DiffFile, ReviewChunk } from '../types.js';

/**
 * The shortest run of a reviewed code line that text sent to the results API may not repeat, whatever
 * the markup around it (plain prose included): long enough that prose rarely shares it by chance.
 */
export const MIN_CODE_RUN = 20;

/*
 * How runs are found. Comparing every 20-character window of the texts with every window of the code
 * would index the code, the larger side (a 1000-file PR is millions of characters). The texts are indexed
 * instead, and the code streams past them once: windows of WINDOW characters, taken every STEP characters
 * in the texts and at every position of each code line. Any common run of MIN_CODE_RUN characters holds a
 * whole sampled text window (WINDOW + STEP - 1 = MIN_CODE_RUN), so no run is missed; each hit is checked
 * character by character (hashes collide) and widened to the whole common run. Memory follows the report
 * (a fifth of its characters), time the code's length.
 */
const WINDOW = 16;
const STEP = MIN_CODE_RUN - WINDOW + 1;
const BASE = 0x01000193;
/** BASE to the power WINDOW, modulo 2^32: what the character leaving a rolling window weighed. */
const OUT = Array.from({ length: WINDOW }).reduce<number>((p) => Math.imul(p, BASE), 1);
/**
 * Window comparisons allowed before giving up: only text and code made of one repeated pattern (each
 * window of the code then matching thousands in the texts) come near it. Past it every text is masked
 * whole, rather than spend the job's time or risk sending code.
 */
const MAX_COMPARISONS = 20_000_000;

/** Every line of code the run read: the diff's context, deleted and added lines, then the context read from the checkout. */
export function* reviewedLines(files: DiffFile[], chunks: ReviewChunk[]): Generator<string> {
  for (const file of files) for (const hunk of file.hunks) for (const line of hunk.lines) yield line.text;
  for (const chunk of chunks)
    for (const slice of chunk.slices) if (slice.context) yield* slice.context.values();
}

/**
 * Each text with every run of at least MIN_CODE_RUN characters that also stands in one of `lines`
 * replaced by `[code omitted]`. Whitespace runs compare as one space, so re-indented or re-wrapped code
 * is found too.
 */
export function maskCodeRuns(texts: readonly string[], lines: Iterable<string>): string[] {
  const normal = texts.map(normalize);
  const covered = normal.map((n) => new Uint8Array(n.text.length));
  const index = indexTexts(normal.map((n) => n.text));
  if (index.size === 0) return [...texts];

  const { heads, next, hashes, mask: slot } = index;
  let comparisons = 0;
  for (const raw of lines) {
    const line = raw.replace(WHITESPACE_RUN, ' ').trim();
    if (line.length < MIN_CODE_RUN) continue;
    let hash = 0;
    for (let q = 0; q < line.length; q++) {
      hash = (Math.imul(hash, BASE) + line.charCodeAt(q)) | 0;
      if (q < WINDOW - 1) continue;
      if (q >= WINDOW) hash = (hash - Math.imul(line.charCodeAt(q - WINDOW), OUT)) | 0;
      for (let e = heads[hash & slot]!; e >= 0; e = next[e]!) {
        if (hashes[e] !== hash) continue;
        if (++comparisons > MAX_COMPARISONS) return texts.map(() => CODE_OMITTED);
        cover(index.texts[e]!, index.offsets[e]!, line, q - WINDOW + 1);
      }
    }
  }
  return texts.map((text, t) => mask(text, normal[t]!.from, covered[t]!));

  /**
   * Widens a window text `t` (at `p`) and the line (at `q`) share to their whole common run, and marks it
   * when it is long enough. A window already inside marked runs is skipped: a run with a stretch of
   * MIN_CODE_RUN unmarked characters still has an unmarked window there, which widens it whole.
   */
  function cover(t: number, p: number, line: string, q: number): void {
    const text = normal[t]!.text;
    const marks = covered[t]!;
    if (marks.subarray(p, p + WINDOW).every((m) => m === 1)) return;
    if (text.slice(p, p + WINDOW) !== line.slice(q, q + WINDOW)) return;
    let start = p;
    let end = p + WINDOW;
    while (start > 0 && start - p + q > 0 && text[start - 1] === line[start - 1 - p + q]) start--;
    while (end < text.length && end - p + q < line.length && text[end] === line[end - p + q]) end++;
    if (end - start >= MIN_CODE_RUN) marks.fill(1, start, end);
  }
}

/** The sampled windows of the texts in a chained hash table of typed arrays: compact for a full report. */
interface WindowIndex {
  size: number;
  mask: number;
  /** First entry of each slot, -1 for none; `next` chains the entries of one slot. */
  heads: Int32Array;
  next: Int32Array;
  hashes: Int32Array;
  texts: Int32Array;
  offsets: Int32Array;
}

function indexTexts(texts: string[]): WindowIndex {
  const windows = (text: string) =>
    text.length < MIN_CODE_RUN ? 0 : Math.floor((text.length - WINDOW) / STEP) + 1;
  const size = texts.reduce((n, text) => n + windows(text), 0);
  const slots = 2 ** Math.ceil(Math.log2(Math.max(2, size * 2)));
  const index: WindowIndex = {
    size,
    mask: slots - 1,
    heads: new Int32Array(slots).fill(-1),
    next: new Int32Array(size),
    hashes: new Int32Array(size),
    texts: new Int32Array(size),
    offsets: new Int32Array(size),
  };
  let e = 0;
  texts.forEach((text, t) => {
    for (let i = 0, p = 0; i < windows(text); i++, p += STEP, e++) {
      let hash = 0;
      for (let c = p; c < p + WINDOW; c++) hash = (Math.imul(hash, BASE) + text.charCodeAt(c)) | 0;
      const slot = hash & index.mask;
      index.hashes[e] = hash;
      index.texts[e] = t;
      index.offsets[e] = p;
      index.next[e] = index.heads[slot]!;
      index.heads[slot] = e;
    }
  });
  return index;
}

/** The text with each whitespace run as one space, and where each of its characters came from. */
function normalize(text: string): { text: string; from: Int32Array } {
  const from = new Int32Array(text.length);
  let n = 0;
  let kept = 0;
  for (const run of text.matchAll(WHITESPACE_RUN)) {
    for (let i = kept; i <= run.index; i++) from[n++] = i;
    kept = run.index + run[0].length;
  }
  for (let i = kept; i < text.length; i++) from[n++] = i;
  return { text: text.replace(WHITESPACE_RUN, ' '), from: from.subarray(0, n) };
}
const WHITESPACE_RUN = /\s+/g;

/** The original text with each marked run (mapped back through `from`, with the whitespace after it) replaced. */
function mask(text: string, from: Int32Array, marks: Uint8Array): string {
  let out = '';
  let kept = 0;
  for (let i = 0; i < marks.length; i++) {
    if (marks[i] !== 1 || (i > 0 && marks[i - 1] === 1)) continue;
    let end = i;
    while (end < marks.length && marks[end] === 1) end++;
    out += text.slice(kept, from[i]) + CODE_OMITTED;
    kept = end < from.length ? from[end]! : text.length;
  }
  return out + text.slice(kept);
}
