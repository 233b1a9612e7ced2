import type { Finding, Rule } from '../../../shared/index.js';
import type { DiffFile, DropReason } from '../types.js';

export type { DropReason };

/** A dropped finding, with its reason in words and, for validation drops, the score it got. */
export interface DroppedFinding<T> {
  finding: T;
  reason: DropReason;
  detail: string;
  score?: number;
}

/** The reported confidence under which a finding is dropped in code (the prompt asks for none below it). */
export const CONFIDENCE_FLOOR = 0.5;

/** A text a finding may cite: a team rule (by id) or a guideline file (by path). */
export interface RuleSource {
  id: string;
  text: string;
}

/** The team rules and guideline files as citable texts. */
export function ruleSources(
  rules: readonly Rule[],
  guidelines: readonly { path: string; text: string }[],
): RuleSource[] {
  return [
    ...rules.map((r): RuleSource => ({ id: r.id, text: `${r.title}\n${r.description}` })),
    ...guidelines.map((g): RuleSource => ({ id: g.path, text: g.text })),
  ];
}

/**
 * The text of the rule or guideline a finding cites: by id, by path, or by the file name of a guideline
 * (`CLAUDE.md` for `src/api/CLAUDE.md` when only one has that name); undefined when none matches.
 */
export function ruleTextFor(rule: string, sources: readonly RuleSource[]): string | undefined {
  const ref = rule
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/^\.\//, '');
  const exact = sources.find((s) => s.id === ref);
  if (exact) return exact.text;
  const byName = sources.filter((s) => s.id.split('/').at(-1) === ref);
  return byName.length === 1 ? byName[0]!.text : undefined;
}

export interface FilterContext<T> {
  /** The diff's files (redacted, as the model saw them). */
  files: readonly DiffFile[];
  sources: readonly RuleSource[];
  /** The lines a finding points at, on the head side (its anchor when it has one). */
  lines: (f: T) => { start: number; end: number };
  confidenceFloor?: number;
}

export interface FilterResult<T> {
  kept: T[];
  dropped: DroppedFinding<T>[];
}

/**
 * The filters in code, run on the model's findings before any validation request, in this order (a finding
 * is dropped for the first that applies):
 * - `low-confidence`: the reported confidence is below the floor (0.5);
 * - `rule-not-quoted`: the finding relies on a team rule or guideline file (it names one in `rule`, or its
 *   text names a guideline file or a rule's `[id]`) without quoting it in `ruleQuote`;
 * - `rule-misquoted`: the quote is not in the text of the rule or guideline it names (or it names none);
 * - `base-only`: the code it quotes is only on the base side (a deleted line, or an unchanged line) and none
 *   of its lines is one the PR added: a problem of code the PR removed or does not touch.
 */
export function filterFindings<T extends Finding>(
  findings: readonly T[],
  ctx: FilterContext<T>,
): FilterResult<T> {
  const floor = ctx.confidenceFloor ?? CONFIDENCE_FLOOR;
  const files = new Map(ctx.files.map((f) => [f.path, f]));
  const kept: T[] = [];
  const dropped: DroppedFinding<T>[] = [];
  for (const f of findings) {
    const why = dropReason(f, floor, ctx, files.get(f.path));
    if (why === undefined) kept.push(f);
    else dropped.push({ finding: f, ...why });
  }
  return { kept, dropped };
}

function dropReason<T extends Finding>(
  f: T,
  floor: number,
  ctx: FilterContext<T>,
  file: DiffFile | undefined,
): { reason: DropReason; detail: string } | undefined {
  if (f.confidence < floor)
    return { reason: 'low-confidence', detail: `confidence ${f.confidence} is below ${floor}` };
  const cited = f.rule ?? citedGuideline(f, ctx.sources);
  if (cited !== undefined) {
    const quote = normalizeProse(f.ruleQuote ?? '');
    if (quote === '') return { reason: 'rule-not-quoted', detail: `relies on ${cited} without quoting it` };
    const text = ruleTextFor(cited, ctx.sources);
    if (text === undefined)
      return { reason: 'rule-misquoted', detail: `cites ${cited}, which is no team rule or guideline file` };
    if (!normalizeProse(text).includes(quote))
      return { reason: 'rule-misquoted', detail: `the quote is not in ${cited}` };
  }
  if (file !== undefined && f.quote !== undefined && quotesBaseOnly(f.quote, file, ctx.lines(f)))
    return { reason: 'base-only', detail: 'quotes code the pull request deleted or does not change' };
  return undefined;
}

/**
 * The guideline file or rule a finding's text says it relies on without a `rule` field: a guideline
 * file's name (`CLAUDE.md`), or a team rule's id in brackets (`[no-raw-sql]`).
 */
function citedGuideline(f: Finding, sources: readonly RuleSource[]): string | undefined {
  const text = `${f.title}\n${f.body}`;
  for (const s of sources) {
    const name = s.id.split('/').at(-1)!;
    const mentioned = s.id.includes('.') ? text.includes(name) : text.includes(`[${s.id}]`);
    if (mentioned) return s.id;
  }
  return /\b(CLAUDE|AGENTS)\.md\b/.exec(text)?.[0];
}

/** Prose compared loosely: case, whitespace, Markdown emphasis and quote marks do not count. */
function normalizeProse(text: string): string {
  return text
    .toLowerCase()
    .replace(/[*_`"'“”‘’]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.;:,]+$/, '');
}

const normalizeCode = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Whether a quote is of base-side code only: it matches (is, or for 10 characters or more is part of) a
 * deleted or unchanged line of the file's diff but no added line, and the finding's lines hold no added
 * line. A quote that matches nothing in the diff says nothing (anchoring handles it).
 */
function quotesBaseOnly(quote: string, file: DiffFile, at: { start: number; end: number }): boolean {
  const q = normalizeCode(quote);
  if (q === '') return false;
  const matches = (line: string) => {
    const l = normalizeCode(line);
    return l === q || (q.length >= 10 && l.includes(q));
  };
  let onBase = false;
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind === 'add') {
        if (matches(line.text)) return false;
        if (line.newLine !== undefined && line.newLine >= at.start && line.newLine <= at.end) return false;
      } else if (matches(line.text)) onBase = true;
    }
  }
  return onBase;
}

/** The drops counted by reason, in the order of DropReason. */
export function countDrops(dropped: readonly { reason: DropReason }[]): Partial<Record<DropReason, number>> {
  const counts: Partial<Record<DropReason, number>> = {};
  for (const d of dropped) counts[d.reason] = (counts[d.reason] ?? 0) + 1;
  return counts;
}
