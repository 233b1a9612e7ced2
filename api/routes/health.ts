import { createRoute } from '@hono/zod-openapi';
import { HealthSchema, ReadySchema } from '../schemas.js';
import type { AppDeps } from '../types.js';
import { json, newRouter } from './router.js';

const health = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  responses: { 200: json(HealthSchema, 'The server is up') },
});

const ready = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: the database answers and the server is not shutting down',
  responses: {
    200: json(ReadySchema, 'Ready for traffic'),
    503: json(ReadySchema, 'Draining (after SIGTERM) or the database does not answer'),
  },
});

/**
 * `/healthz` says the process is up; `/readyz` whether a load balancer should send it traffic: 503 once
 * `draining()` (SIGTERM received), or when the database does not answer a query.
 */
export function healthRouter(deps: AppDeps, draining: () => boolean) {
  return newRouter()
    .openapi(health, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(ready, async (c) => {
      if (draining()) return c.json({ status: 'draining' as const }, 503);
      try {
        await deps.db.ping();
        return c.json({ status: 'ready' as const }, 200);
      } catch (error) {
        deps.log({
          level: 'error',
          msg: 'database unavailable',
          requestId: c.get('requestId'),
          detail: (error as Error).message,
        });
        return c.json({ status: 'unavailable' as const, requestId: c.get('requestId') }, 503);
      }
    });
}
