import type { Finding } from '../../shared/index.js';
import { addUsage, estimateCostUsd } from '../core/plan/cost.js';
import { MODEL_ROUTES } from '../core/plan/triage.js';
import {
  batchValidation,
  buildValidationPrompt,
  CONFIRM_TOOL,
  DEFAULT_VALIDATION_MIN_SEVERITY,
  DEFAULT_VALIDATION_THRESHOLD,
  keptScores,
  needsValidation,
  VALIDATION_SYSTEM,
  validationOutputTokens,
  validatorRoute,
  type ValidationItem,
} from '../core/findings/validation.js';
import type { DiffFile, ReviewOutcome, TokenUsage } from '../core/types.js';
import { redactSecrets } from '../core/input/secrets.js';
import type { HeadReader } from './head-files.js';
import { estimateTokens } from '../core/plan/tokens.js';
import type { ModelLanes } from './model-lanes.js';
import { REQUEST_BUDGET_TOKENS } from './review.js';
import type { Effective, EngineDeps, ReviewSettings } from './run-context.js';

export { DEFAULT_VALIDATION_MIN_SEVERITY, DEFAULT_VALIDATION_THRESHOLD };

/** A finding the validation pass dropped, with its score and the validator's reason. */
export interface ValidationDrop<T> {
  finding: T;
  score: number;
  reason: string;
}

export interface ValidationResult<T> {
  /** The findings kept, those graded carrying their `validationScore`. */
  kept: T[];
  dropped: ValidationDrop<T>[];
  stats?: NonNullable<ReviewOutcome['validation']>;
  usage: TokenUsage;
  costUsd: number;
  /** Requests sent, per model. */
  calls: number;
}

/** Where the validator finds what a finding relies on: its file's diff, and the rule text it cites. */
export interface ValidationContext {
  files: DiffFile[];
  ruleText: (rule: string) => string | undefined;
}

/**
 * The validation pass: every new finding at or above `validation.min-severity` (default low: all of them)
 * is graded 0–100 against its enclosing block with the diff's marks, the PR's title and description and
 * the rule it cites; defects by the review model, rule, guideline and style findings by the cheaper one,
 * in as few requests per model as the request budget allows (one unless their text exceeds it). Findings
 * below `validation.threshold` (default 80) are dropped and counted; kept ones carry their score, which
 * ranks them for `max-comments`. Findings already on the PR were graded when first raised, and `skip` ones
 * (deterministic secret findings) need no model's opinion. A failed request keeps its findings, unchecked,
 * and says so: a broken validator must not silently delete real problems.
 */
export async function validateFindings<T extends Finding & { fingerprint: string; validationScore?: number }>(
  deps: EngineDeps,
  settings: Pick<ReviewSettings, 'pr'>,
  effective: Effective,
  input: {
    findings: T[];
    skip: (f: T) => boolean;
    readHead: HeadReader;
    lanes: ModelLanes;
    context: ValidationContext;
    lines: (f: T) => { start: number; end: number };
  },
): Promise<ValidationResult<T>> {
  const usage: TokenUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  const none = { kept: input.findings, dropped: [], usage, costUsd: 0, calls: 0 };
  const config = effective.config.validation;
  if (config?.enabled === false) return none;
  const min = config?.['min-severity'] ?? DEFAULT_VALIDATION_MIN_SEVERITY;
  const threshold = config?.threshold ?? DEFAULT_VALIDATION_THRESHOLD;
  const wanted = input.findings.filter((f) => !input.skip(f) && needsValidation(f, min));
  const texts = await Promise.all(wanted.map((f) => input.readHead(f.path).catch(() => undefined)));
  const fileOf = new Map(input.context.files.map((f) => [f.path, f]));
  // The validator must see the code: a finding with neither its file's text nor its diff is kept unchecked.
  const items = wanted
    .map((finding, i): ValidationItem & { finding: T } => ({
      finding,
      lines: input.lines(finding),
      file: fileOf.get(finding.path),
      fileText: texts[i],
      ...(finding.rule !== undefined ? { ruleText: input.context.ruleText(finding.rule) } : {}),
    }))
    .filter((item) => item.fileText !== undefined || (item.file?.hunks.length ?? 0) > 0);
  const candidates = items.map((item) => item.finding);
  if (candidates.length === 0) return none;
  const pr = { title: redactSecrets(settings.pr.title), body: redactSecrets(settings.pr.body) };
  const models = { review: effective.model, cheap: MODEL_ROUTES.triage };
  const groups = new Map<string, typeof items>();
  for (const item of items) {
    const model = models[validatorRoute(item.finding)];
    groups.set(model, [...(groups.get(model) ?? []), item]);
  }

  const scores = new Map<T, number>();
  const dropped: ValidationDrop<T>[] = [];
  const errors: string[] = [];
  let unchecked = 0;
  let costUsd = 0;
  let calls = 0;
  const validate = async (model: string, batch: typeof items) => {
    const user = buildValidationPrompt(batch, pr);
    const maxOutputTokens = validationOutputTokens(batch.length);
    calls++;
    const result = await input.lanes.run({
      model: () => model,
      // Its prefix is not cached: tools, system prompt and findings all count against the input limit.
      cost: () => ({
        input: estimateTokens(JSON.stringify(CONFIRM_TOOL) + VALIDATION_SYSTEM + user),
        output: maxOutputTokens,
      }),
      send: (_model, observer) =>
        deps.model.confirm({
          model,
          system: VALIDATION_SYSTEM,
          user,
          maxOutputTokens,
          count: batch.length,
          observer,
        }),
    });
    addUsage(usage, result.usage);
    costUsd += estimateCostUsd(model, result.usage);
    if (!result.ok) {
      errors.push(result.error);
      unchecked += batch.length;
      deps.log.warning(
        `Validation request to ${model} failed (${result.error}); its ${batch.length} findings are kept unchecked`,
      );
      return;
    }
    const kept = keptScores(result.verdicts, batch.length, threshold);
    const reasons = new Map(result.verdicts.map((v) => [v.index, v]));
    batch.forEach((item, index) => {
      const score = kept.get(index);
      if (score !== undefined) scores.set(item.finding, score);
      else {
        const verdict = reasons.get(index);
        dropped.push({
          finding: item.finding,
          score: verdict?.score ?? 0,
          reason: verdict?.reason || 'no verdict',
        });
      }
    });
  };
  await Promise.all(
    [...groups].flatMap(([model, group]) =>
      batchValidation(group, REQUEST_BUDGET_TOKENS, pr).map((batch) => validate(model, batch)),
    ),
  );
  const droppedSet = new Set(dropped.map((d) => d.finding));
  deps.log.info(
    `Validation: ${candidates.length} findings graded, ${dropped.length} below ${threshold} dropped` +
      (unchecked > 0 ? `, ${unchecked} kept unchecked` : ''),
  );
  return {
    kept: input.findings
      .filter((f) => !droppedSet.has(f))
      .map((f) => (scores.has(f) ? { ...f, validationScore: scores.get(f)! } : f)),
    dropped,
    stats: {
      checked: candidates.length,
      dropped: dropped.length,
      threshold,
      models: [...groups.keys()],
      ...(unchecked > 0 ? { unchecked } : {}),
      ...(errors.length > 0 ? { error: errors[0]! } : {}),
    },
    usage,
    costUsd,
    calls,
  };
}
