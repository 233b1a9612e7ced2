import { createRoute } from '@hono/zod-openapi';
import { deleteRepository } from '../db/index.js';
import { notFound } from '../errors.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import { RepositoryParamsSchema } from '../schemas.js';
import type { AppDeps } from '../types.js';
import { AUTH_ERRORS, NOT_FOUND, SECURITY, auditCall, newRouter } from './router.js';

const disconnect = createRoute({
  method: 'delete',
  path: '/v1/repositories/{owner}/{name}',
  summary: 'Disconnect a repository: its metadata, config, reviews, findings and aggregates deleted now',
  security: SECURITY,
  request: { params: RepositoryParamsSchema },
  responses: { 204: { description: 'Deleted' }, ...AUTH_ERRORS, ...NOT_FOUND },
});

export function repositoriesRouter(deps: AppDeps, auth: Auth) {
  const { db, clock } = deps;
  const app = newRouter();
  app.use('/v1/repositories/*', auth.requireAuth, requireScope('admin'));

  return app.openapi(disconnect, async (c) => {
    const principal = c.get('principal');
    const { owner, name } = c.req.valid('param');
    const fullName = await deleteRepository(db, principal.accountId, `${owner}/${name}`);
    if (fullName === undefined) throw notFound();
    await auditCall(c, db, { action: 'repository.delete', target: fullName, at: clock() });
    return c.body(null, 204);
  });
}
