import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An error with a status and a public message: the only text of an error that reaches a client. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: { issues?: unknown[]; retryAfterSeconds?: number; quota?: QuotaReached },
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = () => new ApiError(404, 'not_found', 'Not found');
export const unauthorized = (message = 'A valid API key is required') =>
  new ApiError(401, 'unauthorized', message);
export const forbidden = (scope: string) =>
  new ApiError(403, 'forbidden', `This key lacks the ${scope} scope`);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new ApiError(429, 'rate_limited', 'Too many requests', { retryAfterSeconds });

/** A per-account quota an account reached (`api/quotas.ts`). */
export interface QuotaReached {
  name: 'reviews_per_day' | 'stored_bytes';
  limit: number;
  /** When the account may store again (ISO 8601); null when waiting does not help. */
  resetsAt: string | null;
}

/** The JSON error body every failure answers with. */
export function errorBody(
  code: string,
  message: string,
  requestId: string | undefined,
  issues?: unknown[],
  quota?: QuotaReached,
) {
  return {
    error: {
      code,
      message,
      ...(requestId ? { requestId } : {}),
      ...(issues ? { issues } : {}),
      ...(quota ? { quota } : {}),
    },
  };
}
