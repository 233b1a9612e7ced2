import type { DiffFile, DiffLine, Hunk } from '../../../action/core/types.js';

/**
 * A hunk from diff-style lines (`+added`, `-deleted`, ` context`), numbered from `newStart` on both
 * sides (old numbers are only meaningful relative to each other here).
 */
export function makeHunk(newStart: number, spec: string[], header = ''): Hunk {
  let oldLine = newStart;
  let newLine = newStart;
  const lines: DiffLine[] = spec.map((raw) => {
    const text = raw.slice(1);
    if (raw.startsWith('+')) return { kind: 'add', text, newLine: newLine++ };
    if (raw.startsWith('-')) return { kind: 'del', text, oldLine: oldLine++ };
    return { kind: 'context', text, oldLine: oldLine++, newLine: newLine++ };
  });
  return {
    oldStart: newStart,
    oldLines: oldLine - newStart,
    newStart,
    newLines: newLine - newStart,
    header,
    lines,
  };
}

/** A modified file with the given hunks and matching addition/deletion counts. */
export function makeFile(path: string, hunks: Hunk[] = [], overrides: Partial<DiffFile> = {}): DiffFile {
  const all = hunks.flatMap((h) => h.lines);
  return {
    path,
    status: 'modified',
    binary: false,
    submodule: false,
    hunks,
    additions: all.filter((l) => l.kind === 'add').length,
    deletions: all.filter((l) => l.kind === 'del').length,
    ...overrides,
  };
}

/** An added file whose content is `lines`. */
export function addedFile(path: string, lines: string[]): DiffFile {
  return makeFile(
    path,
    [
      makeHunk(
        1,
        lines.map((l) => `+${l}`),
      ),
    ],
    { status: 'added' },
  );
}
