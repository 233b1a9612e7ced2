import type { DiffFile, DiffLine, FileStatus, Hunk } from '../types.js';

/**
 * The flags the git adapter passes before `<base> <head>`. Each one pins output that user or system git
 * config could otherwise change under the parser: colour, external diff drivers and textconv filters,
 * `diff.noprefix`/`diff.mnemonicPrefix` (prefixes), `diff.relative`, `diff.submodule=log`, and
 * `core.quotepath` (non-ASCII paths come out raw; paths with control characters, quotes or backslashes
 * are still C-quoted, and the parser decodes both forms).
 */
export const GIT_DIFF_ARGS: string[] = [
  '-c',
  'core.quotepath=false',
  'diff',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--no-relative',
  '--submodule=short',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  '--find-renames',
  '--unified=3',
];

const SUBMODULE_MODE = '160000';
const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;
const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
const utf8 = new TextDecoder();

/** What the extended header lines between `diff --git` and the first hunk say about one file. */
interface FileHeader {
  gitLine: string;
  oldPath?: string;
  newPath?: string;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
  added: boolean;
  deleted: boolean;
  modeChanged: boolean;
  binary: boolean;
  submodule: boolean;
}

/**
 * Parses `git diff` output produced with {@link GIT_DIFF_ARGS} into files and hunks. Hunk bodies are read
 * by the line counts in their `@@` headers, never by looking for the next `diff --git`, so content that
 * looks like diff syntax (a patch file under review) cannot derail the parser. Line text keeps a trailing
 * `\r` from CRLF files; `\ No newline at end of file` markers are dropped.
 */
export function parseDiff(text: string): DiffFile[] {
  const lines = text.split('\n');
  const files: DiffFile[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i]!.startsWith('diff --git ')) {
      i++;
      continue;
    }
    const { header, next } = readHeader(lines, i);
    const read = readHunks(lines, next);
    i = read.next;
    files.push(toDiffFile(header, read.hunks));
  }
  return files;
}

/**
 * Parses one file's hunks without the file header, as GitHub's pull request files API gives them (its
 * `patch` field): read as {@link parseDiff} reads a file's hunks, by the line counts in their headers.
 */
export function parseHunks(patch: string): Hunk[] {
  return readHunks(patch.split('\n'), 0).hunks;
}

/** New-file line numbers of the lines hunks show on the RIGHT side (context and added): where comments go. */
export function rightSideLines(hunks: readonly Hunk[]): Set<number> {
  const lines = new Set<number>();
  for (const hunk of hunks) {
    for (const line of hunk.lines) if (line.newLine !== undefined) lines.add(line.newLine);
  }
  return lines;
}

const FILE_HEADER = '\ndiff --git ';

/**
 * Parses `git diff` output while it arrives, so the parsing overlaps git's own work: each time the text
 * holds a new file header, the files before it are parsed. A line starting with `diff --git ` is always a
 * file header (inside a hunk every line starts with ` `, `+`, `-` or `\`), so cutting there parses exactly
 * as {@link parseDiff} parses the whole text. Text is kept as pieces and joined once per cut, never rescanned.
 * `onFiles` sees each batch of files as soon as it is parsed, in order (the batches make up the result).
 */
export class DiffStreamParser {
  private parts: string[] = [];
  private length = 0;
  /** The end of the pending text, to find a header split across two pushes. */
  private tail = '';
  private readonly files: DiffFile[] = [];

  constructor(private readonly onFiles?: (files: DiffFile[]) => void) {}

  push(text: string): void {
    if (text === '') return;
    const probe = this.tail + text;
    const hit = probe.lastIndexOf(FILE_HEADER);
    this.parts.push(text);
    this.length += text.length;
    this.tail = probe.slice(-(FILE_HEADER.length - 1));
    if (hit < 0) return;
    const cut = this.length - probe.length + hit;
    const pending = this.parts.join('');
    this.add(parseDiff(pending.slice(0, cut)));
    const rest = pending.slice(cut + 1);
    this.parts = [rest];
    this.length = rest.length;
    this.tail = rest.slice(-(FILE_HEADER.length - 1));
  }

  /** The files of the whole output, once it has all been pushed. */
  end(): DiffFile[] {
    this.add(parseDiff(this.parts.join('')));
    this.parts = [];
    this.length = 0;
    this.tail = '';
    return this.files;
  }

  private add(files: DiffFile[]): void {
    if (files.length === 0) return;
    for (const file of files) this.files.push(file);
    this.onFiles?.(files);
  }
}

function readHeader(lines: string[], start: number): { header: FileHeader; next: number } {
  const header: FileHeader = {
    gitLine: stripCr(lines[start]!).slice('diff --git '.length),
    added: false,
    deleted: false,
    modeChanged: false,
    binary: false,
    submodule: false,
  };
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = stripCr(lines[i]!);
    if (line.startsWith('@@ ') || line.startsWith('diff --git ')) break;
    applyHeaderLine(header, line);
  }
  return { header, next: i };
}

function applyHeaderLine(header: FileHeader, line: string): void {
  if (line.startsWith('--- ')) header.oldPath = fileLinePath(line.slice(4), 'a/');
  else if (line.startsWith('+++ ')) header.newPath = fileLinePath(line.slice(4), 'b/');
  else if (line.startsWith('rename from ')) header.renameFrom = unquote(line.slice(12));
  else if (line.startsWith('rename to ')) header.renameTo = unquote(line.slice(10));
  else if (line.startsWith('copy from ')) header.copyFrom = unquote(line.slice(10));
  else if (line.startsWith('copy to ')) header.copyTo = unquote(line.slice(8));
  else if (line.startsWith('new file mode ')) markMode(header, 'added', line);
  else if (line.startsWith('deleted file mode ')) markMode(header, 'deleted', line);
  else if (line.startsWith('old mode ')) header.modeChanged = true;
  else if (line.startsWith('index ') && line.endsWith(` ${SUBMODULE_MODE}`)) header.submodule = true;
  else if (line.startsWith('Binary files ') || line === 'GIT binary patch') header.binary = true;
}

function markMode(header: FileHeader, flag: 'added' | 'deleted', line: string): void {
  header[flag] = true;
  if (line.endsWith(` ${SUBMODULE_MODE}`)) header.submodule = true;
}

/** The path of a `---`/`+++` line; git appends a tab when the path contains a space. */
function fileLinePath(rest: string, prefix: string): string | undefined {
  const value = rest.endsWith('\t') ? rest.slice(0, -1) : rest;
  if (value === '/dev/null') return undefined;
  const path = unquote(value);
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** The hunks starting at `start`, one after another, up to the first line that does not begin one. */
function readHunks(lines: string[], start: number): { hunks: Hunk[]; next: number } {
  const hunks: Hunk[] = [];
  let i = start;
  while (i < lines.length && lines[i]!.startsWith('@@ ')) {
    const parsed = readHunk(lines, i);
    if (!parsed) break;
    hunks.push(parsed.hunk);
    i = parsed.next;
  }
  return { hunks, next: i };
}

function readHunk(lines: string[], start: number): { hunk: Hunk; next: number } | undefined {
  const m = HUNK_HEADER.exec(stripCr(lines[start]!));
  if (!m) return undefined;
  const hunk: Hunk = {
    oldStart: Number(m[1]),
    oldLines: m[2] === undefined ? 1 : Number(m[2]),
    newStart: Number(m[3]),
    newLines: m[4] === undefined ? 1 : Number(m[4]),
    header: m[5] ?? '',
    lines: [],
  };
  let oldLeft = hunk.oldLines;
  let newLeft = hunk.newLines;
  let oldLine = hunk.oldStart;
  let newLine = hunk.newStart;
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const mark = line.charCodeAt(0);
    if (mark === 92 /* \ */) continue;
    if (oldLeft <= 0 && newLeft <= 0) break;
    const text = line.slice(1);
    if (mark === 43 /* + */ && newLeft > 0) {
      hunk.lines.push({ kind: 'add', text, newLine: newLine++ });
      newLeft--;
    } else if (mark === 45 /* - */ && oldLeft > 0) {
      hunk.lines.push({ kind: 'del', text, oldLine: oldLine++ });
      oldLeft--;
    } else if ((mark === 32 /* space */ || line === '') && oldLeft > 0 && newLeft > 0) {
      // An empty line stands for an empty context line whose leading space was trimmed in transit.
      hunk.lines.push({ kind: 'context', text, oldLine: oldLine++, newLine: newLine++ } satisfies DiffLine);
      oldLeft--;
      newLeft--;
    } else {
      break;
    }
  }
  return { hunk, next: i };
}

function toDiffFile(header: FileHeader, hunks: Hunk[]): DiffFile {
  const [gitOld, gitNew] = gitLinePaths(header.gitLine);
  const oldPath = header.renameFrom ?? header.copyFrom ?? header.oldPath ?? gitOld;
  const newPath = header.renameTo ?? header.copyTo ?? header.newPath ?? gitNew;
  const status = fileStatus(header, hunks);
  const file: DiffFile = {
    path: (status === 'deleted' ? oldPath : newPath) ?? '',
    status,
    binary: header.binary,
    submodule: header.submodule,
    hunks,
    ...countChanges(hunks),
  };
  if ((status === 'renamed' || status === 'copied') && oldPath !== undefined) file.oldPath = oldPath;
  return file;
}

/** Added and deleted lines of `hunks`: a file's `additions` and `deletions`. */
export function countChanges(hunks: readonly Hunk[]): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const hunk of hunks) {
    for (const line of hunk.lines) {
      if (line.kind === 'add') additions += 1;
      else if (line.kind === 'del') deletions += 1;
    }
  }
  return { additions, deletions };
}

function fileStatus(header: FileHeader, hunks: Hunk[]): FileStatus {
  if (header.added) return 'added';
  if (header.deleted) return 'deleted';
  if (header.renameTo !== undefined) return 'renamed';
  if (header.copyTo !== undefined) return 'copied';
  if (header.modeChanged && hunks.length === 0 && !header.binary) return 'mode-changed';
  return 'modified';
}

/**
 * Both paths of the `diff --git a/X b/Y` line, the only place a binary or mode-only change names its file.
 * Unquoted paths may contain spaces, so the line is ambiguous in general; it is unambiguous when both
 * sides are the same path, which is the only case where no other header line names the file.
 */
function gitLinePaths(gitLine: string): [string | undefined, string | undefined] {
  if (gitLine.startsWith('"')) {
    const end = quotedEnd(gitLine);
    const first = unquote(gitLine.slice(0, end + 1));
    const second = unquote(gitLine.slice(end + 2));
    return [stripPrefix(first, 'a/'), stripPrefix(second, 'b/')];
  }
  if (gitLine.endsWith('"')) {
    const start = gitLine.indexOf(' "b/');
    return [stripPrefix(gitLine.slice(0, start), 'a/'), stripPrefix(unquote(gitLine.slice(start + 1)), 'b/')];
  }
  const half = (gitLine.length - 1) / 2;
  const first = gitLine.slice(0, half);
  const second = gitLine.slice(half + 1);
  if (Number.isInteger(half) && first.slice(2) === second.slice(2)) {
    return [stripPrefix(first, 'a/'), stripPrefix(second, 'b/')];
  }
  return [undefined, undefined];
}

function stripPrefix(path: string, prefix: string): string {
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** Index of the closing quote of a C-quoted string starting at index 0. */
function quotedEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

/** Decodes git's C-style quoting (`"a/\303\251 \"x\""`): octal escapes are UTF-8 bytes. */
function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 1; i < value.length - 1; i++) {
    const ch = value[i]!;
    if (ch !== '\\') {
      const code = value.codePointAt(i)!;
      if (code < 0x80) bytes.push(code);
      else {
        const char = String.fromCodePoint(code);
        bytes.push(...encoder.encode(char));
        i += char.length - 1;
      }
      continue;
    }
    const next = value[++i]!;
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(value.slice(i, i + 3), 8));
      i += 2;
    } else {
      bytes.push(C_ESCAPES[next] ?? next.charCodeAt(0));
    }
  }
  return utf8.decode(new Uint8Array(bytes));
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
