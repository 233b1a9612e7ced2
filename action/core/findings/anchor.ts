import type { Finding } from '../../../shared/index.js';
import type { AnchoredFinding, DiffFile, UnanchoredFinding, UnanchoredReason } from '../types.js';
import { fingerprintFinding, normalizeCode } from './fingerprint.js';
import { displayLine, displayPath } from '../plan/listing.js';
import { byPriority } from './posting.js';

interface RightLine {
  line: number;
  text: string;
  hunk: number;
  /**
   * The line normalized for quote matching, as git has it and as the listing showed it (invisible
   * characters escaped): the model copies what it read, so a Trojan Source line is quoted with its
   * `<U+202E>`. Computed once per file, not per quote.
   */
  forms: [raw: string, shown: string];
}

/** RIGHT-side lines of one file, per hunk and by new-file line number. */
interface FileIndex {
  hunks: RightLine[][];
  byLine: Map<number, RightLine>;
}

interface Placement {
  line: number;
  startLine?: number;
  /** The model's range did not fit the diff, so its suggestion no longer covers the commented lines. */
  rangeDropped: boolean;
}

export interface AnchorResult {
  anchored: AnchoredFinding[];
  unanchored: UnanchoredFinding[];
}

/**
 * Places model findings on the diff before anything is posted, because one comment outside the diff makes
 * GitHub reject the whole review. A finding is anchored only on a RIGHT-side line inside a hunk of a file in
 * the diff; an off-by-n line is corrected from the quoted code; a bad range shrinks to one line rather than
 * losing the finding. Whatever cannot be placed is returned with a reason for the summary. Duplicates (same
 * fingerprint) keep their most severe, most confident instance.
 */
export function anchorFindings(findings: Finding[], files: DiffFile[]): AnchorResult {
  const byPath = new Map(files.map((file) => [file.path, file]));
  // The model copies paths from the listing's headings, where invisible characters are shown escaped: a
  // file named to deceive (bidi, tag characters) is exactly one whose finding must still land on it.
  for (const file of files) {
    const shown = displayPath(file.path);
    if (!byPath.has(shown)) byPath.set(shown, file);
  }
  const indexes = new Map<string, FileIndex>();
  const anchored: AnchoredFinding[] = [];
  const unanchored: UnanchoredFinding[] = [];

  for (const finding of findings) {
    const given = normalizeFindingPath(finding.path);
    const file = given === undefined ? undefined : byPath.get(given);
    if (given === undefined || file === undefined) {
      const reason = given === undefined ? 'path-outside-repository' : 'file-not-in-diff';
      unanchored.push({ ...finding, fingerprint: fingerprintFinding(finding, undefined), reason });
      continue;
    }
    const path = file.path;
    const index = indexes.get(path) ?? indexFile(file);
    indexes.set(path, index);
    const placed = place(finding, index);
    if (typeof placed === 'string') {
      const f = { ...finding, path };
      unanchored.push({ ...f, fingerprint: fingerprintFinding(f, file), reason: placed });
      continue;
    }
    anchored.push(toAnchored({ ...finding, path }, placed, index, file));
  }
  return { anchored: dedupe(anchored), unanchored: dedupe(unanchored) };
}

/** Repository-relative path without './'; undefined for absolute paths and '..' segments (path traversal). */
export function normalizeFindingPath(path: string): string | undefined {
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\0')) return undefined;
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.includes('..')) return undefined;
  return segments.join('/');
}

function indexFile(file: DiffFile): FileIndex {
  const hunks = file.hunks.map((hunk, i) =>
    hunk.lines.flatMap((l) =>
      l.kind !== 'del' && l.newLine !== undefined
        ? [{ line: l.newLine, text: l.text, hunk: i, forms: quoteForms(l.text) }]
        : [],
    ),
  );
  return { hunks, byLine: new Map(hunks.flat().map((r) => [r.line, r])) };
}

/** Where the finding goes, or why it cannot go anywhere. */
function place(f: Finding, index: FileIndex): Placement | UnanchoredReason {
  const line = locateLine(f, index);
  if (typeof line === 'string') return line;
  const startLine = f.startLine === undefined ? undefined : f.startLine + (line - f.line);
  if (startLine === undefined || startLine === line) return { line, rangeDropped: false };
  const first = index.byLine.get(startLine);
  const valid = first !== undefined && first.hunk === index.byLine.get(line)?.hunk && startLine < line;
  return valid ? { line, startLine, rangeDropped: false } : { line, rangeDropped: true };
}

/** The line to comment on: the model's own when it holds the quoted code, else the nearest line that does. */
function locateLine(f: Finding, index: FileIndex): number | UnanchoredReason {
  const quote = quoteLines(f.quote ?? '');
  if (quote.length === 0) return index.byLine.has(f.line) ? f.line : 'line-not-in-diff';
  const blocks = findBlocks(index, quote);
  if (blocks.length === 0) return 'quote-not-in-diff';
  if (blocks.some((b) => f.line >= b.start && f.line <= b.end)) return f.line;
  // A range ends on its last quoted line; a single-line finding starts on the first.
  const targets = blocks.map((b) => (f.startLine !== undefined ? b.end : b.start));
  return targets.reduce((best, t) => {
    const d = Math.abs(t - f.line) - Math.abs(best - f.line);
    return d < 0 || (d === 0 && t < best) ? t : best;
  });
}

function quoteLines(quote: string): string[] {
  const lines = quote.split('\n').map(normalizeCode);
  while (lines[0] === '') lines.shift();
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

function quoteForms(text: string): RightLine['forms'] {
  return [normalizeCode(text), normalizeCode(displayLine(text))];
}

/** Runs of consecutive RIGHT-side lines of one hunk whose normalized text equals the quote's lines. */
function findBlocks(index: FileIndex, quote: string[]): { start: number; end: number }[] {
  const blocks: { start: number; end: number }[] = [];
  for (const lines of index.hunks) {
    for (let i = 0; i + quote.length <= lines.length; i += 1) {
      if (quote.every((q, j) => lines[i + j]!.forms.includes(q))) {
        blocks.push({ start: lines[i]!.line, end: lines[i + quote.length - 1]!.line });
      }
    }
  }
  return blocks;
}

function toAnchored(f: Finding, placed: Placement, index: FileIndex, file: DiffFile): AnchoredFinding {
  const { startLine: _modelStartLine, ...rest } = f;
  const anchor =
    placed.startLine === undefined
      ? { line: placed.line }
      : { line: placed.line, startLine: placed.startLine };
  const located: Finding = { ...rest, ...anchor };
  return {
    ...located,
    fingerprint: fingerprintFinding(located, file),
    anchor,
    suggestionApplies: !placed.rangeDropped && suggestionFits(f.suggestion, anchor, index),
  };
}

/**
 * A one-click suggestion must replace exactly the commented lines with code indented like them; anything
 * else (no suggestion, a no-op, a shifted indentation) is better left as prose.
 */
function suggestionFits(
  suggestion: string | undefined,
  anchor: { line: number; startLine?: number },
  index: FileIndex,
): boolean {
  if (suggestion === undefined) return false;
  const current: string[] = [];
  for (let line = anchor.startLine ?? anchor.line; line <= anchor.line; line += 1) {
    current.push(index.byLine.get(line)?.text ?? '');
  }
  if (normalizeCode(current.join('\n')) === normalizeCode(suggestion)) return false;
  const firstSuggested = suggestion.split('\n').find((l) => l.trim() !== '');
  // An empty suggestion deletes the lines, which is a valid replacement.
  return firstSuggested === undefined || indentation(firstSuggested) === indentation(current[0] ?? '');
}

function indentation(text: string): string {
  return /^[ \t]*/.exec(text)![0];
}

function dedupe<T extends Finding & { fingerprint: string }>(items: T[]): T[] {
  const kept = new Map<string, T>();
  for (const item of items) {
    const current = kept.get(item.fingerprint);
    if (current === undefined || byPriority(item, current) < 0) kept.set(item.fingerprint, item);
  }
  return [...kept.values()];
}
