import { createRoute } from '@hono/zod-openapi';
import { DAY_MS } from '../../shared/index.js';
import { insertKey, listKeys, revokeKey } from '../db/index.js';
import { notFound } from '../errors.js';
import { displayPrefix, generateKey, hashKey } from '../auth/key-format.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import { CreateKeyBodySchema, CreatedKeySchema, IdParamSchema, KeyListSchema } from '../schemas.js';
import type { AppDeps } from '../types.js';
import { toKeyJson } from './mappers.js';
import { AUTH_ERRORS, NOT_FOUND, SECURITY, UNPROCESSABLE, auditCall, json, newRouter } from './router.js';

const create = createRoute({
  method: 'post',
  path: '/v1/keys',
  summary: 'Create a key (the plaintext is in this answer only)',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeyBodySchema } } } },
  responses: { 201: json(CreatedKeySchema, 'Created'), ...AUTH_ERRORS, ...UNPROCESSABLE },
});

const list = createRoute({
  method: 'get',
  path: '/v1/keys',
  summary: 'List the account’s keys (never hashes or plaintext)',
  security: SECURITY,
  responses: { 200: json(KeyListSchema, 'The keys'), ...AUTH_ERRORS },
});

const revoke = createRoute({
  method: 'delete',
  path: '/v1/keys/{id}',
  summary: 'Revoke a key; effective on its next request',
  security: SECURITY,
  request: { params: IdParamSchema },
  responses: { 204: { description: 'Revoked' }, ...AUTH_ERRORS, ...NOT_FOUND },
});

export function keysRouter(deps: AppDeps, auth: Auth) {
  const { db, clock } = deps;
  const app = newRouter();
  // `/x/*` also matches `/x` itself: one registration, so authentication runs once per request.
  app.use('/v1/keys/*', auth.requireAuth, requireScope('admin'));

  return app
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const principal = c.get('principal');
      const now = clock();
      const key = generateKey();
      const info = await insertKey(db, {
        accountId: principal.accountId,
        hash: hashKey(key),
        prefix: displayPrefix(key),
        name: body.name,
        scopes: [...new Set(body.scopes)],
        expiresAt:
          body.expiresInDays === undefined ? null : new Date(now.getTime() + body.expiresInDays * DAY_MS),
        now,
      });
      await auditCall(c, db, { action: 'key.create', target: info.id, at: now });
      c.header('Cache-Control', 'no-store');
      return c.json({ ...toKeyJson(info), key }, 201);
    })
    .openapi(list, async (c) =>
      c.json({ keys: (await listKeys(db, c.get('principal').accountId)).map(toKeyJson) }, 200),
    )
    .openapi(revoke, async (c) => {
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      const now = clock();
      if (!(await revokeKey(db, id, now, principal.accountId))) throw notFound();
      await auditCall(c, db, { action: 'key.revoke', target: id, at: now });
      return c.body(null, 204);
    });
}
