import { describe, expect, it } from 'vitest';
import { addUsage, estimateCostUsd, modelPrice } from '../../../../../action/core/plan/cost.js';

const none = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };

describe('modelPrice', () => {
  it.each([
    ['claude-sonnet-4-5', 3, 15],
    ['claude-sonnet-4-5-20250929', 3, 15],
    ['claude-3-7-sonnet-latest', 3, 15],
    ['claude-opus-4-5', 5, 25],
    ['claude-opus-4-6', 5, 25],
    ['claude-opus-4-1-20250805', 15, 75],
    ['claude-opus-4-20250514', 15, 75],
    ['claude-3-opus-20240229', 15, 75],
    ['claude-haiku-4-5', 1, 5],
    ['claude-3-5-haiku-20241022', 0.8, 4],
    ['claude-3-haiku-20240307', 0.25, 1.25],
    ['anthropic.claude-opus-4-5-20251101-v1:0', 5, 25],
  ])('%s costs $%s in / $%s out per MTok', (model, input, output) => {
    expect(modelPrice(model)).toEqual({ input, output, known: true });
  });

  it('prices an unknown model as Sonnet and flags it', () => {
    expect(modelPrice('my-gateway-model')).toEqual({ input: 3, output: 15, known: false });
  });
});

describe('estimateCostUsd', () => {
  it('is zero for no tokens', () => {
    expect(estimateCostUsd('claude-sonnet-4-5', none)).toBe(0);
  });

  it('charges input and output at the model price', () => {
    expect(estimateCostUsd('claude-sonnet-4-5', { ...none, input: 1_000_000, output: 1_000_000 })).toBe(18);
  });

  it('charges cache writes at 1.25× and cache reads at 0.1× input', () => {
    expect(estimateCostUsd('claude-sonnet-4-5', { ...none, cacheWrite: 1_000_000 })).toBe(3.75);
    expect(estimateCostUsd('claude-sonnet-4-5', { ...none, cacheRead: 1_000_000 })).toBe(0.3);
    expect(estimateCostUsd('claude-haiku-4-5', { ...none, cacheRead: 1_000_000 })).toBe(0.1);
  });

  it('adds everything up for a typical review', () => {
    const usage = { input: 20_000, cacheWrite: 3_000, cacheRead: 12_000, output: 1_500 };
    // 20k×3 + 3k×3.75 + 12k×0.3 + 1.5k×15 = 60 000 + 11 250 + 3 600 + 22 500 = 97 350 µ$
    expect(estimateCostUsd('claude-sonnet-4-5', usage)).toBeCloseTo(0.09735, 6);
  });
});

describe('addUsage', () => {
  it('adds each kind of token into the total', () => {
    const total = { input: 1, cacheWrite: 2, cacheRead: 3, output: 4 };
    addUsage(total, { input: 10, cacheWrite: 20, cacheRead: 30, output: 40 });
    expect(total).toEqual({ input: 11, cacheWrite: 22, cacheRead: 33, output: 44 });
  });
});
