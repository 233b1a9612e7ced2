import type {
  AnchoredFinding,
  CoverageReceipt,
  DiffFile,
  DiffLine,
  Hunk,
  ReviewOutcome,
  UnanchoredFinding,
} from '../../../action/core/types.js';
import type { Finding } from '../../../shared/index.js';

/** One hunk: lines prefixed like `git diff` output (' ' context, '+' added, '-' deleted). */
export interface HunkSpec {
  newStart: number;
  oldStart?: number;
  header?: string;
  lines: string[];
}

/** A parsed DiffFile from readable hunk specs; line numbers and counts are computed like the parser does. */
export function makeDiffFile(path: string, hunks: HunkSpec[], overrides: Partial<DiffFile> = {}): DiffFile {
  const built = hunks.map(makeHunk);
  const all = built.flatMap((h) => h.lines);
  return {
    path,
    status: 'modified',
    binary: false,
    submodule: false,
    hunks: built,
    additions: all.filter((l) => l.kind === 'add').length,
    deletions: all.filter((l) => l.kind === 'del').length,
    ...overrides,
  };
}

function makeHunk(spec: HunkSpec): Hunk {
  let oldLine = spec.oldStart ?? spec.newStart;
  let newLine = spec.newStart;
  const lines: DiffLine[] = spec.lines.map((raw) => {
    const text = raw.slice(1);
    if (raw.startsWith('+')) return { kind: 'add', text, newLine: newLine++ };
    if (raw.startsWith('-')) return { kind: 'del', text, oldLine: oldLine++ };
    return { kind: 'context', text, oldLine: oldLine++, newLine: newLine++ };
  });
  return {
    oldStart: spec.oldStart ?? spec.newStart,
    oldLines: lines.filter((l) => l.kind !== 'add').length,
    newStart: spec.newStart,
    newLines: lines.filter((l) => l.kind !== 'del').length,
    header: spec.header ?? '',
    lines,
  };
}

export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    path: 'src/app.ts',
    line: 10,
    severity: 'medium',
    category: 'correctness',
    title: 'Possible null dereference',
    body: 'The value can be null here.',
    confidence: 0.8,
    ...overrides,
  };
}

export function makeAnchored(overrides: Partial<AnchoredFinding> = {}): AnchoredFinding {
  const finding = makeFinding(overrides);
  return {
    ...finding,
    fingerprint: 'f'.repeat(32),
    anchor: {
      line: finding.line,
      ...(finding.startLine !== undefined ? { startLine: finding.startLine } : {}),
    },
    suggestionApplies: false,
    ...overrides,
  };
}

export function makeUnanchored(overrides: Partial<UnanchoredFinding> = {}): UnanchoredFinding {
  return {
    ...makeFinding(overrides),
    fingerprint: 'e'.repeat(32),
    reason: 'file-not-in-diff',
    ...overrides,
  };
}

/** The receipt of a run that reviewed a.ts (40 lines) and skipped b.ts (40 lines) as too large. */
export function makeCoverageGap(): CoverageReceipt {
  return {
    files: [
      { path: 'a.ts', status: 'reviewed', changedLines: 40, reviewedLines: 40 },
      { path: 'b.ts', status: 'skipped', changedLines: 40, reviewedLines: 0, reason: 'too-large' },
    ],
    filesChanged: 2,
    filesReviewed: 1,
    filesPartial: 0,
    filesSkipped: 1,
    linesChanged: 80,
    linesReviewed: 40,
    skippedByReason: { 'too-large': 1 },
    complete: false,
  };
}

export const HEAD_SHA = '1'.repeat(40);
export const BASE_SHA = '2'.repeat(40);

export function makeOutcome(overrides: Partial<ReviewOutcome> = {}): ReviewOutcome {
  return {
    status: 'completed',
    conclusion: 'success',
    model: 'claude-sonnet-4-5',
    posted: [],
    overflow: [],
    unanchored: [],
    alreadyPosted: 0,
    secrets: [],
    reviewedFiles: ['src/app.ts'],
    skipped: [],
    failedChunks: [],
    usage: { input: 1000, cacheWrite: 2000, cacheRead: 3000, output: 400 },
    costUsd: 0.0123,
    durationMs: 4200,
    failOn: 'high',
    coverage: {
      files: [{ path: 'src/app.ts', status: 'reviewed', changedLines: 20, reviewedLines: 20 }],
      filesChanged: 1,
      filesReviewed: 1,
      filesPartial: 0,
      filesSkipped: 0,
      linesChanged: 20,
      linesReviewed: 20,
      skippedByReason: {},
      complete: true,
    },
    ...overrides,
  };
}

/**
 * A realistic two-hunk change to src/app.ts (new-file lines):
 * hunk 1: 10 context `function load(id) {`, 11 added `const user = db.find(id);`, 12 added `return user.name;`,
 *         13 context `}`; hunk 2: 40 context `export function save(user) {`, 41 added `db.write(user);`,
 *         42 added `log(user.password);`, 43 context `}`.
 */
export function appDiff(): DiffFile {
  return makeDiffFile('src/app.ts', [
    {
      newStart: 10,
      header: 'function load',
      lines: [
        ' function load(id) {',
        '-  return db.get(id).name;',
        '+  const user = db.find(id);',
        '+  return user.name;',
        ' }',
      ],
    },
    {
      newStart: 40,
      oldStart: 39,
      lines: [' export function save(user) {', '+  db.write(user);', '+  log(user.password);', ' }'],
    },
  ]);
}
