import type { TokenUsage } from '../types.js';

/** USD per million tokens. `known` is false when the model was not recognised and Sonnet prices stand in. */
export interface ModelPrice {
  input: number;
  output: number;
  known: boolean;
}

type Family = 'opus' | 'sonnet' | 'haiku';

/**
 * Anthropic list prices (platform.claude.com/docs/en/about-claude/pricing), newest tier first per family:
 * a model takes the first row whose version it reaches. Opus dropped from $15/$75 to $5/$25 at 4.5.
 */
const PRICE_TABLE: { family: Family; from: number; input: number; output: number }[] = [
  { family: 'opus', from: 4.5, input: 5, output: 25 },
  { family: 'opus', from: 0, input: 15, output: 75 },
  { family: 'sonnet', from: 0, input: 3, output: 15 },
  { family: 'haiku', from: 4, input: 1, output: 5 },
  { family: 'haiku', from: 3.5, input: 0.8, output: 4 },
  { family: 'haiku', from: 0, input: 0.25, output: 1.25 },
];
const FALLBACK = { input: 3, output: 15 };
/** Prompt caching: a 5-minute cache write costs 1.25× input, a cache read 0.1× input. */
const CACHE_WRITE_FACTOR = 1.25;
const CACHE_READ_FACTOR = 0.1;

/** Prices for a model id such as `claude-sonnet-4-5`, `claude-opus-4-1-20250805` or `claude-3-5-haiku-latest`. */
export function modelPrice(model: string): ModelPrice {
  const parsed = parseModel(model.toLowerCase());
  const row = parsed && PRICE_TABLE.find((r) => r.family === parsed.family && parsed.version >= r.from);
  return row ? { input: row.input, output: row.output, known: true } : { ...FALLBACK, known: false };
}

/**
 * What a run cost, for the summary and the budget. An estimate: list prices, 5-minute cache writes, no
 * batch or regional pricing. An unknown model is priced as Sonnet (see `modelPrice().known`).
 */
export function estimateCostUsd(model: string, usage: TokenUsage): number {
  const price = modelPrice(model);
  const inputEquivalent =
    usage.input + usage.cacheWrite * CACHE_WRITE_FACTOR + usage.cacheRead * CACHE_READ_FACTOR;
  const usd = (inputEquivalent * price.input + usage.output * price.output) / 1_000_000;
  return Math.round(usd * 1_000_000) / 1_000_000;
}

/** Family and version from both id styles: `claude-opus-4-5-…` and `claude-3-5-haiku-…`. */
function parseModel(model: string): { family: Family; version: number } | undefined {
  const modern = /(opus|sonnet|haiku)-(\d+)(?:[-.](\d)(?!\d))?/.exec(model);
  const legacy = /claude-(\d+)(?:[-.](\d))?-(opus|sonnet|haiku)/.exec(model);
  // Legacy ids end in a date that the modern pattern would read as a version.
  if (legacy) return { family: legacy[3] as Family, version: Number(`${legacy[1]}.${legacy[2] ?? 0}`) };
  if (modern) return { family: modern[1] as Family, version: Number(`${modern[2]}.${modern[3] ?? 0}`) };
  return undefined;
}

/** Adds `usage` into `total`: the usage of a run is the sum of its requests'. */
export function addUsage(total: TokenUsage, usage: TokenUsage): void {
  total.input += usage.input;
  total.cacheWrite += usage.cacheWrite;
  total.cacheRead += usage.cacheRead;
  total.output += usage.output;
}
