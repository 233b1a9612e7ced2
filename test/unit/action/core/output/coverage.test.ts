import { describe, expect, it } from 'vitest';
import {
  buildCoverage,
  reportCoverage,
  type CoverageInput,
} from '../../../../../action/core/output/coverage.js';
import { coverageLine } from '../../../../../action/core/output/phrases.js';
import type { DiffFile, ReviewChunk } from '../../../../../action/core/types.js';
import { makeDiffFile } from '../../builders.js';

const file = (path: string, added: number, overrides: Partial<DiffFile> = {}) =>
  makeDiffFile(
    path,
    [{ newStart: 1, lines: Array.from({ length: added }, (_, i) => `+line ${i}`) }],
    overrides,
  );

const chunk = (id: string, files: DiffFile[]): ReviewChunk => ({
  id,
  slices: files.map((f) => ({ file: f, hunks: f.hunks })),
  estimatedTokens: 100,
});

function coverage(overrides: Partial<CoverageInput>) {
  return buildCoverage({ files: [], skipped: [], chunks: [], failedChunks: [], ...overrides });
}

describe('buildCoverage', () => {
  it('counts every changed line of a fully reviewed PR and calls it complete', () => {
    const a = file('src/a.ts', 10);
    const b = file('src/b.ts', 5);
    const receipt = coverage({ files: [a, b], chunks: [chunk('c1', [a, b])] });
    expect(receipt).toMatchObject({
      filesReviewed: 2,
      filesChanged: 2,
      linesReviewed: 15,
      linesChanged: 15,
      complete: true,
    });
    expect(coverageLine(receipt)).toBe('Reviewed 15 of 15 changed lines in 2 of 2 files');
  });

  it('lists deliberately skipped files with their reasons without calling the review incomplete', () => {
    const a = file('src/a.ts', 10);
    const lock = file('package-lock.json', 400);
    const receipt = coverage({
      files: [a, lock],
      skipped: [{ path: 'package-lock.json', reason: 'lockfile' }],
      chunks: [chunk('c1', [a])],
    });
    expect(receipt.complete).toBe(true);
    expect(coverageLine(receipt)).toBe(
      'Reviewed 10 of 410 changed lines in 1 of 2 files; skipped: 1 lockfile',
    );
  });

  it('calls a review with files over budget incomplete and says so', () => {
    const files = [file('src/a.ts', 400), file('src/b.ts', 12), file('yarn.lock', 18)];
    const receipt = coverage({
      files,
      skipped: [
        { path: 'src/b.ts', reason: 'over-budget' },
        { path: 'yarn.lock', reason: 'lockfile' },
      ],
      chunks: [chunk('c1', [files[0]!])],
    });
    expect(receipt.complete).toBe(false);
    expect(coverageLine(receipt)).toBe(
      'Reviewed 400 of 430 changed lines in 1 of 3 files; skipped: 1 over budget, 1 lockfile',
    );
  });

  it('counts a split file whose second part failed as partially reviewed', () => {
    const big = makeDiffFile('src/big.ts', [
      { newStart: 1, lines: ['+a', '+b', '+c'] },
      { newStart: 100, lines: ['+d', '+e'] },
    ]);
    const part = (id: string, hunkIndex: number, index: number): ReviewChunk => ({
      id,
      slices: [{ file: big, hunks: [big.hunks[hunkIndex]!], part: { index, of: 2 } }],
      estimatedTokens: 10,
    });
    const receipt = coverage({
      files: [big],
      chunks: [part('c1', 0, 1), part('c2', 1, 2)],
      failedChunks: [{ id: 'c2', error: '529 overloaded' }],
    });
    expect(receipt.files[0]).toEqual({
      path: 'src/big.ts',
      status: 'partial',
      changedLines: 5,
      reviewedLines: 3,
      reason: 'request-failed',
      detail: '529 overloaded',
    });
    expect(receipt.complete).toBe(false);
    expect(coverageLine(receipt)).toBe(
      'Reviewed 3 of 5 changed lines in 0 of 1 file; partially reviewed: 1 file (failed request)',
    );
  });

  it('counts files in a failed request as skipped', () => {
    const a = file('src/a.ts', 4);
    const receipt = coverage({ files: [a], chunks: [chunk('c1', [a])], failedChunks: [{ id: 'c1' }] });
    expect(receipt.files[0]).toMatchObject({ status: 'skipped', reason: 'request-failed', reviewedLines: 0 });
    expect(coverageLine(receipt)).toBe(
      'Reviewed 0 of 4 changed lines in 0 of 1 file; skipped: 1 failed request',
    );
  });

  it('never counts a file nobody sent or skipped as reviewed', () => {
    const receipt = coverage({ files: [file('src/lost.ts', 3)] });
    expect(receipt.files[0]).toMatchObject({ status: 'skipped', detail: 'not sent to the model' });
    expect(receipt.complete).toBe(false);
  });

  it('counts files an incremental run carried over as reviewed earlier', () => {
    const a = file('src/a.ts', 2);
    const b = file('src/b.ts', 8);
    const receipt = coverage({ files: [a, b], chunks: [chunk('c1', [a])], reviewedEarlier: ['src/b.ts'] });
    expect(receipt).toMatchObject({ complete: true, linesReviewed: 10, filesReviewed: 2 });
    expect(coverageLine(receipt)).toBe(
      'Reviewed 10 of 10 changed lines in 2 of 2 files; 1 file unchanged since the last review',
    );
  });

  it('counts the PR hunks an incremental run left out of a touched file as reviewed earlier', () => {
    const a = makeDiffFile('src/a.ts', [
      { newStart: 1, lines: ['+one', '+two'] },
      { newStart: 20, lines: ['+three', '-gone'] },
    ]);
    const sent = { ...a, hunks: [a.hunks[1]!], additions: 1, deletions: 1 };
    const receipt = coverage({
      files: [a],
      chunks: [chunk('c1', [sent])],
      linesReviewedEarlier: new Map([['src/a.ts', 2]]),
    });
    expect(receipt.files[0]).toMatchObject({ status: 'reviewed', changedLines: 4, reviewedLines: 4 });
    expect(receipt.complete).toBe(true);

    // Over budget now: what the earlier run covered still counts, the rest is a gap.
    const over = coverage({
      files: [a],
      skipped: [{ path: 'src/a.ts', reason: 'over-budget' }],
      linesReviewedEarlier: new Map([['src/a.ts', 2]]),
    });
    expect(over.files[0]).toMatchObject({ status: 'partial', reviewedLines: 2, reason: 'over-budget' });
    expect(over.complete).toBe(false);
  });

  it('counts a touched file whose pushed lines left the PR diff (a revert) as reviewed, with nothing sent', () => {
    const a = file('src/a.ts', 3);
    const receipt = coverage({ files: [a], linesReviewedEarlier: new Map([['src/a.ts', 3]]) });
    expect(receipt.files[0]).toMatchObject({ status: 'reviewed', reviewedLines: 3 });
  });

  it('never counts earlier lines for a file skipped on purpose (the earlier run skipped it too)', () => {
    const lock = file('package-lock.json', 4);
    const receipt = coverage({
      files: [lock],
      skipped: [{ path: 'package-lock.json', reason: 'lockfile' }],
      linesReviewedEarlier: new Map([['package-lock.json', 2]]),
    });
    expect(receipt.files[0]).toMatchObject({ status: 'skipped', reviewedLines: 0, reason: 'lockfile' });
  });

  it('counts a pure rename as reviewed with no lines', () => {
    const renamed = makeDiffFile('src/new.ts', [], { status: 'renamed', oldPath: 'src/old.ts' });
    const receipt = coverage({ files: [renamed], chunks: [chunk('c1', [renamed])] });
    expect(receipt.files[0]).toMatchObject({ status: 'reviewed', changedLines: 0 });
  });
});

describe('reportCoverage', () => {
  it("splits the PR's files between reviewed (in part and earlier too) and skipped, with the receipt's lines", () => {
    const whole = file('src/a.ts', 3);
    const split = makeDiffFile('src/b.ts', [
      { newStart: 1, lines: ['+one', '+two'] },
      { newStart: 40, lines: ['+three'] },
    ]);
    const part = (id: string, hunk: number): ReviewChunk => ({
      id,
      slices: [{ file: split, hunks: [split.hunks[hunk]!] }],
      estimatedTokens: 100,
    });
    const receipt = coverage({
      files: [whole, split, file('yarn.lock', 5), file('src/c.ts', 4)],
      skipped: [{ path: 'yarn.lock', reason: 'lockfile' }],
      chunks: [chunk('c1', [whole]), part('c2', 0), part('c3', 1)],
      failedChunks: [{ id: 'c3' }],
      reviewedEarlier: ['src/c.ts'],
    });
    expect(receipt.files.map((f) => f.status)).toEqual([
      'reviewed',
      'partial',
      'skipped',
      'reviewed-earlier',
    ]);

    expect(reportCoverage(receipt)).toEqual({
      filesReviewed: 3,
      filesSkipped: 1,
      linesReviewed: 3 + 2 + 4,
      linesChanged: 3 + 3 + 5 + 4,
    });
  });
});
