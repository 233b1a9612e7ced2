/**
 * The quality section (issue 18 §5): the engine in process on the synthetic PRs (real git repositories, the
 * real git adapter), with a model port scripted to report true findings and false ones of every kind the
 * filters and the validator must catch, and usage computed from the requests' text with the action's own
 * token estimator. Prints what was posted and what each filter dropped, the validation requests and tokens
 * per size, and what validation and the PR-wide overview add to the review's cache-weighted input.
 */
import { createHash } from 'node:crypto';
import { createGitPort } from '../action/adapters/git.js';
import { execGitRunner, execGitStreamer } from '../action/adapters/git-process.js';
import { runReview } from '../action/engine.js';
import { estimateCostUsd } from '../action/core/plan/cost.js';
import { CONFIRM_TOOL, VALIDATION_SYSTEM } from '../action/core/findings/validation.js';
import { FINDINGS_TOOL } from '../action/core/plan/prompt.js';
import { estimateTokens } from '../action/core/plan/tokens.js';
import type { TokenUsage } from '../action/core/types.js';
import type { ModelPort, ModelRequest } from '../action/ports.js';
import { addedLines } from './lib/model.js';
import { makeSyntheticPr } from './lib/synthetic.js';

const REVIEW_MODEL = 'claude-sonnet-4-5';
const RULE_TEXT = 'Never pass an untyped value to the cache; narrow it first.';
const CONFIG = `rules:
  - id: typed-cache
    title: Typed cache values
    description: ${RULE_TEXT}
    severity: low
    files: ["**/*.ts"]
`;

/**
 * What the scripted model reports for a file, by a hash of its path (one kind per file): findings that
 * reach the validator on one file in four, as the action bench's model reports them (two true, one true
 * rule finding, one the validator must drop, in 16), and one in five more the filters in code must drop.
 */
const KINDS = [
  'true',
  'true',
  'true-rule',
  'false-validator',
  'false-low-confidence',
  'false-base-only',
  'false-misquoted-rule',
  ...Array.from({ length: 9 }, () => 'none' as const),
] as const;
type Kind = (typeof KINDS)[number];
const isFalse = (k: Kind) => k.startsWith('false');

export interface QualityFigures {
  files: number;
  scripted: Record<string, number>;
  trueKept: number;
  trueTotal: number;
  falseDropped: number;
  falseTotal: number;
  filtered: Record<string, number>;
  validation: {
    calls: number;
    graded: number;
    dropped: number;
    input: number;
    output: number;
    costUsd: number;
  };
  review: { calls: number; weightedInput: number; costUsd: number };
  overview: { calls: number; input: number; output: number };
  /** Validation's input ÷ the review's cache-weighted input. */
  validationShare: number;
  /** Validation and overview dollars ÷ the review's. */
  addedCostShare: number;
}

const hash = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0);
const kindOf = (path: string): Kind => KINDS[hash(path) % KINDS.length]!;
const weighted = (u: TokenUsage) => u.input + 1.25 * u.cacheWrite + 0.1 * u.cacheRead;

/** Deleted rows and unchanged rows (with their line) of each file in a request's listing. */
function baseRows(
  text: string,
): Map<string, { deleted: string[]; unchanged: { line: number; text: string }[] }> {
  const files = new Map<string, { deleted: string[]; unchanged: { line: number; text: string }[] }>();
  let current: { deleted: string[]; unchanged: { line: number; text: string }[] } | undefined;
  for (const row of text.split('\n')) {
    const heading = /^## (.+) \((added|modified|renamed|deleted|copied)[^)]*\)$/.exec(row);
    if (heading) {
      current = { deleted: [], unchanged: [] };
      files.set(heading[1]!, current);
      continue;
    }
    if (!current) continue;
    if (row.startsWith('-')) current.deleted.push(row.slice(1));
    const m = /^(\d+) (.*)$/.exec(row);
    if (m) current.unchanged.push({ line: Number(m[1]), text: m[2]! });
  }
  return files;
}

/** The model port of the bench: scripted findings, usage from the requests' text. */
function scriptedModel(scripted: Map<string, Kind>, tally: QualityFigures): ModelPort {
  const prefixes = new Set<string>();
  const reviewUsage = (request: ModelRequest): TokenUsage => {
    const prefix = estimateTokens(JSON.stringify(FINDINGS_TOOL) + request.system);
    const key = `${request.model}\n${request.system}`;
    const cached = prefixes.has(key);
    prefixes.add(key);
    return {
      input: estimateTokens(request.user),
      cacheWrite: cached ? 0 : prefix,
      cacheRead: cached ? prefix : 0,
      output: 0,
    };
  };
  return {
    review(request) {
      const findings: Record<string, unknown>[] = [];
      const base = baseRows(request.user);
      for (const [path, lines] of addedLines(request.user)) {
        const target = lines.find((l) => l.text.trim().length > 12);
        const kind = kindOf(path);
        if (!target || kind === 'none' || scripted.has(path)) continue;
        const finding = {
          path,
          line: target.line,
          quote: target.text,
          severity: 'medium',
          category: 'correctness',
          title: `True: the value at ${path}:${target.line} is not narrowed`,
          body: 'The value can be undefined on the error path, and the sum then becomes NaN. Narrow it first.',
          confidence: 0.9,
        };
        if (kind === 'true') findings.push(finding);
        if (kind === 'true-rule')
          findings.push({
            ...finding,
            category: 'style',
            rule: 'typed-cache',
            ruleQuote: RULE_TEXT.split(';')[0],
          });
        if (kind === 'false-validator') findings.push({ ...finding, title: `False: ${finding.title}` });
        if (kind === 'false-low-confidence')
          findings.push({ ...finding, title: `False: ${finding.title}`, confidence: 0.3 });
        if (kind === 'false-misquoted-rule')
          findings.push({
            ...finding,
            title: `False: ${finding.title}`,
            category: 'style',
            rule: 'typed-cache',
            ruleQuote: 'Always cache untyped values',
          });
        if (kind === 'false-base-only') {
          const rows = base.get(path);
          const at = rows?.unchanged.find((u) => u.text.trim().length > 12);
          const quote = rows?.deleted.find((d) => d.trim().length > 12);
          if (!at || !quote) continue;
          findings.push({ ...finding, title: `False: ${finding.title}`, line: at.line, quote });
        }
        if (findings.length > 0 && findings.at(-1)!.path === path) scripted.set(path, kind);
      }
      const usage = reviewUsage(request);
      usage.output = estimateTokens(JSON.stringify({ findings }));
      tally.review.calls++;
      tally.review.weightedInput += weighted(usage);
      tally.review.costUsd += estimateCostUsd(request.model, usage);
      return Promise.resolve({ ok: true, findings: findings as never, usage });
    },
    confirm(request) {
      const blocks = request.user.split(/^\[(\d+)\] /m);
      const verdicts = [];
      for (let i = 1; i < blocks.length; i += 2) {
        const index = Number(blocks[i]);
        const isFalseFinding = /\nTitle: False:/.test(`\n${blocks[i + 1]!.split('\n').slice(1).join('\n')}`);
        verdicts.push({
          index,
          score: isFalseFinding ? 25 : 92,
          reason: isFalseFinding ? 'not shown' : 'real',
        });
      }
      const input = estimateTokens(JSON.stringify(CONFIRM_TOOL) + VALIDATION_SYSTEM + request.user);
      const usage = { input, cacheWrite: 0, cacheRead: 0, output: verdicts.length * 30 };
      tally.validation.calls++;
      tally.validation.input += input;
      tally.validation.output += usage.output;
      tally.validation.costUsd += estimateCostUsd(request.model, usage);
      return Promise.resolve({ ok: true, verdicts, usage });
    },
    summarize(request) {
      const usage = {
        input: estimateTokens(request.system + request.user),
        cacheWrite: 0,
        cacheRead: 0,
        output: 250,
      };
      tally.overview.calls++;
      tally.overview.input += usage.input;
      tally.overview.output += usage.output;
      tally.review.costUsd += 0;
      tally.validation.costUsd += 0;
      return Promise.resolve({ ok: true, text: 'The change reworks the listed modules. '.repeat(20), usage });
    },
  };
}

/** One size: the synthetic PR reviewed once, in process, with the scripted model. */
export async function runQualityBench(files: number): Promise<QualityFigures> {
  const repo = makeSyntheticPr(files, { config: CONFIG });
  try {
    const tally: QualityFigures = {
      files,
      scripted: {},
      trueKept: 0,
      trueTotal: 0,
      falseDropped: 0,
      falseTotal: 0,
      filtered: {},
      validation: { calls: 0, graded: 0, dropped: 0, input: 0, output: 0, costUsd: 0 },
      review: { calls: 0, weightedInput: 0, costUsd: 0 },
      overview: { calls: 0, input: 0, output: 0 },
      validationShare: 0,
      addedCostShare: 0,
    };
    const scripted = new Map<string, Kind>();
    const log = { info: () => {}, warning: () => {}, debug: () => {} };
    const git = createGitPort({
      run: execGitRunner(repo.workspace),
      stream: execGitStreamer(repo.workspace),
      log,
    });
    const run = await runReview(
      { git, model: scriptedModel(scripted, tally), clock: { now: () => Date.now() }, log },
      {
        repository: 'bench/synthetic',
        serverUrl: 'https://github.com',
        pr: {
          number: 1,
          title: 'Rework the modules',
          body: 'Synthetic PR.',
          draft: false,
          baseSha: repo.baseSha,
          headSha: repo.headSha,
        },
        model: REVIEW_MODEL,
        failOn: 'none',
        maxComments: 1_000,
        configFile: '.diffray.yml',
        exclude: [],
      },
    );
    const postedPaths = new Set(run.findings.map((f) => f.path));
    for (const [path, kind] of scripted) {
      tally.scripted[kind] = (tally.scripted[kind] ?? 0) + 1;
      if (isFalse(kind)) {
        tally.falseTotal++;
        if (!postedPaths.has(path)) tally.falseDropped++;
      } else {
        tally.trueTotal++;
        if (postedPaths.has(path)) tally.trueKept++;
      }
    }
    tally.filtered = { ...run.outcome.filtered };
    tally.validation.graded = run.outcome.validation?.checked ?? 0;
    tally.validation.dropped = run.outcome.validation?.dropped ?? 0;
    tally.validationShare = tally.validation.input / tally.review.weightedInput;
    const overviewCost = estimateCostUsd('claude-haiku-4-5', {
      input: tally.overview.input,
      cacheWrite: 0,
      cacheRead: 0,
      output: tally.overview.output,
    });
    tally.addedCostShare = (tally.validation.costUsd + overviewCost) / tally.review.costUsd;
    return tally;
  } finally {
    repo.cleanup();
  }
}
