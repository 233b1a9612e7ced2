import { describe, expect, it } from 'vitest';
import { createModelRouter } from '../../../../../action/core/plan/routing.js';

const OVERLOADED = 'Anthropic API HTTP 529, overloaded_error, request id req_1';

describe('createModelRouter', () => {
  it('re-sends an overloaded request to the fallback and names it once the fallback answered', () => {
    const router = createModelRouter('claude-sonnet-4-5');
    expect(router.onFailure('claude-sonnet-4-5', OVERLOADED)).toBe('claude-haiku-4-5');
    expect(router.fallbackUsed()).toBeUndefined();
    router.onSuccess('claude-haiku-4-5');
    expect(router.fallbackUsed()).toEqual({ model: 'claude-haiku-4-5', overloaded: 'claude-sonnet-4-5' });
  });

  it('sends every later request straight to the fallback after two overloads in a row', () => {
    const router = createModelRouter('claude-opus-4-1');
    router.onFailure('claude-opus-4-1', OVERLOADED);
    expect(router.primary()).toBe('claude-opus-4-1');
    router.onFailure('claude-opus-4-1', OVERLOADED);
    expect(router.primary()).toBe('claude-sonnet-4-5');
  });

  it('does not fall back for other errors, and a success resets the count', () => {
    const router = createModelRouter('claude-sonnet-4-5');
    expect(router.onFailure('claude-sonnet-4-5', 'Anthropic API HTTP 401')).toBeUndefined();
    router.onFailure('claude-sonnet-4-5', OVERLOADED);
    router.onSuccess('claude-sonnet-4-5');
    router.onFailure('claude-sonnet-4-5', OVERLOADED);
    expect(router.primary()).toBe('claude-sonnet-4-5');
  });

  it('has nothing cheaper to fall back to from the smallest model', () => {
    expect(createModelRouter('claude-haiku-4-5').onFailure('claude-haiku-4-5', OVERLOADED)).toBeUndefined();
  });
});
