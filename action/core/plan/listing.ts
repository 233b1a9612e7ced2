import type { DiffLine, FileSlice, Hunk } from '../types.js';
import { tokenWeight } from './tokens.js';
import { neutralizeUntrustedTags, revealInvisible } from '../input/untrusted.js';

/**
 * The code listing of one file (or part of one) as the model reads it, the format the system prompt
 * describes (prompt.ts) and the packer sizes (chunk.ts), kept in one place so that both agree to the
 * character:
 *
 *     ## src/upload.ts (modified)          heading: path, status, "from <old path>", "part i/n"
 *     applies: r1, i2                      the team rules and instructions for this file, by id
 *     8:// Uploads files.                  line 8, read from the checkout for context (cannot carry a comment)
 *     @@ export class Uploader             a hunk starts; git's name of the enclosing block, unless shown
 *     10 function upload() {               line 10, unchanged, inside the hunk
 *     -  send();                           a deleted line: no new-file number
 *     11+  retry(send);                    line 11, added
 *
 * The gutter is the line number and a one-character mark, nothing else. A padded gutter (`  11 + `,
 * numbers padded to the widest, a space either side of the mark, deleted lines padded with blanks) costs
 * two to four more characters a row, 7 % of the prompt on the benchmark's 1000-file PR; the mark alone
 * still separates the number from the code, and the code keeps its own indentation after it.
 */
export function renderListing(slice: FileSlice, applies: readonly string[]): string {
  const cached = rendered.get(slice);
  if (cached && sameIds(cached.applies, applies)) return cached.text;
  const text = displayText([...headingRows(slice, applies), ...codeRows(slice)].join('\n'));
  rendered.set(slice, { applies: [...applies], text });
  return text;
}

/**
 * The last listing rendered for each slice: packing sizes a slice by rendering it, and the request that
 * carries it renders the same slice again (the largest cost between the diff and the first request on a
 * 1000-file PR). Slices are not changed once built, so the text can be reused for the same ids.
 */
const rendered = new WeakMap<FileSlice, { applies: readonly string[]; text: string }>();

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * Estimated tokens (unrounded, see tokenWeight) the listing adds to a request, the newline that joins it
 * to the text before it included. Exact, since it measures the rendered text itself.
 */
export function listingTokens(slice: FileSlice, applies: readonly string[]): number {
  return tokenWeight(`\n${renderListing(slice, applies)}`);
}

/**
 * Estimated tokens (unrounded) of a run of hunks and their context without the file's heading: what
 * they add to a listing when cut into parts.
 */
export function codeTokens(code: Pick<FileSlice, 'hunks' | 'context'>): number {
  return tokenWeight(
    displayText(
      codeRows(code)
        .map((r) => `\n${r}`)
        .join(''),
    ),
  );
}

/** Estimated tokens of one row of a hunk, its newline included: what a line costs when a hunk is cut. */
export function rowTokens(line: DiffLine): number {
  return tokenWeight(`\n${displayText(row(line.newLine, mark(line), line.text))}`);
}

/** Estimated tokens of a hunk's opening row at most (git's block name shown). */
export function hunkRowTokens(hunk: Hunk): number {
  return tokenWeight(`\n${displayText(hunkRow(hunk.header.trim(), false))}`);
}

function headingRows(slice: FileSlice, applies: readonly string[]): string[] {
  const { file } = slice;
  const facts = [
    file.status,
    file.oldPath && `from ${escapeLineBreaks(file.oldPath)}`,
    slice.part && `part ${slice.part.index}/${slice.part.of}`,
  ];
  const out = [`## ${escapeLineBreaks(file.path)} (${facts.filter(Boolean).join(', ')})`];
  if (applies.length > 0) out.push(`applies: ${applies.join(', ')}`);
  return out;
}

/** Hunks in order, with the checkout's context lines interleaved by line number. */
function codeRows(slice: Pick<FileSlice, 'hunks' | 'context'>): string[] {
  const context = [...(slice.context ?? [])].sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  // Lines shown so far (trimmed), to tell whether a hunk's block name is already on screen.
  const shown: string[] = [];
  let next = 0;
  const contextBefore = (limit: number) => {
    for (; next < context.length && context[next]![0] < limit; next++) {
      const [n, text] = context[next]!;
      out.push(row(n, ':', text));
      shown.push(text.trim());
    }
  };
  for (const hunk of slice.hunks) {
    contextBefore(firstNewLine(hunk));
    const name = hunk.header.trim();
    out.push(hunkRow(name, name !== '' && isShown(shown, name)));
    for (const line of hunk.lines) {
      out.push(row(line.newLine, mark(line), line.text));
      if (line.newLine !== undefined) shown.push(line.text.trim());
    }
  }
  contextBefore(Infinity);
  return out;
}

/**
 * git names the enclosing function or block after `@@` (cut at 80 characters). When that line is
 * already in the listing above the hunk (as context read from the checkout, or in an earlier hunk), the
 * name says nothing new and is left out: the names were 5 % of the prompt on the benchmark's 1000-file
 * PR, and 40 % of them repeated a line shown just above.
 */
function hunkRow(name: string, nameShown: boolean): string {
  return name === '' || nameShown ? '@@' : `@@ ${name}`;
}

function isShown(shown: string[], name: string): boolean {
  for (let i = shown.length - 1; i >= 0; i--) if (shown[i]!.startsWith(name)) return true;
  return false;
}

function mark(line: DiffLine): string {
  return line.kind === 'add' ? '+' : line.kind === 'del' ? '-' : ' ';
}

function row(newLine: number | undefined, mark: string, text: string): string {
  const shown = text.endsWith('\r') ? text.slice(0, -1) : text;
  const gutter = `${newLine ?? ''}${mark}`;
  return shown === '' ? gutter.trimEnd() : `${gutter}${shown}`;
}

function firstNewLine(hunk: Hunk): number {
  return hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
}

/**
 * Code and paths are shown as they are, except that nothing stays invisible or closes the untrusted
 * wrapper: applied to the whole listing, headings included, since a path is as untrusted as the code (git
 * allows any character in it but NUL). Both rewrite single lines, so a listing rendered alone reads (and
 * costs) the same as inside a request.
 */
function displayText(text: string): string {
  return neutralizeUntrustedTags(revealInvisible(text));
}

/** A path as the listing's heading shows it (and so as the model copies it into a finding). */
export function displayPath(path: string): string {
  return displayText(escapeLineBreaks(path));
}

/** A code line as the listing shows it (and so as the model quotes it). */
export function displayLine(text: string): string {
  return displayText(text);
}

/**
 * A path may contain a newline or tab: escaped, so that it stays on its heading line and cannot start a
 * forged row (the other invisible and line-breaking characters are revealed by displayText).
 */
function escapeLineBreaks(path: string): string {
  return path.replace(/[\t\n\r]/g, (c) => JSON.stringify(c).slice(1, -1));
}
