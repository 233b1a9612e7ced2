import picomatch from 'picomatch';
import { severityRank, type Rule } from '../../../shared/index.js';
import type { DiffFile, SkippedFile } from '../types.js';
import { estimateCostUsd } from './cost.js';
import { estimateTokens } from './tokens.js';

/** A file with how risky its change looks and what reviewing it would take. */
export interface RankedFile {
  file: DiffFile;
  score: number;
  /** Why it ranks where it does, for the summary and debugging: `rule:no-eval`, `sensitive:auth`, `logic:42`. */
  reasons: string[];
  /** Estimated input tokens of the file's diff. */
  tokens: number;
}

/** Files reviewed first, then tests, then docs: a bug in shipped code costs most. */
type Tier = 0 | 1 | 2;

/** Path parts that name code where a bug is a breach or an outage. Matched at word starts in the path. */
const SENSITIVE: { name: string; pattern: RegExp }[] = [
  {
    name: 'auth',
    pattern: /(?:^|[/._-])(auth(?!or)|login|logout|session|oauth|jwt|saml|sso|password|passwd)/i,
  },
  {
    name: 'crypto',
    pattern: /(?:^|[/._-])(crypto|cipher|encrypt|decrypt|signature|hmac|tls|certs?(?:[/._-]|$))/i,
  },
  { name: 'payment', pattern: /(?:^|[/._-])(payments?|billing|checkout|invoice|stripe|paypal|refund)/i },
  { name: 'secrets', pattern: /(?:^|[/._-])(secrets?|credentials?|tokens?|keys?|vault|\.env)(?:[/._-]|$)/i },
  {
    name: 'permissions',
    pattern:
      /(?:^|[/._-])(permissions?|acl|rbac|roles?|polic(?:y|ies)|access|guard|middleware|csrf|cors|sanitiz)/i,
  },
  { name: 'sql', pattern: /(?:^|[/._-])(sql|queries|query|repository|repositories|dao)(?:[/._-]|$)|\.sql$/i },
  { name: 'migrations', pattern: /(?:^|\/)(migrations?|migrate|schema)(?:[/._-]|$)/i },
  { name: 'workflows', pattern: /^\.github\/(workflows|actions)\//i },
  {
    name: 'container',
    pattern: /(?:^|\/)(dockerfile|containerfile)(?:\.|$)|(?:^|\/)docker-compose[^/]*\.ya?ml$/i,
  },
  {
    name: 'infra',
    pattern:
      /\.(tf|tfvars|hcl)$|(?:^|\/)(infra|terraform|k8s|kubernetes|helm|charts|ansible|deploy)(?:\/|$)/i,
  },
];

const TEST_PATH =
  /(?:^|\/)(tests?|__tests__|spec|specs|__mocks__|fixtures?)\/|[._-](test|spec)\.[a-z0-9]+$|(?:^|\/)test_[^/]+\.py$|_test\.go$/i;
const DOC_PATH =
  /\.(md|mdx|markdown|rst|adoc|txt)$|(?:^|\/)(docs?|documentation)\/|(?:^|\/)(LICENSE|CHANGELOG|AUTHORS|CONTRIBUTING|NOTICE)(?:\.|$)/i;

/** Weight of a matching rule by its severity: a team rule marks what the team cares about most. */
const RULE_WEIGHT = [40, 30, 20, 10];
const SENSITIVE_WEIGHT = 30;
/** Logic size counts logarithmically so one huge file does not outrank every sensitive one. */
const LOGIC_WEIGHT = 6;

export interface PrioritizeOptions {
  rules?: Rule[];
  /** Input tokens of one file's diff; defaults to estimateTokens over its hunk text. */
  estimate?: (file: DiffFile) => number;
}

/**
 * Orders files riskiest first, so that when the budget cannot cover the whole PR the part that is reviewed
 * is the part most likely to hurt: files a team rule applies to, security-sensitive paths, and the
 * largest logic changes; tests and docs last (unless a rule names them). Ties break by path so the
 * order is deterministic.
 */
export function prioritizeFiles(files: DiffFile[], opts: PrioritizeOptions = {}): RankedFile[] {
  const estimate = opts.estimate ?? estimateDiffTokens;
  const matchers = (opts.rules ?? []).map((rule) => ({
    rule,
    matches: picomatch(rule.files, { dot: true }),
    pattern: rule.pattern === undefined ? undefined : new RegExp(rule.pattern),
  }));
  const ranked = files.map((file) => {
    const reasons: string[] = [];
    let score = 0;
    for (const { rule, matches, pattern } of matchers) {
      if (!matches(file.path)) continue;
      if (pattern !== undefined && !addedLines(file).some((line) => pattern.test(line))) continue;
      score += RULE_WEIGHT[severityRank(rule.severity)] ?? 10;
      reasons.push(`rule:${rule.id}`);
    }
    const sensitive = SENSITIVE.find((s) => s.pattern.test(file.path));
    if (sensitive !== undefined) {
      score += SENSITIVE_WEIGHT;
      reasons.push(`sensitive:${sensitive.name}`);
    }
    const logic = logicLines(file);
    if (logic > 0) {
      score += Math.round(LOGIC_WEIGHT * Math.log2(1 + logic) * 10) / 10;
      reasons.push(`logic:${logic}`);
    }
    const ruled = reasons.some((r) => r.startsWith('rule:'));
    const tier: Tier = ruled ? 0 : DOC_PATH.test(file.path) ? 2 : TEST_PATH.test(file.path) ? 1 : 0;
    if (tier === 1) reasons.push('test');
    if (tier === 2) reasons.push('docs');
    return { ranked: { file, score, reasons, tokens: estimate(file) }, tier };
  });
  ranked.sort(
    (a, b) =>
      a.tier - b.tier || b.ranked.score - a.ranked.score || compare(a.ranked.file.path, b.ranked.file.path),
  );
  return ranked.map((r) => r.ranked);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Tokens of the diff text the model would see for the file (hunks with their prefixes). */
export function estimateDiffTokens(file: DiffFile): number {
  let text = file.path;
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) text += `\n${line.text}`;
  }
  return estimateTokens(text);
}

function addedLines(file: DiffFile): string[] {
  return file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add').map((l) => l.text));
}

/** A line that is only a comment, in the common comment syntaxes. */
const COMMENT_LINE = /^\s*(\/\/|#(?!include|define|if|!)|\/\*|\*|--|<!--|"""|''')/;

/** Added plus deleted lines that carry logic: not blank, not comment-only. */
export function logicLines(file: DiffFile): number {
  let count = 0;
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind !== 'context' && line.text.trim() !== '' && !COMMENT_LINE.test(line.text)) count += 1;
    }
  }
  return count;
}

export interface BudgetOptions {
  maxInputTokens?: number;
  maxCostUsd?: number;
  model: string;
  /**
   * Tokens every run pays before any file: the system prefix and per-request framing. Counted against
   * the token budget and priced once as a cache write.
   */
  fixedTokens?: number;
  /** Expected output tokens per input token, for the cost estimate (reviews answer briefly). */
  outputRatio?: number;
}

export interface BudgetResult {
  reviewed: DiffFile[];
  skipped: SkippedFile[];
  estimatedTokens: number;
  estimatedCostUsd: number;
}

const DEFAULT_OUTPUT_RATIO = 0.1;

/**
 * Fits the ranked files into the per-PR budget, riskiest first. A file that does not fit is skipped as
 * `over-budget` and smaller, lower-ranked files may still fill the room left: the budget buys as much
 * reviewed change as it can, and every skipped file is named in the summary. With neither limit set,
 * everything is reviewed.
 */
export function applyBudget(ordered: RankedFile[], opts: BudgetOptions): BudgetResult {
  const ratio = opts.outputRatio ?? DEFAULT_OUTPUT_RATIO;
  const fixed = opts.fixedTokens ?? 0;
  const costOf = (tokens: number) =>
    estimateCostUsd(opts.model, {
      input: tokens,
      cacheWrite: fixed,
      cacheRead: 0,
      output: Math.ceil(tokens * ratio),
    });
  const result: BudgetResult = {
    reviewed: [],
    skipped: [],
    estimatedTokens: fixed,
    estimatedCostUsd: costOf(0),
  };
  let tokens = 0;
  for (const { file, tokens: fileTokens } of ordered) {
    const next = tokens + fileTokens;
    const overTokens = opts.maxInputTokens !== undefined && fixed + next > opts.maxInputTokens;
    const overCost = opts.maxCostUsd !== undefined && costOf(next) > opts.maxCostUsd;
    if (overTokens || overCost) {
      const detail = overTokens
        ? `needs ~${fileTokens} input tokens`
        : `would exceed the $${opts.maxCostUsd} budget`;
      result.skipped.push({ path: file.path, reason: 'over-budget', detail });
      continue;
    }
    tokens = next;
    result.reviewed.push(file);
  }
  result.estimatedTokens = fixed + tokens;
  result.estimatedCostUsd = costOf(tokens);
  return result;
}
