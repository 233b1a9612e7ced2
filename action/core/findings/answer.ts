/**
 * The model's `report_findings` answer, read finding by finding. One bad finding must not cost the good
 * ones: a text over its length limit is cut to it, an optional field that is unusable is left out, and only
 * a finding that cannot be repaired (no path, no line, an unknown severity...) is dropped, counted with the
 * reason. The answer as a whole is malformed (and asked for again) only when it is not a findings list at
 * all. Reasons name fields and positions, never the model's text.
 */
import {
  CATEGORIES,
  FindingSchema,
  FINDINGS_PER_ANSWER,
  LIMITS,
  QUOTE_CHARS,
  SEVERITIES,
  SUGGESTION_CHARS,
  truncate,
  type Finding,
} from '../../../shared/index.js';
import type { ReviewOutcome, WalkthroughPart } from '../types.js';

/** A finding left out of an answer: its position in the list and why. */
export interface DroppedFinding {
  index: number;
  reason: string;
}

/** What reading an answer changed: the findings dropped, and how many were kept after a repair. */
export interface AnswerRepairs {
  dropped: DroppedFinding[];
  /** Findings kept with a text cut to its limit or an unusable optional field left out. */
  repaired: number;
}

export type FindingsAnswer =
  | ({ ok: true; findings: Finding[]; walkthrough?: WalkthroughPart } & AnswerRepairs)
  /** Not a findings list at all: the caller asks once more. */
  | { ok: false; error: string };

type Raw = Record<string, unknown>;
type RepairCounts = NonNullable<ReviewOutcome['answerRepairs']>;

const isObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The tool input as findings: each one repaired when it can be, dropped (and counted) when not. */
export function readFindingsAnswer(answer: unknown): FindingsAnswer {
  const input = typeof answer === 'string' ? findingsBeforeWalkthrough(answer) : answer;
  if (!isObject(input)) return { ok: false, error: 'invalid tool input at (root): not an object' };
  const list = input.findings;
  if (!Array.isArray(list)) return { ok: false, error: 'invalid tool input at findings: not a list' };
  const findings: Finding[] = [];
  const dropped: DroppedFinding[] = [];
  let repaired = 0;
  list.forEach((raw: unknown, index) => {
    if (index >= FINDINGS_PER_ANSWER) {
      dropped.push({ index, reason: `over the ${FINDINGS_PER_ANSWER} findings an answer may hold` });
      return;
    }
    const read = repairFinding(raw);
    if ('reason' in read) dropped.push({ index, reason: read.reason });
    else {
      findings.push(read.finding);
      if (read.repaired) repaired += 1;
    }
  });
  const walkthrough = readWalkthrough(input.walkthrough);
  return { ok: true, findings, dropped, repaired, ...(walkthrough ? { walkthrough } : {}) };
}

/**
 * The findings of an answer cut short (at max_tokens) while it wrote its walkthrough, which comes after
 * them: the JSON up to the walkthrough's key, closed. Outside a string a quote is never escaped, so the key
 * cannot be matched inside a finding's text. Undefined when the answer was cut elsewhere.
 */
function findingsBeforeWalkthrough(raw: string): unknown {
  const keys = [...raw.matchAll(/,\s*"walkthrough"\s*:/g)];
  const at = keys.at(-1)?.index;
  if (at === undefined) return raw;
  try {
    const head: unknown = JSON.parse(`${raw.slice(0, at)}}`);
    return isObject(head) && Array.isArray(head.findings) ? head : raw;
  } catch {
    return raw;
  }
}

/**
 * The answer's walkthrough, if it has a usable one: texts cut to their limits, entries without a path or a
 * line left out. Never a reason to refuse the answer: the findings are what the request is for.
 */
function readWalkthrough(raw: unknown): WalkthroughPart | undefined {
  if (!isObject(raw)) return undefined;
  const overview = prose(raw.overview, LIMITS.walkthroughOverviewChars)?.text;
  const entries = Array.isArray(raw.files) ? raw.files.slice(0, LIMITS.walkthroughFiles) : [];
  const files = entries.flatMap((entry: unknown) => {
    if (!isObject(entry)) return [];
    const { path } = entry;
    const summary = prose(entry.summary, LIMITS.walkthroughSummaryChars)?.text;
    if (typeof path !== 'string' || path.trim() === '' || path.length > LIMITS.pathChars || !summary)
      return [];
    return [{ path, summary }];
  });
  if (overview === undefined && files.length === 0) return undefined;
  return { ...(overview !== undefined ? { overview } : {}), files };
}

/** The repairs as the outcome keeps them: counts, and the distinct reasons of the dropped findings. */
export function repairCounts(repairs: AnswerRepairs): RepairCounts {
  return {
    dropped: repairs.dropped.length,
    reasons: [...new Set(repairs.dropped.map((d) => d.reason))],
    repaired: repairs.repaired,
  };
}

/** Adds `more` to `total` (the run's repairs over all its answers). */
export function addRepairs(total: AnswerRepairs, more: AnswerRepairs | undefined): void {
  if (!more) return;
  total.dropped.push(...more.dropped);
  total.repaired += more.repaired;
}

type Repaired = { finding: Finding; repaired: boolean } | { reason: string };

function repairFinding(raw: unknown): Repaired {
  if (!isObject(raw)) return { reason: 'not an object' };
  let repaired = false;
  const path = raw.path;
  if (typeof path !== 'string' || path.trim() === '') return { reason: 'no path' };
  if (path.length > LIMITS.pathChars) return { reason: 'path over its length limit' };
  const line = lineNumber(raw.line);
  if (line === undefined) return { reason: 'no valid line' };
  const severity = oneOf(raw.severity, SEVERITIES);
  if (severity === undefined) return { reason: 'no known severity' };
  const category = oneOf(raw.category, CATEGORIES);
  if (category === undefined) return { reason: 'no known category' };
  const confidence = probability(raw.confidence);
  if (confidence === undefined) return { reason: 'no confidence' };
  const title = prose(raw.title, LIMITS.findingTitleChars);
  if (title === undefined) return { reason: 'no title' };
  const body = prose(raw.body, LIMITS.findingBodyChars);
  if (body === undefined) return { reason: 'no body' };
  if (title.cut || body.cut || confidence.clamped) repaired = true;

  const finding: Finding = {
    path,
    line,
    severity,
    category,
    title: title.text,
    body: body.text,
    confidence: confidence.value,
  };
  if (raw.startLine !== undefined && raw.startLine !== null) {
    const start = lineNumber(raw.startLine);
    if (start === undefined) repaired = true;
    else finding.startLine = start;
  }
  // Code is never cut: a partial quote would misplace the comment, a partial suggestion break the code.
  for (const [key, max] of [
    ['quote', QUOTE_CHARS],
    ['suggestion', SUGGESTION_CHARS],
  ] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && value.length <= max) finding[key] = value;
    else repaired = true;
  }
  // The schema has the last word: whatever the repairs missed drops the finding, never the answer.
  const checked = FindingSchema.safeParse(finding);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return { reason: `invalid ${issue?.path.join('.') || 'finding'}` };
  }
  return { finding: checked.data, repaired };
}

function lineNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return allowed.find((a) => a === word);
}

function probability(value: unknown): { value: number; clamped: boolean } | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  const clamped = Math.min(1, Math.max(0, n));
  return { value: clamped, clamped: clamped !== n };
}

/** A required text, cut to `max` with an ellipsis; undefined when blank or not text. */
function prose(value: unknown, max: number): { text: string; cut: boolean } | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value.length > max ? { text: truncate(value, max), cut: true } : { text: value, cut: false };
}
