import { createRoute, z } from '@hono/zod-openapi';
import { deleteRepositoryEverywhere, hasDelivery, recordAudit, recordDelivery } from '../db/index.js';
import { ApiError } from '../errors.js';
import type { Auth } from '../auth/authenticate.js';
import { WebhookResultSchema } from '../schemas.js';
import type { AppDeps } from '../types.js';
import { repositoriesRemoved, verifySignature } from '../github-webhook.js';
import { err, json, newRouter } from './router.js';

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const route = createRoute({
  method: 'post',
  path: '/v1/github/webhook',
  summary: 'GitHub webhook: repository deleted / removed from the installation deletes its data',
  request: {
    headers: z.object({
      'x-hub-signature-256': z
        .string()
        .optional()
        .openapi({ description: 'sha256=<HMAC-SHA256 hex of the raw body>' }),
      'x-github-event': z.string().optional(),
      'x-github-delivery': z.string().optional(),
    }),
  },
  responses: {
    200: json(WebhookResultSchema, 'Handled (a redelivery is a no-op)'),
    400: err('Missing delivery id or malformed JSON'),
    401: err('Bad signature'),
    429: err('Too many bad signatures from this address'),
  },
});

export function webhookRouter(deps: AppDeps, auth: Auth) {
  const { db, clock, config } = deps;
  return newRouter().openapi(route, async (c) => {
    auth.checkFailedAuth(c);
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (!verifySignature(raw, c.req.header('x-hub-signature-256'), config.webhookSecrets)) {
      auth.noteFailedAuth(c);
      throw new ApiError(401, 'bad_signature', 'Invalid signature');
    }
    const delivery = c.req.header('x-github-delivery');
    if (!delivery || delivery.length > 100)
      throw new ApiError(400, 'missing_delivery', 'X-GitHub-Delivery is required');
    if (hasDelivery(db.orm, delivery)) return c.json({ status: 'duplicate' as const }, 200);

    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      throw new ApiError(400, 'malformed_json', 'Malformed JSON');
    }
    const now = clock();
    let deletedFrom = 0;
    for (const fullName of repositoriesRemoved(c.req.header('x-github-event'), payload)) {
      if (!REPOSITORY.test(fullName)) continue;
      for (const accountId of deleteRepositoryEverywhere(db, fullName)) {
        deletedFrom += 1;
        recordAudit(db.orm, {
          accountId,
          actor: 'github',
          action: 'repository.delete',
          target: fullName,
          clientAddress: c.get('clientAddress'),
          at: now,
        });
      }
    }
    recordDelivery(db.orm, delivery, now);
    return c.json(
      { status: deletedFrom > 0 ? ('processed' as const) : ('ignored' as const), deletedFrom },
      200,
    );
  });
}
