import type { Finding } from '../../../shared/index.js';
import type { DiffFile, DiffLine, Hunk, SecretHit } from '../types.js';

/**
 * A pattern for one kind of secret, ending with its `secret` group: the match (`pre` + `secret`) is
 * replaced by `pre` + the marker, so the code around the secret stays readable.
 */
interface Detector {
  kind: string;
  /** A cheap test that must pass before the full pattern runs: most lines of code fail it. */
  hint: RegExp;
  pattern: RegExp;
  /** Rejects matches that only look like secrets (placeholders, references, low-entropy words). */
  accept?: (secret: string) => boolean;
}

const LABELS: Record<string, string> = {
  'private-key': 'a private key',
  'anthropic-key': 'an Anthropic API key',
  'openai-key': 'an OpenAI API key',
  'github-token': 'a GitHub token',
  'aws-access-key': 'an AWS access key ID',
  'aws-secret-key': 'an AWS secret access key',
  'slack-token': 'a Slack token',
  'high-entropy-secret': 'a hard-coded credential',
};

const PLACEHOLDER =
  /example|sample|placeholder|changeme|change_me|dummy|your|redacted|replace|insert|todo|fixme|xxxx|\*\*\*|<|>|\$\{|\$\(|\{\{|%\(|process\.env|environ|getenv|:\/\//i;
const SECRET_NAME = String.raw`(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|credentials?|private[_-]?key)`;
const ASSIGNMENT = String.raw`[\w.-]*["']?\s*(?::=|=>|[:=])\s*`;
const SECRET_NAME_HINT = /pass|pwd|secret|token|key|cred/i;
/** Bits per character: random base62/base64 tokens of 20+ characters score about 4; words and repeats far less. */
const MIN_ENTROPY = 3.5;

const DETECTORS: Detector[] = [
  { kind: 'anthropic-key', hint: /sk-ant-/, pattern: /(?<pre>)(?<secret>\bsk-ant-[A-Za-z0-9_-]{20,})/g },
  {
    kind: 'openai-key',
    hint: /sk-/,
    pattern: /(?<pre>)(?<secret>\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,})/g,
    accept: (s) => /\d/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s),
  },
  {
    kind: 'github-token',
    hint: /gh[pousr]_/,
    pattern: /(?<pre>)(?<secret>\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36,}\b)/g,
  },
  {
    kind: 'github-token',
    hint: /github_pat_/,
    pattern: /(?<pre>)(?<secret>\bgithub_pat_[A-Za-z0-9_]{22,})/g,
  },
  { kind: 'aws-access-key', hint: /AKIA|ASIA/, pattern: /(?<pre>)(?<secret>\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)/g },
  {
    kind: 'aws-secret-key',
    hint: /aws/i,
    pattern:
      /(?<pre>aws[_-]?secret[_-]?(?:access[_-]?)?key["']?\s*(?::=|=>|[:=])\s*["']?)(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
  },
  { kind: 'slack-token', hint: /xox/, pattern: /(?<pre>)(?<secret>\bxox[abposre]-[A-Za-z0-9-]{10,})/g },
  {
    kind: 'high-entropy-secret',
    hint: SECRET_NAME_HINT,
    pattern: new RegExp(
      String.raw`(?<pre>${SECRET_NAME}${ASSIGNMENT}(?<q>["'\x60]))(?<secret>[^\s"'\x60]{20,})(?=\k<q>)`,
      'gi',
    ),
    accept: looksRandom,
  },
  // Unquoted values only as a whole line (`.env`, YAML, properties): in code they are usually identifiers.
  {
    kind: 'high-entropy-secret',
    hint: SECRET_NAME_HINT,
    pattern: new RegExp(
      String.raw`^(?<pre>\s*(?:export\s+)?[\w.-]*${SECRET_NAME}${ASSIGNMENT})(?<secret>[A-Za-z0-9+/=_.~-]{20,})(?=\s*$)`,
      'gi',
    ),
    accept: looksRandom,
  },
];

/**
 * Cheap first pass: a line without any of these cannot match a detector, and cannot open a private key
 * block either (KEY_BEGIN contains `PRIVATE KEY`). Same alternatives, global, for whole texts.
 */
const MAYBE_SECRET = /sk-|gh[pousr]_|github_pat_|AKIA|ASIA|xox|PRIVATE KEY|pass|pwd|secret|token|key|cred/i;
const MAYBE_SECRET_ANYWHERE = new RegExp(MAYBE_SECRET.source, 'gi');
/**
 * Second cheap pass, on lines with a hint: every detector but the private key's matches at least 15
 * characters in a row of [A-Za-z0-9_-/+=.~] (`xoxb-` + 10 is the shortest), or a quote then 20 characters
 * that are neither spaces nor quotes (the quoted credential). Code mentioning a `token` rarely has either.
 */
const SECRET_SHAPED = /[\w\-/+=.~]{15}|["'\x60][^\s"'\x60]{20}/;
const KEY_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const KEY_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const NO_KINDS: readonly string[] = Object.freeze([]);

/** Carried from line to line, because a PEM private key spans many lines. */
interface ScanState {
  inKey: boolean;
  /** Whether the current key block already produced a hit (one hit per block, not per line). */
  keyReported: boolean;
}

/**
 * Redacts secrets in every line of the diff (context and deleted lines too: they all reach the model)
 * and reports the added lines that introduce one. Files without secrets are returned as they were;
 * others are copied, never mutated. A hit names the path, line and kind, never the value.
 */
export function scanAndRedact(files: DiffFile[]): { files: DiffFile[]; hits: SecretHit[] } {
  const hits: SecretHit[] = [];
  const out = files.map((file) => {
    let changed = false;
    const hunks = file.hunks.map((hunk) => {
      const scanned = scanHunk(file.path, hunk, hits);
      changed ||= scanned !== hunk;
      return scanned;
    });
    return changed ? { ...file, hunks } : file;
  });
  return { files: out, hits };
}

function scanHunk(path: string, hunk: Hunk, hits: SecretHit[]): Hunk {
  // One search over the hunk's text finds the lines that may hold a secret (most have no hint at all).
  const texts = hunk.lines.map((line) => line.text);
  const joined = texts.join('\n');
  if (!mayHoldSecret(joined)) return hunk;
  const state: ScanState = { inKey: false, keyReported: false };
  let lines: DiffLine[] | undefined;
  const scan = (i: number) => {
    const line = hunk.lines[i]!;
    const { text, kinds } = redactLine(line.text, state);
    if (kinds.length === 0) return;
    lines ??= [...hunk.lines];
    lines[i] = { ...line, text };
    if (line.kind === 'add') recordHits(path, line.newLine!, kinds, state, hits);
  };
  if (KEY_BEGIN.test(joined)) {
    // A private key block carries state from line to line: every line is scanned, in order.
    for (let i = 0; i < texts.length; i++) scan(i);
  } else {
    // Otherwise lines stand alone: only those the search hits are scanned.
    for (const i of linesWithHint(texts, joined)) scan(i);
  }
  return lines ? { ...hunk, lines } : hunk;
}

/** Indexes of the lines (`joined` is `texts` joined by LF) where MAYBE_SECRET matches, ascending. */
function linesWithHint(texts: string[], joined: string): number[] {
  const found: number[] = [];
  let line = 0;
  let lineStart = 0;
  MAYBE_SECRET_ANYWHERE.lastIndex = 0;
  for (let m = MAYBE_SECRET_ANYWHERE.exec(joined); m !== null; m = MAYBE_SECRET_ANYWHERE.exec(joined)) {
    while (m.index >= lineStart + texts[line]!.length + 1) lineStart += texts[line++]!.length + 1;
    found.push(line);
    // The rest of this line needs no second look.
    const next = lineStart + texts[line]!.length + 1;
    if (next >= joined.length) break;
    MAYBE_SECRET_ANYWHERE.lastIndex = next;
  }
  return found;
}

function recordHits(
  path: string,
  line: number,
  kinds: readonly string[],
  state: ScanState,
  hits: SecretHit[],
): void {
  for (const kind of new Set(kinds)) {
    if (kind === 'private-key') {
      if (state.keyReported) continue;
      state.keyReported = true;
    }
    hits.push({ path, line, kind });
  }
}

/**
 * Replaces secrets in any text with `[REDACTED:<kind>]`: model output before it is posted, PR text
 * and context lines before they are sent. Idempotent.
 */
export function redactSecrets(text: string): string {
  // Prompts and context are mostly lines no detector can match: one search over the whole text finds the
  // few that may, instead of every detector's hint on every line.
  if (!mayHoldSecret(text)) return text;
  const state: ScanState = { inKey: false, keyReported: false };
  // A private key block carries state from line to line: then every line goes through redactLine.
  if (KEY_BEGIN.test(text)) {
    return text
      .split('\n')
      .map((line) => redactLine(line, state).text)
      .join('\n');
  }
  // Otherwise each line stands alone, and only those holding a hint can change.
  let out = '';
  let copied = 0;
  MAYBE_SECRET_ANYWHERE.lastIndex = 0;
  for (let m = MAYBE_SECRET_ANYWHERE.exec(text); m !== null; m = MAYBE_SECRET_ANYWHERE.exec(text)) {
    const start = text.lastIndexOf('\n', m.index) + 1;
    const newline = text.indexOf('\n', m.index);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end);
    const redacted = redactLine(line, state).text;
    if (redacted !== line) {
      out += text.slice(copied, start) + redacted;
      copied = end;
    }
    if (newline < 0) break;
    MAYBE_SECRET_ANYWHERE.lastIndex = end + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function mayHoldSecret(text: string): boolean {
  MAYBE_SECRET_ANYWHERE.lastIndex = 0;
  return MAYBE_SECRET_ANYWHERE.test(text);
}

function redactLine(line: string, state: ScanState): { text: string; kinds: readonly string[] } {
  // No key block open or opening, and no hint or nothing shaped like a secret: nothing to redact (most
  // lines of code end here).
  if (
    !state.inKey &&
    !(MAYBE_SECRET.test(line) && (SECRET_SHAPED.test(line) || line.includes('PRIVATE KEY')))
  ) {
    return { text: line, kinds: NO_KINDS };
  }
  const kinds: string[] = [];
  let text = redactKeyBlock(line, state, kinds);
  if (!MAYBE_SECRET.test(text)) return { text, kinds };
  for (const detector of DETECTORS) {
    if (!detector.hint.test(text)) continue;
    text = text.replace(detector.pattern, (match: string, ...args: unknown[]) => {
      const { pre, secret } = args.at(-1) as { pre: string; secret: string };
      if (detector.accept && !detector.accept(secret)) return match;
      kinds.push(detector.kind);
      return `${pre}[REDACTED:${detector.kind}]`;
    });
  }
  return { text, kinds };
}

/** Handles PEM blocks: one-line (`"-----BEGIN...\n...\n-----END..."`) or spread over lines. */
function redactKeyBlock(line: string, state: ScanState, kinds: string[]): string {
  const marker = '[REDACTED:private-key]';
  if (state.inKey) {
    kinds.push('private-key');
    const end = KEY_END.exec(line);
    if (!end) return marker;
    state.inKey = false;
    return redactKeyBlock(marker + line.slice(end.index + end[0].length), state, kinds);
  }
  const begin = KEY_BEGIN.exec(line);
  if (!begin) return line;
  kinds.push('private-key');
  state.keyReported = false;
  state.inKey = true;
  return line.slice(0, begin.index) + redactKeyBlock(line.slice(begin.index + begin[0].length), state, []);
}

function looksRandom(value: string): boolean {
  if (value.includes('[REDACTED:') || PLACEHOLDER.test(value)) return false;
  if (!/\d/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return shannonEntropy(value) >= MIN_ENTROPY;
}

function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * The deterministic finding for a secret: it needs no model to judge, and it must be raised even when
 * the model is never called. It names the kind and the fix, never the value.
 */
export function secretFinding(hit: SecretHit): Finding {
  const label = LABELS[hit.kind] ?? 'a secret';
  return {
    path: hit.path,
    line: hit.line,
    severity: 'critical',
    category: 'security',
    title: `Possible secret committed: ${label.replace(/^an? /, '')}`,
    body:
      `This line adds what looks like ${label}. diffray redacted it before the review, but it is now ` +
      'part of the branch history, where anyone with read access can find it. Treat it as compromised: ' +
      'revoke or rotate the credential now, then load it from a secret store or an environment variable ' +
      'instead of the source. Deleting the line in a later commit does not remove it from the history.',
    confidence: 1,
  };
}
