import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { recordAudit } from '../db/index.js';
import { errorBody } from '../errors.js';
import type { AppDeps, AppEnv } from '../types.js';
import { ErrorSchema } from '../schemas.js';

/** Validation failures answer JSON: 422 for bodies (the request was understood but is wrong), 400 otherwise. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const defaultHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (result.success) return;
  const issues = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    code: i.code,
    message: i.message,
  }));
  const status = result.target === 'json' ? 422 : 400;
  return c.json(errorBody('invalid_request', `Invalid ${result.target}`, c.get('requestId'), issues), status);
};

export function newRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook });
}

export const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** The error answers every authenticated route can give (documented once). */
export const AUTH_ERRORS = {
  400: err('Malformed request (for example a key in the query string)'),
  401: err('Missing, malformed, unknown, revoked or expired key'),
  403: err('The key lacks the scope'),
  429: err('Rate limited; see Retry-After'),
} as const;

export const NOT_FOUND = { 404: err('Not found (also another account’s object)') } as const;
export const UNPROCESSABLE = { 422: err('The body failed validation') } as const;
export const SECURITY = [{ bearerAuth: [] }];

export function json<T>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** Records in the account's audit log what the authenticated caller of the request did, and from where. */
export async function auditCall(
  c: Context<AppEnv>,
  db: AppDeps['db'],
  entry: { action: string; target: string; at: Date },
): Promise<void> {
  const principal = c.get('principal');
  await recordAudit(db, {
    accountId: principal.accountId,
    actor: principal.actor,
    ...entry,
    clientAddress: c.get('clientAddress'),
  });
}
