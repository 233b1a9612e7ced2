import * as z from 'zod/mini';
import { stripCodeBlocks } from '../../../shared/index.js';
import {
  ANSWER_MARKER,
  MAX_STATE_FINGERPRINTS,
  PAUSED_MARKER,
  SUMMARY_MARKER,
  SUMMARY_STATE_VERSION,
} from '../constants.js';
import { LifecycleStateSchema } from '../findings/lifecycle.js';

export { ANSWER_MARKER, PAUSED_MARKER, SUMMARY_MARKER };

const FINGERPRINT = /^[a-f0-9]{16,64}$/;
const SHA = /^[a-f0-9]{40,64}$/;
/** Our markers stand alone on a line; a marker quoted inside text or code is not one of ours. */
const FINDING_MARKER_LINE = /^<!-- diffray:finding:([a-f0-9]{16,64}) -->[ \t]*$/;
const STATE_MARKER_LINE = /^<!-- diffray:state ([A-Za-z0-9_-]{1,100000}) -->[ \t]*$/;
const MARKER_LIKE = /<!--(\s*)diffray:/gi;

/** What the summary comment remembers between runs, so the next push can be reviewed incrementally. */
export const SummaryStateSchema = z.object({
  version: z.literal(SUMMARY_STATE_VERSION),
  headSha: z.string().check(z.regex(SHA)),
  baseSha: z.string().check(z.regex(SHA)),
  /** Fingerprints of the run's findings that the lifecycle does not track (not posted inline). */
  fingerprints: z.array(z.string().check(z.regex(FINGERPRINT))).check(z.maxLength(MAX_STATE_FINGERPRINTS)),
  /**
   * Open and dismissed findings across pushes (lifecycle.ts), compacted with `compactState` so the state
   * fits the comment. Optional: a state written before it existed still allows an incremental review.
   */
  lifecycle: z.optional(LifecycleStateSchema),
});
export type SummaryState = z.infer<typeof SummaryStateSchema>;

/** Hidden in every inline comment so a later run knows the finding is already on the PR. */
export function findingMarker(fingerprint: string): string {
  if (!FINGERPRINT.test(fingerprint)) throw new Error(`not a fingerprint: ${fingerprint.slice(0, 80)}`);
  return `<!-- diffray:finding:${fingerprint} -->`;
}

/** Fingerprints marked in a comment body, ignoring marker text inside fenced code or quoted inline. */
export function parseFindingMarkers(body: string): string[] {
  const found = markerLines(body).flatMap((line) => FINDING_MARKER_LINE.exec(line)?.[1] ?? []);
  return [...new Set(found)];
}

/** The state as a hidden line of the summary comment (base64url JSON: no `--` or `>` can end the comment). */
export function renderSummaryState(state: SummaryState): string {
  const trimmed = { ...state, fingerprints: state.fingerprints.slice(0, MAX_STATE_FINGERPRINTS) };
  const encoded = Buffer.from(JSON.stringify(SummaryStateSchema.parse(trimmed))).toString('base64url');
  return `<!-- diffray:state ${encoded} -->`;
}

/**
 * Reads the state back from a summary comment. Anything malformed (edited by hand, another version, not
 * ours) yields undefined: the run then reviews the whole PR instead of trusting it.
 */
export function parseSummaryState(body: string): SummaryState | undefined {
  const encoded = markerLines(body)
    .map((line) => STATE_MARKER_LINE.exec(line)?.[1])
    .find((m) => m !== undefined);
  if (encoded === undefined) return undefined;
  try {
    const result = SummaryStateSchema.safeParse(
      JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')),
    );
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The summary comment with `state` in place of the one it carries (a command acting at once: a dismissal);
 * undefined when the comment has no state line to replace.
 */
export function replaceSummaryState(body: string, state: SummaryState): string | undefined {
  const lines = body.split('\n');
  const at = lines.findIndex((line) => STATE_MARKER_LINE.test(line));
  if (at < 0) return undefined;
  lines[at] = renderSummaryState(state);
  return lines.join('\n');
}

/** Whether a comment carries a marker of ours on a line of its own (outside code), like `PAUSED_MARKER`. */
export function hasMarkerLine(body: string, marker: string): boolean {
  return markerLines(body).some((line) => line.trimEnd() === marker);
}

/** True when text carries something that looks like one of our markers. */
export function hasMarkerLike(text: string): boolean {
  return new RegExp(MARKER_LIKE.source, 'i').test(text);
}

/** Renames marker-like comments in untrusted text, so they can never be read back as ours. */
export function neutralizeMarkers(text: string): string {
  return text.replace(MARKER_LIKE, '<!--$1diffray-quoted:');
}

function markerLines(body: string): string[] {
  return stripCodeBlocks(body.replace(/\r\n?/g, '\n')).split('\n');
}
