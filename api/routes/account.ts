import { createRoute } from '@hono/zod-openapi';
import { correctAccount, getAccount, getAccountDetails, lockAccount } from '../db/index.js';
import { ApiError, notFound } from '../errors.js';
import { exportBody } from '../export.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import { accountPurgeAfter } from '../retention.js';
import {
  AccountDeletedSchema,
  AccountDetailsSchema,
  AccountExportSchema,
  AccountPatchSchema,
  DeleteAccountBodySchema,
} from '../schemas.js';
import { toAccountJson } from './mappers.js';
import type { AppDeps } from '../types.js';
import { AUTH_ERRORS, SECURITY, UNPROCESSABLE, auditCall, err, json, newRouter } from './router.js';

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/account/export',
  summary: 'Everything the account holds, as JSON streamed page by page (no key hashes, no session tokens)',
  security: SECURITY,
  responses: { 200: json(AccountExportSchema, 'The export'), ...AUTH_ERRORS },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/account',
  summary: 'Delete the account: keys revoked and sessions ended now, data purged 30 days later',
  description:
    'The body names the account (`{"confirm": "<its name or id>"}`); otherwise 400, nothing deleted.',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: DeleteAccountBodySchema } } } },
  responses: {
    202: json(AccountDeletedSchema, 'Locked; purge scheduled'),
    ...AUTH_ERRORS,
    400: err('The body does not name the account (the message says what to send); nothing was deleted'),
  },
});

const detailsRoute = createRoute({
  method: 'get',
  path: '/v1/account',
  summary: 'What the account holds about itself: its name, company and contact e-mail',
  security: SECURITY,
  responses: { 200: json(AccountDetailsSchema, 'The account'), ...AUTH_ERRORS },
});

const correctRoute = createRoute({
  method: 'patch',
  path: '/v1/account',
  summary: "Correct the account's details (`null` clears one); audited by the names of the fields changed",
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: AccountPatchSchema } } } },
  responses: { 200: json(AccountDetailsSchema, 'The account, corrected'), ...AUTH_ERRORS, ...UNPROCESSABLE },
});

export function accountRouter(deps: AppDeps, auth: Auth) {
  const { db, clock } = deps;
  const app = newRouter();
  // `/x/*` also matches `/x` itself: one registration, so authentication runs once per request.
  app.use('/v1/account/*', auth.requireAuth, requireScope('admin'));
  // Documented from its schema, validated in the handler: every refusal is the 400 that names the account.
  app.openAPIRegistry.registerPath(deleteRoute);

  app
    .openapi(detailsRoute, async (c) => {
      const details = await getAccountDetails(db, c.get('principal').accountId);
      if (!details) throw notFound();
      return c.json(toAccountJson(details), 200);
    })
    .openapi(correctRoute, async (c) => {
      const principal = c.get('principal');
      const corrected = await correctAccount(db, principal.accountId, c.req.valid('json'), {
        actor: principal.actor,
        clientAddress: c.get('clientAddress'),
        at: clock(),
      });
      if (!corrected) throw notFound();
      return c.json(toAccountJson(corrected), 200);
    });

  // The export streams its JSON (`export.ts`), which a typed `openapi()` handler cannot return: the route is
  // registered for the OpenAPI document and served by a plain handler.
  app.openAPIRegistry.registerPath(exportRoute);
  app.get(exportRoute.path, async (c) => {
    const principal = c.get('principal');
    const now = clock();
    await auditCall(c, db, { action: 'account.export', target: principal.accountId, at: now });
    const body = await exportBody(db, principal.accountId, now);
    if (!body) throw notFound();
    return c.body(body, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="diffray-export-${principal.accountId}.json"`,
    });
  });

  return app.delete(deleteRoute.path, async (c) => {
    const principal = c.get('principal');
    const account = await getAccount(db, principal.accountId);
    if (!account) throw notFound();
    const body = DeleteAccountBodySchema.safeParse(await c.req.json().catch(() => undefined));
    const confirm = body.success ? body.data.confirm.trim() : undefined;
    if (confirm !== account.name && confirm !== account.id) {
      throw new ApiError(
        400,
        'confirmation_required',
        `To delete the account, send {"confirm": ${JSON.stringify(account.name)}} (its name, or its id)`,
      );
    }
    const now = clock();
    const purgeAfter = accountPurgeAfter(now);
    await auditCall(c, db, { action: 'account.delete', target: principal.accountId, at: now });
    if (!(await lockAccount(db, principal.accountId, now, purgeAfter))) throw notFound();
    return c.json(
      {
        accountId: principal.accountId,
        deletedAt: now.toISOString(),
        purgeAfter: purgeAfter.toISOString(),
      },
      202,
    );
  });
}
