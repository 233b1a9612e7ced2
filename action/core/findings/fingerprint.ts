import { createHash } from 'node:crypto';
import type { Finding } from '../../../shared/index.js';
import type { DiffFile } from '../types.js';

/** Hex characters kept from the SHA-256: 128 bits, short enough for markers and the summary state. */
const FINGERPRINT_HEX = 32;
/** A model-given range longer than this is not a real range; only its last lines identify the code. */
const MAX_RANGE_LINES = 100;

/** Collapses whitespace so re-indentation or trailing spaces do not make a known finding look new. */
export function normalizeCode(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The RIGHT-side (context or added) text at a new-file line, if the diff shows that line. */
export function rightSideText(file: DiffFile, line: number): string | undefined {
  for (const hunk of file.hunks) {
    if (line < hunk.newStart || line >= hunk.newStart + hunk.newLines) continue;
    const found = hunk.lines.find((l) => l.kind !== 'del' && l.newLine === line);
    if (found) return found.text;
  }
  return undefined;
}

/**
 * Identifies a finding across runs and pushes: path, category and the normalized code of the lines it
 * points at (never the line number, so it survives lines shifting above it). When the diff does not show
 * those lines the normalized title stands in, so the finding still gets a stable identity.
 */
export function fingerprintFinding(f: Finding, file: DiffFile | undefined): string {
  const code = file ? codeOf(file, f.startLine ?? f.line, f.line) : '';
  const basis = code !== '' ? `code\0${code}` : `title\0${normalizeCode(f.title).toLowerCase()}`;
  return createHash('sha256')
    .update(`${f.path}\0${f.category}\0${basis}`)
    .digest('hex')
    .slice(0, FINGERPRINT_HEX);
}

function codeOf(file: DiffFile, from: number, to: number): string {
  const lines: string[] = [];
  for (let line = Math.max(from, to - MAX_RANGE_LINES + 1); line <= to; line += 1) {
    const text = rightSideText(file, line);
    if (text !== undefined) lines.push(normalizeCode(text));
  }
  return lines.join('\n').trim();
}
