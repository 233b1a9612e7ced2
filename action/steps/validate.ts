import type { Finding, Severity } from '../../shared/index.js';
import { addUsage, estimateCostUsd } from '../core/plan/cost.js';
import { MODEL_ROUTES } from '../core/plan/triage.js';
import {
  batchValidation,
  buildValidationPrompt,
  CONFIRM_TOOL,
  confirmedIndexes,
  needsValidation,
  VALIDATION_SYSTEM,
  validationOutputTokens,
} from '../core/findings/validation.js';
import type { ReviewOutcome, TokenUsage } from '../core/types.js';
import type { HeadReader } from './head-files.js';
import { estimateTokens } from '../core/plan/tokens.js';
import type { ModelLanes } from './model-lanes.js';
import { REQUEST_BUDGET_TOKENS } from './review.js';
import type { Effective, EngineDeps } from './run-context.js';

export const DEFAULT_VALIDATION_MIN_SEVERITY: Severity = 'high';

export interface ValidationResult<T> {
  kept: T[];
  stats?: NonNullable<ReviewOutcome['validation']>;
  usage: TokenUsage;
  costUsd: number;
}

/**
 * The validation pass: findings at or above `validation.min-severity` (default high) that are new to the PR
 * are re-checked by the cheap model against the exact code, in as few requests as the request budget allows
 * (one unless their text exceeds it); unconfirmed ones are dropped and counted. Findings already on the PR
 * were confirmed when first raised, and `skip` ones (deterministic secret findings) need no model's opinion.
 * A failed validation request keeps its findings: a broken validator must not silently delete real problems.
 */
export async function validateFindings<T extends Finding & { fingerprint: string }>(
  deps: EngineDeps,
  effective: Effective,
  input: { findings: T[]; skip: (f: T) => boolean; readHead: HeadReader; lanes: ModelLanes },
): Promise<ValidationResult<T>> {
  const usage: TokenUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  const settings = effective.config.validation;
  if (settings?.enabled === false) return { kept: input.findings, usage, costUsd: 0 };
  const min = settings?.['min-severity'] ?? DEFAULT_VALIDATION_MIN_SEVERITY;
  const wanted = input.findings.filter((f) => !input.skip(f) && needsValidation(f, min));
  // The validator must see the code: a finding whose file cannot be read is kept unchecked, not dropped.
  const texts = await Promise.all(wanted.map((f) => input.readHead(f.path).catch(() => undefined)));
  const fileTexts = new Map(wanted.map((f, i) => [f, texts[i]]));
  const candidates = wanted.filter((f) => fileTexts.get(f) !== undefined);
  if (candidates.length === 0) return { kept: input.findings, usage, costUsd: 0 };

  const model = MODEL_ROUTES.triage;
  const dropped = new Set<T>();
  const errors: string[] = [];
  let costUsd = 0;
  const items = candidates.map((finding) => ({ finding, fileText: fileTexts.get(finding) }));
  const batches = batchValidation(items, REQUEST_BUDGET_TOKENS);
  // Usually one request; a flood of findings is split, and its batches share the review's lanes (and so
  // the account's rate limits).
  const validate = async (batch: (typeof batches)[number]) => {
    const user = buildValidationPrompt(batch);
    const maxOutputTokens = validationOutputTokens(batch.length);
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
      deps.log.warning(`Validation request failed (${result.error}); its findings are kept`);
      return;
    }
    const confirmed = confirmedIndexes(result.verdicts, batch.length);
    batch.forEach((item, index) => {
      if (!confirmed.has(index)) dropped.add(item.finding);
    });
  };
  await Promise.all(batches.map(validate));
  deps.log.info(`Validation: ${candidates.length} findings re-checked, ${dropped.size} unconfirmed dropped`);
  return {
    kept: input.findings.filter((f) => !dropped.has(f)),
    stats: {
      checked: candidates.length,
      dropped: dropped.size,
      model,
      ...(errors.length > 0 ? { error: errors[0]! } : {}),
    },
    usage,
    costUsd,
  };
}
