/**
 * What diffray's answers in pull-request threads cost: the action reports each answer's tokens and cost
 * (`POST /v1/answers`, the scope and key of `POST /v1/reviews`: a key writes its own account's data only),
 * and they count in the pull request's total and the account's cost per day and week.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { AnswerReportSchema as SharedAnswerReportSchema } from '../../shared/index.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import { forRequests, toClassic } from '../classic.js';
import { insertAnswer } from '../db/index.js';
import { reviewExpiresAt } from '../retention.js';
import type { AppDeps } from '../types.js';
import { AUTH_ERRORS, SECURITY, UNPROCESSABLE, json, newRouter } from './router.js';

const AnswerReportSchema = forRequests(toClassic(SharedAnswerReportSchema));

const create = createRoute({
  method: 'post',
  path: '/v1/answers',
  summary: 'Report what an answer in a diffray thread cost (tokens and cost, no text)',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: AnswerReportSchema } } } },
  responses: {
    201: json(z.object({ id: z.string() }), 'Stored'),
    ...AUTH_ERRORS,
    ...UNPROCESSABLE,
  },
});

export function answersRouter(deps: AppDeps, auth: Auth) {
  const { db, clock } = deps;
  const app = newRouter();
  app.use('/v1/answers', auth.requireAuth);

  return app.openapi({ ...create, middleware: [requireScope('reviews:write')] }, async (c) => {
    const now = clock();
    const id = await insertAnswer(db, {
      accountId: c.get('principal').accountId,
      report: c.req.valid('json'),
      now,
      expiresAt: reviewExpiresAt(now),
    });
    return c.json({ id }, 201);
  });
}
