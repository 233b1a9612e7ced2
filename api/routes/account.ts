import { createRoute } from '@hono/zod-openapi';
import { lockAccount, recordAudit } from '../db/index.js';
import { notFound } from '../errors.js';
import { exportBody } from '../export.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import { accountPurgeAfter } from '../retention.js';
import { AccountDeletedSchema, AccountExportSchema } from '../schemas.js';
import type { AppDeps } from '../types.js';
import { AUTH_ERRORS, SECURITY, json, newRouter } from './router.js';

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
  security: SECURITY,
  responses: { 202: json(AccountDeletedSchema, 'Locked; purge scheduled'), ...AUTH_ERRORS },
});

export function accountRouter(deps: AppDeps, auth: Auth) {
  const { db, clock } = deps;
  const app = newRouter();
  // `/x/*` also matches `/x` itself: one registration, so authentication runs once per request.
  app.use('/v1/account/*', auth.requireAuth, requireScope('admin'));

  // The export streams its JSON (`export.ts`), which a typed `openapi()` handler cannot return: the route is
  // registered for the OpenAPI document and served by a plain handler.
  app.openAPIRegistry.registerPath(exportRoute);
  app.get(exportRoute.path, (c) => {
    const principal = c.get('principal');
    const now = clock();
    recordAudit(db.orm, {
      accountId: principal.accountId,
      actor: principal.actor,
      action: 'account.export',
      target: principal.accountId,
      clientAddress: c.get('clientAddress'),
      at: now,
    });
    const body = exportBody(db.orm, principal.accountId, now);
    if (!body) throw notFound();
    return c.body(body, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="diffray-export-${principal.accountId}.json"`,
    });
  });

  return app.openapi(deleteRoute, (c) => {
    const principal = c.get('principal');
    const now = clock();
    const purgeAfter = accountPurgeAfter(now);
    recordAudit(db.orm, {
      accountId: principal.accountId,
      actor: principal.actor,
      action: 'account.delete',
      target: principal.accountId,
      clientAddress: c.get('clientAddress'),
      at: now,
    });
    if (!lockAccount(db.orm, principal.accountId, now, purgeAfter)) throw notFound();
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
