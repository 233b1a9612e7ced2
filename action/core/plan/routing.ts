import { fallbackModel, isOverloadedError, MODEL_ROUTES } from './triage.js';

export interface ModelRouter {
  /** The model a request for the configured model goes to now (the fallback once the switch happened). */
  primary(): string;
  /**
   * Called after a request to the configured model failed. Returns the model to re-send the same request to
   * (the fallback) when the failure was an overload, else undefined.
   */
  onFailure(model: string, error: string): string | undefined;
  onSuccess(model: string): void;
  /** Set once the fallback reviewed something: the summary names it and the model it stood in for. */
  fallbackUsed(): { model: string; overloaded: string } | undefined;
}

/**
 * On repeated 529s the fallback model finishes the job. Each request already went through the SDK's
 * retries, so an overloaded failure is a repeated 529: that request is re-sent to the fallback at once
 * (a PR of one request must not end unreviewed), and after `overloadedBeforeFallback` such failures in a
 * row every later request goes straight to the fallback rather than waiting through more retries.
 */
export function createModelRouter(model: string): ModelRouter {
  const fallback = fallbackModel(model);
  let overloadedInARow = 0;
  let switched = false;
  let used: { model: string; overloaded: string } | undefined;
  return {
    primary: () => (switched && fallback !== undefined ? fallback : model),
    onFailure(failed, error) {
      if (failed !== model || fallback === undefined || !isOverloadedError(error)) {
        if (failed === model) overloadedInARow = 0;
        return undefined;
      }
      overloadedInARow += 1;
      if (overloadedInARow >= MODEL_ROUTES.overloadedBeforeFallback) switched = true;
      return fallback;
    },
    onSuccess(succeeded) {
      if (succeeded === model) overloadedInARow = 0;
      if (succeeded === fallback && fallback !== undefined) used ??= { model: fallback, overloaded: model };
    },
    fallbackUsed: () => used,
  };
}
