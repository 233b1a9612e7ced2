import { createRoute, z } from '@hono/zod-openapi';
import {
  deleteRepositoryEverywhere,
  hasDelivery,
  moveRepositoryEverywhere,
  recordAudit,
  recordDelivery,
  repositoriesOfOwner,
} from '../db/index.js';
import { RepositoryNameSchema, RepositoryOwnerSchema } from '../../shared/index.js';
import { ApiError, tooManyRequests } from '../errors.js';
import type { Auth } from '../auth/authenticate.js';
import { WebhookResultSchema } from '../schemas.js';
import type { AppDeps } from '../types.js';
import { repositoryChanges, verifySignature, type RepositoryChange } from '../github-webhook.js';
import { err, json, newRouter } from './router.js';

const route = createRoute({
  method: 'post',
  path: '/v1/github/webhook',
  summary:
    'GitHub webhook: a repository deleted, removed from the installation or uninstalled deletes its data; renamed or transferred, it moves',
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
    429: err('A bad signature from an address that sent too many of them'),
  },
});

export function webhookRouter(deps: AppDeps, auth: Auth) {
  const { db, clock, config } = deps;
  return newRouter().openapi(route, async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    // The signature is checked before the failure limit: a genuine delivery always goes through.
    if (!verifySignature(raw, c.req.header('x-hub-signature-256'), config.webhookSecrets)) {
      const wait = await auth.noteFailedAuth(c);
      throw wait > 0 ? tooManyRequests(wait) : new ApiError(401, 'bad_signature', 'Invalid signature');
    }
    const delivery = c.req.header('x-github-delivery');
    if (!delivery || delivery.length > 100)
      throw new ApiError(400, 'missing_delivery', 'X-GitHub-Delivery is required');
    if (await hasDelivery(db, delivery)) return c.json({ status: 'duplicate' as const }, 200);

    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      throw new ApiError(400, 'malformed_json', 'Malformed JSON');
    }
    const now = clock();
    const audit = async (accountId: string, action: string, target: string) =>
      await recordAudit(db, {
        accountId,
        actor: 'github',
        action,
        target,
        clientAddress: c.get('clientAddress'),
        at: now,
      });
    let deletedFrom = 0;
    let movedIn = 0;
    const remove = async (repository: string) => {
      for (const { accountId, fullName } of await deleteRepositoryEverywhere(db, repository)) {
        deletedFrom += 1;
        await audit(accountId, 'repository.delete', fullName);
      }
    };
    for (const change of repositoryChanges(c.req.header('x-github-event'), payload).filter(wellFormed)) {
      if (change.kind === 'move') {
        for (const accountId of await moveRepositoryEverywhere(db, change.from, change.to)) {
          movedIn += 1;
          await audit(accountId, 'repository.move', `${change.from} -> ${change.to}`);
        }
        continue;
      }
      const gone =
        change.kind === 'delete' ? [change.repository] : await repositoriesOfOwner(db, change.owner);
      for (const repository of gone) {
        await remove(repository);
        // One repository's deletion per turn of the event loop: uninstalling from an owner with many
        // repositories must not hold every other request until the last is deleted.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await recordDelivery(db, delivery, now);
    const status = deletedFrom + movedIn > 0 ? ('processed' as const) : ('ignored' as const);
    return c.json({ status, deletedFrom, movedIn }, 200);
  });
}

/** GitHub's names only: a change naming anything else is ignored. */
function wellFormed(change: RepositoryChange): boolean {
  const repository = (name: string) => RepositoryNameSchema.safeParse(name).success;
  if (change.kind === 'delete') return repository(change.repository);
  if (change.kind === 'delete-owner') return RepositoryOwnerSchema.safeParse(change.owner).success;
  return repository(change.from) && repository(change.to);
}
