import { LIMITS, truncate } from '../../../shared/index.js';
import { neutralizeMarkers } from './markers.js';
import { redactSecrets } from '../input/secrets.js';

export interface SanitizeOptions {
  /** The GitHub server the PR lives on (github.com or a GHES host): the only host links may point to. */
  serverUrl: string;
  /** Cap on the input text, before escaping. Defaults to the finding body limit. */
  maxChars?: number;
}

/** Invisible, bidi and tag characters hide text from reviewers; U+E000/U+E001 are our own placeholders. */
const INVISIBLE =
  /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uE000\uE001]|[\u{E0000}-\u{E007F}]/gu;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
/** Link text with one level of nested brackets, and a destination with one level of parentheses. */
const TEXT = String.raw`(?:[^\[\]\n]|\[[^\[\]\n]*\])*`;
const DEST = String.raw`(?:[^()\n]|\([^()\n]*\))*`;
/**
 * Link-like constructs, case-insensitive as GitHub matches them. An e-mail address (which GitHub links as
 * mailto:, `name@1.2.3` included) and a mention are wrapped in code; a mention is `@login` after anything
 * but a word character, `@@login` too: GitHub still pings there.
 */
const INLINE = new RegExp(
  [
    String.raw`^ {0,3}\[(?<defLabel>[^\]\n]+)\]:[ \t]*(?<defUrl>\S+)[^\n]*$`,
    String.raw`!\[(?<alt>${TEXT})\](?:\(${DEST}\)|\[[^\]\n]*\])?`,
    String.raw`\[(?<text>${TEXT})\]\((?<url>${DEST})\)`,
    String.raw`(?<bare>(?<![\w/])(?:https?:\/\/|www\.)[^\s<>\`\uE000\uE001]+)`,
    String.raw`(?<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)`,
    String.raw`(?<ref>(?<![\w/.-])[\w.-]+\/[\w.-]+#\d+)`,
    String.raw`(?<mention>(?<!\w)@+[a-z0-9][a-z0-9-]*(?:\/[\w.-]+)?)`,
  ].join('|'),
  'gim',
);
/**
 * Paths on the GitHub host whose link puts a cross-reference in that issue, pull request or discussion's
 * timeline. Whose repository it is cannot be told here, so every such link is shown as code.
 */
const CROSS_REFERENCE =
  /^\/(?:[^/]+\/[^/]+\/(?:issues|pull|discussions)|orgs\/[^/]+\/discussions)\/\d+(?:\/|$)/i;
/** A backtick not escaped by an odd run of backslashes. */
const UNESCAPED_BACKTICK = /(?<!(?:^|[^\\])\\(?:\\\\)*)`/g;

/**
 * Makes model-written markdown safe to post under our name. The model read untrusted code and PR text, so
 * its output may carry injected HTML, tracking images, phishing links, pings to people or other
 * repositories, leaked secrets or fake diffray markers; all are disarmed here, while fenced code is kept
 * verbatim (and always closed, so it cannot swallow what we append after it).
 */
export function sanitizeModelMarkdown(text: string, opts: SanitizeOptions): string {
  const visible = text.replace(/\r\n?/g, '\n').replace(INVISIBLE, '');
  const capped = truncate(redactSecrets(visible), opts.maxChars ?? LIMITS.findingBodyChars);
  const host = hostOf(opts.serverUrl);
  return splitFences(neutralizeMarkers(capped))
    .map((segment) => (segment.code ? segment.text : sanitizeProse(segment.text, host)))
    .join('\n');
}

/** A single-line, sanitized title for headings, list items and annotations. */
export function sanitizeTitle(title: string, opts: SanitizeOptions): string {
  const maxChars = opts.maxChars ?? LIMITS.findingTitleChars;
  return sanitizeModelMarkdown(title.replace(/\s+/g, ' ').trim(), { ...opts, maxChars });
}

/** An inline code span that no backtick inside `text` can close early. */
export function codeSpan(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${clean}${pad}${ticks}`;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

interface Segment {
  code: boolean;
  text: string;
}

/** Splits prose from fenced code blocks, closing a fence the text left open. */
function splitFences(text: string): Segment[] {
  const segments: Segment[] = [];
  let prose: string[] = [];
  let fence: { marker: string; lines: string[] } | undefined;
  const flushProse = () => {
    if (prose.length > 0) segments.push({ code: false, text: prose.join('\n') });
    prose = [];
  };
  for (const line of text.split('\n')) {
    if (fence !== undefined) {
      fence.lines.push(line);
      if (closesFence(line, fence.marker)) {
        segments.push({ code: true, text: fence.lines.join('\n') });
        fence = undefined;
      }
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !(open[1]!.startsWith('`') && open[2]!.includes('`'))) {
      flushProse();
      fence = { marker: open[1]!, lines: [line] };
    } else {
      prose.push(line);
    }
  }
  if (fence !== undefined) segments.push({ code: true, text: [...fence.lines, fence.marker].join('\n') });
  flushProse();
  return segments;
}

function closesFence(line: string, marker: string): boolean {
  const close = FENCE_CLOSE.exec(line)?.[1];
  return close !== undefined && close[0] === marker[0] && close.length >= marker.length;
}

/**
 * Code spans are set aside first (their content is literal), then raw HTML is escaped and every link-like
 * construct is rewritten into a placeholder. What remains cannot form a link: `](`, `]:` and `][` are
 * backslash-escaped, which also defeats nestings the patterns above do not parse. A backtick left over
 * could pair with one of the code spans put in (and a backslash before one could escape it), undoing
 * the span around a mention or a link: leftover backticks become `&#96;`, and an odd run of backslashes
 * before a placeholder gets one more.
 */
function sanitizeProse(text: string, host: string | undefined): string {
  const slots: string[] = [];
  const hold = (safe: string) => `\uE000${slots.push(safe) - 1}\uE001`;
  const restore = (s: string): string => s.replace(PLACEHOLDER, (_, i: string) => restore(slots[Number(i)]!));

  const inline = (s: string): string =>
    s
      .replace(/</g, '&lt;')
      .replace(INLINE, (match: string, ...args: unknown[]) => {
        const g = args.at(-1) as Record<string, string | undefined>;
        return hold(rewrite(match, g));
      })
      .replace(/\](?=[(:[])/g, ']\\')
      .replace(UNESCAPED_BACKTICK, '&#96;')
      .replace(/\\+(?=\uE000)/g, (run) => (run.length % 2 === 1 ? `${run}\\` : run));

  const rewrite = (match: string, g: Record<string, string | undefined>): string => {
    if (g.defLabel !== undefined) return `${inline(g.defLabel)}: ${codeSpan(plainUrl(g.defUrl!))}`;
    if (g.alt !== undefined) return inline(g.alt);
    if (g.text !== undefined) {
      const href = allowedHref(g.url!, host, restore);
      const label = inline(g.text);
      return href !== undefined ? `[${label}](${href})` : `${label} (${codeSpan(plainUrl(restore(g.url!)))})`;
    }
    if (g.bare !== undefined) {
      const [, url, trailing] = /^(.*?)([.,;:!?)\]'"*_~]*)$/s.exec(match)!;
      const absolute = url!.startsWith('www.') ? `http://${url}` : url!;
      return `${allowedHref(absolute, host, restore) !== undefined ? url : codeSpan(plainUrl(url!))}${trailing}`;
    }
    return codeSpan(match);
  };

  // Spans stop at the line end: a span across lines could hide HTML that starts a block on the next line.
  // An opening run is whole and unescaped, as CommonMark reads it.
  const withCode = text.replace(/(?<!`)(?<!(?:^|[^\\])\\(?:\\\\)*)(`+)(?!`)([^\n]*?[^`\n])\1(?!`)/g, (span) =>
    hold(span),
  );
  return restore(inline(withCode));
}

/** The link target when it is http(s) on the PR's own GitHub host; relative links resolve against it. */
function allowedHref(
  dest: string,
  host: string | undefined,
  restore: (s: string) => string,
): string | undefined {
  if (host === undefined) return undefined;
  const url = plainUrl(restore(dest).trim().split(/\s+/)[0] ?? '');
  try {
    const parsed = new URL(url, `https://${host}/`);
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.host !== host) return undefined;
    if (CROSS_REFERENCE.test(parsed.pathname)) return undefined;
    return parsed.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return undefined;
  }
}

/** Undoes our own `<` escaping and markdown's `<...>` destination wrapping for display in code. */
function plainUrl(url: string): string {
  const raw = url.replace(/&lt;/g, '<');
  return raw.startsWith('<') && raw.endsWith('>') ? raw.slice(1, -1) : raw;
}
