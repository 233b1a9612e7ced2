import { describe, expect, it } from 'vitest';
import { buildChunks, type ChunkItem } from '../../../../../action/core/plan/chunk.js';
import { renderListing } from '../../../../../action/core/plan/listing.js';
import { estimateTokens, tokenWeight } from '../../../../../action/core/plan/tokens.js';
import type { DiffFile, DiffLine, ReviewChunk } from '../../../../../action/core/types.js';
import { addedFile, makeFile, makeHunk } from '../../input-fixtures.js';

const HUGE = 10_000_000;
const code = (n: number, prefix = 'const value') =>
  Array.from({ length: n }, (_, i) => `${prefix}${i} = compute(${i});`);
/** Estimated size of an item as one whole slice, measured through buildChunks itself. */
const sizeOf = (item: ChunkItem) => buildChunks([item], { budgetTokens: HUGE }).chunks[0]!.estimatedTokens;
const paths = (chunk: ReviewChunk) => chunk.slices.map((s) => s.file.path);

/** A modified file with `count` hunks of 8 added lines each, 100 lines apart, and 10 context lines per hunk. */
function spreadFile(path: string, count: number): ChunkItem {
  const hunks = Array.from({ length: count }, (_, k) =>
    makeHunk(
      100 * k + 20,
      code(8, `h${k}_`).map((l) => `+${l}`),
    ),
  );
  const context = new Map<number, string>();
  for (let k = 0; k < count; k++) {
    for (let i = 1; i <= 5; i++) {
      context.set(100 * k + 20 - i, `// before hunk ${k} line ${i}`);
      context.set(100 * k + 27 + i, `// after hunk ${k} line ${i}`);
    }
  }
  return { file: makeFile(path, hunks), context };
}

describe('buildChunks', () => {
  it('puts a few small files in one request, in input order', () => {
    const items = ['b.ts', 'a.ts', 'c.ts'].map((p) => ({ file: addedFile(p, code(5)) }));
    const { chunks, skipped } = buildChunks(items, { budgetTokens: 20_000 });
    expect(skipped).toEqual([]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.id).toBe('c1');
    expect(paths(chunks[0]!)).toEqual(['b.ts', 'a.ts', 'c.ts']);
    expect(chunks[0]!.estimatedTokens).toBe(items.reduce((n, item) => n + sizeOf(item), 0));
  });

  it('returns nothing for no files', () => {
    expect(buildChunks([], { budgetTokens: 1000 })).toEqual({ chunks: [], skipped: [] });
  });

  it('packs 1000 small files into few requests, each under budget, every file once', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      file: addedFile(`src/m${i}/f.ts`, code(5 + (i % 40))),
    }));
    const budget = 30_000;
    const total = items.reduce((n, item) => n + sizeOf(item), 0);
    const { chunks, skipped } = buildChunks(items, { budgetTokens: budget });
    expect(skipped).toEqual([]);
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(total / budget) + 1);
    expect(chunks.every((c) => c.estimatedTokens <= budget)).toBe(true);
    expect(chunks.flatMap(paths).sort()).toEqual(items.map((i) => i.file.path).sort());
    expect(chunks.map((c) => c.id)).toEqual(chunks.map((_, i) => `c${i + 1}`));
  });

  it('sizes a request as its listings render, rounding once', () => {
    const items = ['a.ts', 'b.ts', 'c.ts'].map((p, i) => ({ file: addedFile(p, code(3 + i)) }));
    const [chunk] = buildChunks(items, { budgetTokens: HUGE }).chunks;
    const text = chunk!.slices.map((s) => `\n${renderListing(s, [])}`).join('');
    expect(chunk!.estimatedTokens).toBe(estimateTokens(text));
    expect(chunk!.estimatedTokens).toBeLessThan(items.reduce((n, item) => n + sizeOf(item), 0));
  });

  it('counts the request frame once and each rule once per request, only where a file applies it', () => {
    const items = [
      { file: addedFile('a.ts', code(20)), applies: ['r1'] },
      { file: addedFile('b.ts', code(20)), applies: ['r1', 'r2'] },
      { file: addedFile('c.ts', code(20)) },
    ];
    const opts = { frameTokens: 100, guidanceTokens: (ids: ReadonlySet<string>) => 30 * ids.size };
    const [whole] = buildChunks(items, { budgetTokens: HUGE, ...opts }).chunks;
    const listings = whole!.slices.map((s, i) => `\n${renderListing(s, items[i]!.applies ?? [])}`);
    expect(whole!.estimatedTokens).toBe(Math.ceil(100 + 2 * 30 + tokenWeight(listings.join(''))));

    // Room for the frame, one rule and two files: b.ts brings two rules, so it goes alone.
    const [a, b, c] = items.map(sizeOf);
    expect(b).toBeGreaterThan(a!);
    const budget = Math.ceil(100 + 30 + a! + c!) + 1;
    const split = buildChunks(items, { budgetTokens: budget, ...opts }).chunks;
    expect(split.map(paths)).toEqual([['b.ts'], ['a.ts', 'c.ts']]);
    expect(split.every((chunk) => chunk.estimatedTokens <= budget)).toBe(true);
  });

  it('fills every request but the last to within one file of the budget', () => {
    const items = Array.from({ length: 500 }, (_, i) => ({
      file: addedFile(`src/m${i}/f.ts`, code(5 + ((i * 13) % 40))),
    }));
    const budget = 20_000;
    const largest = Math.max(...items.map(sizeOf));
    const { chunks, skipped } = buildChunks(items, { budgetTokens: budget });
    expect(skipped).toEqual([]);
    expect(chunks.flatMap(paths)).toHaveLength(items.length);
    // Several requests, or there is no request but the last to look at.
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks.slice(0, -1)) expect(budget - chunk.estimatedTokens).toBeLessThan(largest);
  });

  it('is deterministic', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      file: addedFile(`f${i}.ts`, code(1 + ((i * 7) % 60))),
    }));
    const first = buildChunks(items, { budgetTokens: 5_000 });
    expect(first.chunks.length).toBeGreaterThan(1);
    expect(buildChunks(items, { budgetTokens: 5_000 })).toEqual(first);
  });

  it('keeps a file whose cost equals the budget whole', () => {
    const item = { file: addedFile('exact.ts', code(50)) };
    const { chunks } = buildChunks([item], { budgetTokens: sizeOf(item) });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.slices[0]!.part).toBeUndefined();
  });

  it('sends surrounding context with a file when it fits, without the lines the hunks show', () => {
    const item = spreadFile('a.ts', 2);
    item.context!.set(20, 'a line the hunk already shows');
    const [slice] = buildChunks([item], { budgetTokens: HUGE }).chunks[0]!.slices;
    expect(slice!.context?.size).toBe(20);
    expect(slice!.context?.has(20)).toBe(false);
    expect(slice!.part).toBeUndefined();
  });

  it('drops the context before splitting when that makes the file fit', () => {
    const item = spreadFile('a.ts', 3);
    const bare = sizeOf({ file: item.file });
    expect(sizeOf(item)).toBeGreaterThan(bare);
    const { chunks } = buildChunks([item], { budgetTokens: bare });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.slices[0]).toEqual({ file: item.file, hunks: item.file.hunks });
  });

  it('splits a file bigger than the budget at hunk boundaries, parts in order', () => {
    const item = spreadFile('big.ts', 10);
    const oneHunk = sizeOf({ file: makeFile('big.ts', [item.file.hunks[0]!]) });
    const budget = oneHunk * 3;
    const { chunks, skipped } = buildChunks([item], { budgetTokens: budget });
    expect(skipped).toEqual([]);
    const slices = chunks.flatMap((c) => c.slices);
    expect(slices.length).toBeGreaterThan(1);
    expect(slices.map((s) => s.part)).toEqual(slices.map((_, i) => ({ index: i + 1, of: slices.length })));
    expect(slices.flatMap((s) => s.hunks)).toEqual(item.file.hunks);
    expect(chunks.every((c) => c.estimatedTokens <= budget)).toBe(true);
  });

  it('gives each part the context of its own hunks', () => {
    const item = spreadFile('big.ts', 6);
    const budget = Math.ceil(sizeOf({ file: item.file }) / 2);
    const slices = buildChunks([item], { budgetTokens: budget }).chunks.flatMap((c) => c.slices);
    expect(slices.length).toBeGreaterThan(1);
    for (const slice of slices) {
      const distance = (line: number) =>
        Math.min(
          ...slice.hunks.map((h) => Math.max(h.newStart - line, line - (h.newStart + h.newLines - 1))),
        );
      for (const line of slice.context?.keys() ?? []) expect(distance(line)).toBeLessThanOrEqual(5);
    }
    expect(slices.reduce((n, s) => n + (s.context?.size ?? 0), 0)).toBeGreaterThan(0);
  });

  it('splits a single 3000-line hunk at line boundaries without losing or reordering a line', () => {
    const file = addedFile('generated-by-hand.ts', code(3000));
    const budget = 8_000;
    const { chunks, skipped } = buildChunks([{ file }], { budgetTokens: budget });
    expect(skipped).toEqual([]);
    const slices = chunks.flatMap((c) => c.slices);
    expect(slices.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.estimatedTokens <= budget)).toBe(true);
    const hunks = slices.flatMap((s) => s.hunks);
    expect(hunks.flatMap((h) => h.lines)).toEqual(file.hunks[0]!.lines);
    let expectedStart = 1;
    for (const hunk of hunks) {
      expect(hunk.newStart).toBe(expectedStart);
      expect(hunk.newLines).toBe(hunk.lines.length);
      expect(hunk.lines[0]!.newLine).toBe(hunk.newStart);
      expectedStart += hunk.newLines;
    }
  });

  it('numbers the old side of sub-hunks like git when a run has no new lines', () => {
    const dels = Array.from({ length: 400 }, (_, i) => `-const removed${i} = compute(${i});`);
    const file = makeFile('a.ts', [makeHunk(10, [...dels, '+const replacement = 1;'])]);
    const hunks = buildChunks([{ file }], { budgetTokens: 2_000 })
      .chunks.flatMap((c) => c.slices)
      .flatMap((s) => s.hunks);
    expect(hunks[0]).toMatchObject({ oldStart: 10, newStart: 9, newLines: 0 });
    expect(hunks.at(-1)!.lines.at(-1)).toEqual({ kind: 'add', text: 'const replacement = 1;', newLine: 10 });
    const oldNumbers = hunks.flatMap((h) => h.lines.map((l: DiffLine) => l.oldLine)).filter(Boolean);
    expect(oldNumbers).toEqual(Array.from({ length: 400 }, (_, i) => 10 + i));
  });

  it('keeps the parts of a split file in increasing request order, other files filling the gaps', () => {
    const items: ChunkItem[] = [
      { file: addedFile('a-small.ts', code(3)) },
      spreadFile('b-big.ts', 12),
      { file: addedFile('c-small.ts', code(3)) },
    ];
    const budget = Math.ceil(sizeOf(items[1]!) / 3);
    const { chunks } = buildChunks(items, { budgetTokens: budget });
    const partChunks = chunks.flatMap((c, i) =>
      c.slices.filter((s) => s.file.path === 'b-big.ts').map((s) => [s.part!.index, i]),
    );
    expect(partChunks.map(([, chunk]) => chunk)).toEqual(
      [...partChunks.map(([, chunk]) => chunk!)].sort((x, y) => x - y),
    );
    expect(new Set(partChunks.map(([, chunk]) => chunk)).size).toBe(partChunks.length);
    expect(
      chunks
        .flatMap(paths)
        .filter((p) => p !== 'b-big.ts')
        .sort(),
    ).toEqual(['a-small.ts', 'c-small.ts']);
    expect(chunks.every((c) => c.estimatedTokens <= budget)).toBe(true);
  });

  it('skips a file with a line too big for any request, saying which line, and keeps the rest', () => {
    const huge = makeFile('bundle.js', [makeHunk(1, ['+ok();', `+${'x'.repeat(40_000)}`])]);
    const { chunks, skipped } = buildChunks([{ file: huge }, { file: addedFile('ok.ts', code(2)) }], {
      budgetTokens: 5_000,
    });
    expect(skipped).toEqual([
      {
        path: 'bundle.js',
        reason: 'too-large',
        detail: expect.stringMatching(/line 2 alone is about \d+ tokens/),
      },
    ]);
    expect(chunks.flatMap(paths)).toEqual(['ok.ts']);
  });

  it('skips everything under an impossible budget, listing each file', () => {
    const { chunks, skipped } = buildChunks([{ file: addedFile('a.ts', code(2)) }], { budgetTokens: 0 });
    expect(chunks).toEqual([]);
    expect(skipped).toMatchObject([{ path: 'a.ts', reason: 'too-large' }]);
  });

  it('sends a file without hunks (a pure rename) as a slice of its own', () => {
    const rename: DiffFile = makeFile('new.ts', [], { status: 'renamed', oldPath: 'old.ts' });
    const { chunks } = buildChunks([{ file: rename }], { budgetTokens: 1_000 });
    expect(chunks[0]!.slices).toEqual([{ file: rename, hunks: [] }]);
  });
});
