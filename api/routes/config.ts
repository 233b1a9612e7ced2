import { createRoute } from '@hono/zod-openapi';
import { overlayConfig, parseConfigYaml } from '../../shared/index.js';
import { getConfigs, putConfig } from '../db/index.js';
import { readStoredConfig } from '../hosted-config.js';
import { ApiError } from '../errors.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import {
  ConfigQuerySchema,
  ConfigResponseSchema,
  PutConfigBodySchema,
  PutConfigResponseSchema,
} from '../schemas.js';
import type { AppDeps } from '../types.js';
import { AUTH_ERRORS, SECURITY, UNPROCESSABLE, auditCall, json, newRouter } from './router.js';

const get = createRoute({
  method: 'get',
  path: '/v1/config',
  summary: 'The hosted config for a repository: account default merged with the repository’s',
  security: SECURITY,
  request: { query: ConfigQuerySchema },
  responses: { 200: json(ConfigResponseSchema, 'Merged config and the stored YAML'), ...AUTH_ERRORS },
});

const put = createRoute({
  method: 'put',
  path: '/v1/config',
  summary: 'Store the account default (no repository) or one repository’s config as YAML',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: PutConfigBodySchema } } } },
  responses: {
    200: json(PutConfigResponseSchema, 'Stored'),
    ...AUTH_ERRORS,
    ...UNPROCESSABLE,
  },
});

export function configRouter(deps: AppDeps, auth: Auth) {
  const { db, clock, log } = deps;
  const app = newRouter();
  app.use('/v1/config', auth.requireAuth);

  const parseStored = (yaml: string | undefined, what: string) => {
    const stored = readStoredConfig(yaml);
    if (stored.stale) log({ level: 'warn', msg: 'stored config no longer valid; ignored', what });
    return stored.config;
  };

  return app
    .openapi({ ...get, middleware: [requireScope('config:read')] }, async (c) => {
      const { repository } = c.req.valid('query');
      const stored = await getConfigs(db, c.get('principal').accountId, repository);
      const config = overlayConfig(
        parseStored(stored.account?.yaml, 'account'),
        parseStored(stored.repository?.yaml, 'repository'),
      );
      return c.json(
        {
          repository: repository ?? null,
          config,
          yaml: { account: stored.account?.yaml ?? null, repository: stored.repository?.yaml ?? null },
        },
        200,
      );
    })
    .openapi({ ...put, middleware: [requireScope('admin')] }, async (c) => {
      const body = c.req.valid('json');
      const parsed = parseConfigYaml(body.yaml);
      if (!parsed.ok)
        throw new ApiError(422, 'invalid_config', 'The config is invalid', { issues: parsed.issues });
      const principal = c.get('principal');
      const now = clock();
      await putConfig(db, principal.accountId, body.repository, body.yaml, now);
      await auditCall(c, db, {
        action: 'config.update',
        target: body.repository ?? '(account default)',
        at: now,
      });
      return c.json(
        { repository: body.repository ?? null, config: parsed.config, updatedAt: now.toISOString() },
        200,
      );
    });
}
