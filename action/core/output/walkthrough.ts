/**
 * The walkthrough: what the PR changes, from the same review requests as the findings (each answer's
 * overview and one line per file of its part). A split PR's parts are merged in file order, a file split
 * across requests has its parts' lines joined in part order, and a line about a file the request was not
 * sent is left out. Rendered collapsed in the summary comment, within the room the comment has left.
 */
import { LIMITS } from '../../../shared/index.js';
import type { DiffFile, ReviewChunk, Walkthrough, WalkthroughPart } from '../types.js';
import { normalizeFindingPath } from '../findings/anchor.js';
import { displayPath } from '../plan/listing.js';
import { plural } from './phrases.js';
import type { RenderOptions } from './render-parts.js';
import { codeSpan, sanitizeTitle } from './sanitize.js';

/** The most the walkthrough takes of the summary comment, whatever room is left. */
export const WALKTHROUGH_MAX_CHARS = 20_000;
/** Below this much room the walkthrough is left out of the comment rather than shown as a stub. */
const MIN_WALKTHROUGH_CHARS = 300;

/**
 * The parts of the run's answers as one walkthrough, in the order of `files` (the PR's diff); undefined when
 * no answer had one.
 */
export function mergeWalkthrough(
  parts: readonly { chunk: ReviewChunk; walkthrough: WalkthroughPart }[],
  files: readonly DiffFile[],
): Walkthrough | undefined {
  const order = new Map(files.map((f, i) => [f.path, i]));
  const lines = new Map<string, { part: number; summary: string }[]>();
  const overviews: { at: number; text: string }[] = [];
  for (const { chunk, walkthrough } of parts) {
    // The request's own files, by their path and as its listing showed them.
    const sent = new Map<string, { path: string; part: number }>();
    for (const slice of chunk.slices) {
      const entry = { path: slice.file.path, part: slice.part?.index ?? 1 };
      sent.set(slice.file.path, entry);
      sent.set(displayPath(slice.file.path), entry);
    }
    for (const { path, summary } of walkthrough.files) {
      const file = sent.get(path) ?? sent.get(normalizeFindingPath(path) ?? '');
      if (file === undefined) continue;
      lines.set(file.path, [...(lines.get(file.path) ?? []), { part: file.part, summary }]);
    }
    if (walkthrough.overview !== undefined) {
      const at = Math.min(...chunk.slices.map((s) => order.get(s.file.path) ?? Infinity));
      overviews.push({ at, text: walkthrough.overview });
    }
  }
  const merged: Walkthrough = {
    overview: unique(overviews.sort((a, b) => a.at - b.at).map((o) => o.text)),
    files: files.flatMap((f) => {
      const said = (lines.get(f.path) ?? []).sort((a, b) => a.part - b.part);
      return said.length > 0 ? [{ path: f.path, summary: unique(said.map((s) => s.summary)).join(' ') }] : [];
    }),
  };
  return merged.overview.length > 0 || merged.files.length > 0 ? merged : undefined;
}

/**
 * The walkthrough as a collapsed section of at most `maxChars` characters (model text sanitized, one line
 * per file as far as they fit, then how many more); undefined when not even its overview fits.
 */
export function renderWalkthrough(
  walkthrough: Walkthrough,
  opts: RenderOptions & {
    maxChars: number;
    /** Only the changes of a push were reviewed: the walkthrough is the push's. */
    incremental?: boolean;
  },
): string | undefined {
  const max = Math.min(opts.maxChars, WALKTHROUGH_MAX_CHARS);
  if (max < MIN_WALKTHROUGH_CHARS) return undefined;
  const files = walkthrough.files.length;
  const head = [
    '<details>',
    `<summary>Walkthrough: what this ${opts.incremental ? 'push' : 'pull request'} changes${files > 0 ? ` (${plural(files, 'file')})` : ''}</summary>`,
    '',
    ...walkthrough.overview.flatMap((o) => [
      sanitizeTitle(o, { ...opts, maxChars: LIMITS.walkthroughOverviewChars }),
      '',
    ]),
  ];
  const close = '</details>';
  const more = (n: number) => `- … and ${plural(n, 'more file')}`;
  let length = [...head, close].join('\n').length;
  // Room for the overview, and for the line saying how many files did not fit.
  if (length + (files > 0 ? more(files).length + 1 : 0) > max) return undefined;
  const items: string[] = [];
  for (const f of walkthrough.files) {
    const item = `- ${codeSpan(f.path)}: ${sanitizeTitle(f.summary, { ...opts, maxChars: LIMITS.walkthroughSummaryChars })}`;
    const reserve = items.length + 1 < files ? more(files).length + 1 : 0;
    if (length + item.length + 1 + reserve > max) break;
    items.push(item);
    length += item.length + 1;
  }
  if (items.length < files) items.push(more(files - items.length));
  return [...head, ...items, close].join('\n');
}

function unique(texts: string[]): string[] {
  return [...new Set(texts)];
}
