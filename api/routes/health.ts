import { createRoute } from '@hono/zod-openapi';
import { HealthSchema } from '../schemas.js';
import { json, newRouter } from './router.js';

const health = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  responses: { 200: json(HealthSchema, 'The server is up') },
});

export function healthRouter() {
  return newRouter().openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
}
