/**
 * Characters a human reading the PR on GitHub does not see but the model does: format characters
 * (zero-width, bidi controls, word joiners, BOM, soft hyphen, the Unicode tag block used for "ASCII
 * smuggling"), variation selectors (also used to smuggle bytes), invisible fillers, and control
 * characters other than tab, newline and carriage return.
 */
const INVISIBLE =
  // Control characters and lone combining marks in the class are exactly what this pattern is for.
  // eslint-disable-next-line no-control-regex, no-misleading-character-class
  /[\p{Cf}\u{E0000}-\u{E007F}\uFE00-\uFE0F\u{E0100}-\u{E01EF}\u180B-\u180F\u034F\u115F\u1160\u3164\uFFA0\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;

/** HTML comments render as nothing on GitHub; an unterminated one hides the rest of the text. */
const HTML_COMMENT = /<!--[\s\S]*?(?:--!?>|$)/g;

/** Attributes GitHub renders invisibly or only on hover, a place to hide instructions in markup. */
const HIDDEN_ATTRIBUTE =
  /(<[a-z][^<>]*?)\s+(?:alt|title|placeholder|aria-[\w-]+|data-[\w-]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>]+)/gi;

/** `<untrusted_...>` / `</untrusted_...>` and full-width or spaced lookalikes of them. */
const UNTRUSTED_TAG = /[<\uFF1C\uFE64](\s*\/?\s*untrusted)/gi;

/**
 * Removes what a reviewer of the PR page cannot see (HTML comments, hidden attributes, invisible and
 * bidi characters, Unicode tags), so hidden instructions in PR text never reach the model. Invisible
 * characters go first so they cannot split a `<!--` and slip past the comment pattern.
 */
export function sanitizeUntrusted(text: string): string {
  let out = text.replace(INVISIBLE, '').replace(HTML_COMMENT, '');
  for (let previous = ''; previous !== out;) {
    previous = out;
    out = out.replace(HIDDEN_ATTRIBUTE, '$1');
  }
  return out;
}

/**
 * Unicode line and paragraph separators: visible, but git does not end a line at them while a reader (or
 * a tokenizer) may, so one left raw in a code line or a path could seem to start a forged listing row.
 */
const LINE_SEPARATOR = /[\u2028\u2029]/gu;

/**
 * For code and paths under review: invisible characters (and line separators) are shown as `<U+202E>`
 * instead of removed, because there they are the finding (Trojan Source bidi tricks, homoglyph identifiers
 * with zero-width joiners, a file name that displays reversed), while making them visible still keeps them
 * from hiding text from the model.
 */
export function revealInvisible(text: string): string {
  return text.replace(INVISIBLE, codePoint).replace(LINE_SEPARATOR, codePoint);
}

function codePoint(ch: string): string {
  return `<U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** Defuses text that could close (or fake) the `<untrusted_...>` wrapper it is placed in. */
export function neutralizeUntrustedTags(text: string): string {
  return text.replace(UNTRUSTED_TAG, '&lt;$1');
}

/**
 * Wraps PR-author text as data for the model: sanitized, wrapper lookalikes defused, inside
 * `<untrusted_{name}>` tags that the system prompt says never to take instructions from.
 */
export function wrapUntrusted(name: string, text: string): string {
  const body = neutralizeUntrustedTags(sanitizeUntrusted(text));
  return `<untrusted_${name}>\n${body}\n</untrusted_${name}>`;
}
