import { parseAllDocuments } from 'yaml';

/**
 * Parses TypeScript (and so JavaScript), throwing on a syntax error. In the action this is Node's own
 * `module.stripTypeScriptTypes` (Node ≥ 22.13 and 24, the action's runtime; see adapters/type-stripper.ts),
 * which keeps the bundle free of a JavaScript or TypeScript parser; tests on Node 20 pass one built on the
 * `typescript` package. Absent, JavaScript and TypeScript suggestions are checked for indentation only.
 */
export type TypeStripper = (code: string) => string;

export interface SuggestionCheckOptions {
  stripTypes?: TypeStripper;
}

/** What to check: the suggestion replaces lines `startLine..endLine` (1-based, inclusive) of `fileText`. */
export interface SuggestionCheckInput {
  path: string;
  /** The file at the PR head (the version the suggestion would be committed onto). */
  fileText: string;
  startLine: number;
  endLine: number;
  /** Replacement text; one trailing newline is ignored, an empty string deletes the lines. */
  suggestion: string;
}

/**
 * How the suggestion was vetted. `parsed`: the file parses after applying it. `indentation-only`: no parser
 * for this file type (Python, TSX/JSX, or TypeScript without a type stripper, e.g. on Node 20), indentation held. `unparseable-before`: the file did not parse before the change
 * (newer syntax, a template, JSON with comments), so a parse failure after it says nothing about the
 * suggestion; indentation held.
 */
export type SuggestionCheck = 'parsed' | 'indentation-only' | 'unparseable-before';

export type SuggestionRejection =
  'range-outside-file' | 'no-change' | 'indentation-changed' | 'does-not-parse';

export type SuggestionCheckResult =
  { ok: true; check: SuggestionCheck } | { ok: false; reason: SuggestionRejection; detail?: string };

/** Above this size a file is only checked for indentation: parsing it twice per suggestion costs too much. */
const MAX_PARSE_CHARS = 1_000_000;

/**
 * Decides whether a model's suggestion may be offered as a one-click ```suggestion block. A committed
 * suggestion that breaks the build or the indentation costs the author more than reading prose, so the
 * suggestion is applied to a scratch copy of the file and must keep the replaced lines' indentation and,
 * for languages we can parse (JSON, YAML, and JavaScript and TypeScript when a type stripper is available),
 * still parse. Anything else is shown as prose by the renderer. JSX and TSX get the indentation check only:
 * Node's type stripper does not take them.
 */
export function checkSuggestion(
  input: SuggestionCheckInput,
  opts: SuggestionCheckOptions = {},
): SuggestionCheckResult {
  const eol = input.fileText.includes('\r\n') ? '\r\n' : '\n';
  const lines = input.fileText.split(/\r?\n/);
  // A file ending in a newline splits into a last empty element, which is not a line.
  const lineCount = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  const { startLine, endLine } = input;
  if (
    !Number.isInteger(startLine) ||
    !Number.isInteger(endLine) ||
    startLine < 1 ||
    endLine < startLine ||
    endLine > lineCount
  ) {
    return {
      ok: false,
      reason: 'range-outside-file',
      detail: `lines ${startLine}-${endLine} of ${lineCount}`,
    };
  }
  const replaced = lines.slice(startLine - 1, endLine);
  const suggested = suggestionLines(input.suggestion);
  if (suggested.join('\n') === replaced.join('\n')) return { ok: false, reason: 'no-change' };

  const indentProblem = indentationProblem(replaced, suggested, lines);
  if (indentProblem !== undefined) return { ok: false, reason: 'indentation-changed', detail: indentProblem };

  const parse = parserFor(input.path, opts.stripTypes);
  if (parse === undefined || input.fileText.length > MAX_PARSE_CHARS)
    return { ok: true, check: 'indentation-only' };
  const after = [...lines.slice(0, startLine - 1), ...suggested, ...lines.slice(endLine)].join(eol);
  const before = parse(input.fileText);
  if (before.ok === false) return { ok: true, check: 'unparseable-before' };
  const result = before.reparse(after);
  return result === undefined
    ? { ok: true, check: 'parsed' }
    : { ok: false, reason: 'does-not-parse', detail: result };
}

/** The suggestion as lines, the way the renderer puts it between the fences. */
export function suggestionLines(suggestion: string): string[] {
  const text = suggestion.replace(/\r\n?/g, '\n').replace(/\n$/, '');
  return text === '' && suggestion === '' ? [] : text.split('\n');
}

function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * The first non-blank suggested line must start exactly like the first non-blank replaced line (GitHub
 * applies the block verbatim, so a shifted first line shifts the code), and no suggested line may switch
 * between tabs and spaces where the file uses one style.
 */
function indentationProblem(
  replaced: string[],
  suggested: string[],
  fileLines: string[],
): string | undefined {
  const firstReplaced = replaced.find((l) => l.trim() !== '');
  const firstSuggested = suggested.find((l) => l.trim() !== '');
  if (firstReplaced !== undefined && firstSuggested !== undefined) {
    const want = leadingWhitespace(firstReplaced);
    const got = leadingWhitespace(firstSuggested);
    if (want !== got) return `first line indented ${describe(got)} instead of ${describe(want)}`;
  }
  const style = indentStyle(replaced) ?? indentStyle(fileLines);
  if (style === undefined) return undefined;
  const wrong = style === 'spaces' ? '\t' : ' ';
  const bad = suggested.findIndex((l) => l.trim() !== '' && leadingWhitespace(l).startsWith(wrong));
  return bad === -1
    ? undefined
    : `line ${bad + 1} of the suggestion indents with ${style === 'spaces' ? 'tabs' : 'spaces'}`;
}

/** Tabs or spaces, by the majority of indented lines; undefined when nothing is indented. */
function indentStyle(lines: string[]): 'tabs' | 'spaces' | undefined {
  let tabs = 0;
  let spaces = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (line.startsWith('\t')) tabs += 1;
    else if (line.startsWith(' ')) spaces += 1;
  }
  if (tabs === 0 && spaces === 0) return undefined;
  return tabs > spaces ? 'tabs' : 'spaces';
}

function describe(ws: string): string {
  if (ws === '') return 'not at all';
  const tabs = ws.split('\t').length - 1;
  const spaces = ws.length - tabs;
  return [
    tabs > 0 ? `${tabs} tab${tabs > 1 ? 's' : ''}` : '',
    spaces > 0 ? `${spaces} space${spaces > 1 ? 's' : ''}` : '',
  ]
    .filter(Boolean)
    .join(' + ');
}

/**
 * Parsing the original picks the grammar, and the edited text must parse with that same grammar: a `.js`
 * file may be a module, a script or JSX, and whichever reading fits the original is the one to keep.
 */
type Parse = (text: string) => { ok: true; reparse: (text: string) => string | undefined } | { ok: false };

/** A parse function for the path's file type, or undefined when no parser is available for it. */
function parserFor(path: string, stripTypes: TypeStripper | undefined): Parse | undefined {
  const name = path.toLowerCase();
  const ext = /\.([a-z0-9]+)$/.exec(name)?.[1];
  if (ext === 'json') return single((t) => void JSON.parse(t));
  if (ext === 'yml' || ext === 'yaml') return single(parseYaml);
  if (['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].includes(ext ?? '') && stripTypes !== undefined) {
    return single((text) => void stripTypes(text));
  }
  return undefined;
}

function single(check: (text: string) => void): Parse {
  return (text) =>
    errorOf(check, text) === undefined
      ? { ok: true, reparse: (after) => errorOf(check, after) }
      : { ok: false };
}

function errorOf(parse: (text: string) => void, text: string): string | undefined {
  try {
    parse(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.slice(0, 200) : 'parse error';
  }
}

function parseYaml(text: string): void {
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    const first = doc.errors[0];
    if (first !== undefined) throw new Error(first.message);
  }
}
