import { Lexer, type Token, type Tokens } from 'marked';

/** What stands in the text where code was removed. */
export const CODE_OMITTED = '[code omitted]';

/** Text with none of these can hold no code block, code span or HTML: nearly every finding skips the parser. */
const MAY_HOLD_CODE = /`|~~~|<|\t| {4}/;
/** An inline code span kept as it is: a name, a call or a path, too short to carry a line of code. */
const KEPT_SPAN = /^\S{1,40}$/;
/** HTML elements whose content is code or is shown as code. */
const CODE_ELEMENT = /<\/?(?:code|pre|samp|tt|xmp|listing|plaintext|script|style|textarea)(?=[\s/>])/i;
const HTML_TAG = /<!--[\s\S]*?-->|<(\/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^>]*>/g;

interface Span {
  start: number;
  end: number;
}
/** Maps an offset in the text a token list was lexed from to an offset in the whole source. */
type ToSource = (offset: number) => number;

/**
 * Removes code from finding prose: fenced and indented code blocks at any depth (in list items and
 * blockquotes too), HTML code elements (`<pre>`, `<code>`, `<samp>`...) and inline code spans longer than
 * a name. The results API must never store code; both the action (before sending) and the API (on
 * receipt) call this. The text is parsed as Markdown (marked's lexer), and each piece of code is replaced
 * by `[code omitted]` in the original text, so the prose and its markup stay as they were.
 */
export function stripCodeBlocks(text: string): string {
  if (!MAY_HOLD_CODE.test(text)) return text;
  const source = expandTabs(text.replace(/\r\n?/g, '\n'));
  try {
    // What is left of a fence (a short span's, a stray one) goes too: the stored text can never open a
    // code block wherever it is shown.
    return omit(source, codeSpans(source)).replace(/`{3,}|~{3,}/g, '');
  } catch {
    // The lexer recurses once per nesting level: thousands of nested quotes overflow the stack. Such a
    // text keeps nothing rather than risk keeping code.
    return CODE_OMITTED;
  }
}

/** The code found so far, and the HTML code element open at this point of the text, if any. */
interface Walk {
  spans: Span[];
  element?: { name: string; depth: number; start: number };
}

/** Where the code is in `source`, as offsets, from its tokens and theirs. */
function codeSpans(source: string): Span[] {
  const walk: Walk = { spans: [] };
  visit(walk, Lexer.lex(source), source, (o) => o);
  if (walk.element !== undefined) walk.spans.push({ start: walk.element.start, end: source.length });
  return walk.spans;
}

/** Visits tokens lexed from `text`, each where its raw text stands in `text`. */
function visit(walk: Walk, tokens: Token[], text: string, toSource: ToSource): void {
  let cursor = 0;
  for (const token of tokens) {
    // A task item's checkbox is lexed from the item's raw text, not from the text its siblings come from.
    if (token.type === 'checkbox') continue;
    const at = text.startsWith(token.raw, cursor) ? cursor : text.indexOf(token.raw, cursor);
    if (at < 0) {
      if (holdsCode(token)) walk.spans.push({ start: toSource(0), end: toSource(text.length) });
      continue;
    }
    cursor = at + token.raw.length;
    visitToken(walk, token, (o) => toSource(at + o));
  }
}

/** One token, with `toSource` mapping offsets in its raw text. */
function visitToken(walk: Walk, token: Token, toSource: ToSource): void {
  switch (token.type) {
    case 'code':
      return omitToken(walk, token, toSource);
    case 'codespan':
      if (!KEPT_SPAN.test((token as Tokens.Codespan).text)) omitToken(walk, token, toSource);
      return;
    case 'html':
      return scanHtml(walk, token.raw, toSource);
    case 'list':
      return visit(walk, (token as Tokens.List).items, token.raw, toSource);
    case 'table':
      if (!visitCells(walk, token as Tokens.Table, toSource)) omitToken(walk, token, toSource);
      return;
  }
  const { tokens, text } = token as Tokens.Generic;
  if (!tokens) return;
  const inner = typeof text === 'string' ? text : token.raw;
  const toRaw = locate(inner, token.raw);
  if (toRaw) return visit(walk, tokens, inner, (o) => toSource(toRaw(o)));
  if (!tokens.some(holdsCode)) return;
  omitToken(walk, token, toSource);
  // Its HTML code elements may close only after it: their tags are where they stand in its raw text.
  scanHtml(walk, token.raw, toSource);
}

/** The whole token is code, up to its last line's end (the line break after it is not). */
function omitToken(walk: Walk, token: Token, toSource: ToSource): void {
  walk.spans.push({ start: toSource(0), end: toSource(token.raw.replace(/\n+$/, '').length) });
}

/** Visits each cell where it stands in the table's raw text; false when a cell holding code is not found. */
function visitCells(walk: Walk, table: Tokens.Table, toSource: ToSource): boolean {
  let from = 0;
  for (const cell of [...table.header, ...table.rows.flat()]) {
    const at = table.raw.indexOf(cell.text, from);
    if (at < 0) {
      if (cell.tokens.some(holdsCode)) return false;
      continue;
    }
    from = at + cell.text.length;
    visit(walk, cell.tokens, cell.text, (o) => toSource(at + o));
  }
  return true;
}

/** An HTML code element is removed with all it holds, up to its closing tag, whatever lies between. */
function scanHtml(walk: Walk, raw: string, toSource: ToSource): void {
  for (const tag of raw.matchAll(HTML_TAG)) {
    const name = tag[2]?.toLowerCase();
    if (name === undefined) continue;
    const closing = tag[1] === '/';
    const open = walk.element;
    if (open === undefined) {
      if (!closing && CODE_ELEMENT.test(tag[0]) && !tag[0].endsWith('/>'))
        walk.element = { name, depth: 1, start: toSource(tag.index) };
    } else if (name === open.name) {
      open.depth += closing ? -1 : 1;
      if (open.depth === 0) {
        walk.spans.push({ start: open.start, end: toSource(tag.index + tag[0].length) });
        walk.element = undefined;
      }
    }
  }
}

/**
 * Tabs as spaces to the next multiple of four columns: what CommonMark reads them as wherever they shape
 * the blocks (a tab after a list marker can start an indented code block), which the lexer does not
 * always do. The text comes back with spaces where its tabs were.
 */
function expandTabs(text: string): string {
  if (!text.includes('\t')) return text;
  return text.replace(/^[^\n]*\t[^\n]*$/gm, (line) => {
    let out = '';
    for (const char of line) out += char === '\t' ? ' '.repeat(4 - (out.length % 4)) : char;
    return out;
  });
}

/**
 * Offsets in `inner` (the text a container's children were lexed from) as offsets in the container's
 * `raw` text: `inner` is a piece of `raw` (a paragraph, a heading, a link's text), or each of its lines
 * ends a line of `raw` whose start (a blockquote's `>`, a list item's marker or indentation) was removed.
 * Undefined when neither holds (tabs the lexer expanded, say).
 */
function locate(inner: string, raw: string): ((offset: number) => number) | undefined {
  const at = raw.indexOf(inner);
  if (at >= 0) return (o) => at + o;
  const innerLines = inner.split('\n');
  const rawLines = raw.split('\n');
  if (innerLines.length > rawLines.length) return undefined;
  const starts: number[] = [];
  const shifts: number[] = [];
  let innerStart = 0;
  let rawStart = 0;
  for (let i = 0; i < innerLines.length; i++) {
    const line = innerLines[i]!;
    const rawLine = rawLines[i]!;
    if (!rawLine.endsWith(line)) return undefined;
    starts.push(innerStart);
    shifts.push(rawStart + rawLine.length - line.length - innerStart);
    innerStart += line.length + 1;
    rawStart += rawLine.length + 1;
  }
  return (o) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return o + shifts[lo]!;
  };
}

/** True when the token is, or holds, something `stripCodeBlocks` removes. */
function holdsCode(token: Token): boolean {
  if (token.type === 'code') return true;
  if (token.type === 'codespan') return !KEPT_SPAN.test((token as Tokens.Codespan).text);
  if (token.type === 'html') return CODE_ELEMENT.test(token.raw);
  if (token.type === 'list') return (token as Tokens.List).items.some(holdsCode);
  if (token.type === 'table') {
    const table = token as Tokens.Table;
    return [...table.header, ...table.rows.flat()].some((cell) => cell.tokens.some(holdsCode));
  }
  return (token as Tokens.Generic).tokens?.some(holdsCode) ?? false;
}

/** The source with each span (overlapping ones merged) replaced by CODE_OMITTED. */
function omit(source: string, spans: Span[]): string {
  if (spans.length === 0) return source;
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let kept = 0;
  let current: Span | undefined;
  for (const span of spans) {
    if (current !== undefined && span.start <= current.end) {
      current.end = Math.max(current.end, span.end);
      continue;
    }
    if (current !== undefined) out += source.slice(kept, current.start) + CODE_OMITTED;
    kept = current?.end ?? 0;
    current = { ...span };
  }
  out += source.slice(kept, current!.start) + CODE_OMITTED + source.slice(current!.end);
  return out;
}

/** Caps a string at `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}
