/**
 * Dismissals that teach: the action reports each finding a person dismissed in a pull request with their
 * reason (`POST /v1/dismissals`, never code); a repository's are listed, each with the path instruction it
 * would become, and an admin accepts one into the repository's hosted config, where the next reviews
 * receive it like any other instruction.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  DismissalReportSchema as SharedDismissalReportSchema,
  LIMITS,
  DISMISSAL_REASON_CHARS,
  stripCodeBlocks,
  truncate,
  type DismissalReport,
} from '../../shared/index.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import { forRequests, toClassic } from '../classic.js';
import { insertDismissal, listDismissals } from '../db/index.js';
import {
  acceptDismissal,
  declineDismissal,
  instructionOf,
  type Refusal,
  type StoredDismissal,
} from '../dismissal-rules.js';
import { ApiError, notFound } from '../errors.js';
import { reviewExpiresAt } from '../retention.js';
import { IdParamSchema, RepositoryNameSchema } from '../schemas.js';
import type { AppDeps } from '../types.js';
import {
  AUTH_ERRORS,
  NOT_FOUND,
  SECURITY,
  UNPROCESSABLE,
  auditCall,
  err,
  json,
  newRouter,
} from './router.js';

const DismissalReportSchema = forRequests(toClassic(SharedDismissalReportSchema));
const InstructionSchema = z.object({ paths: z.array(z.string()), text: z.string() });
const DismissalSchema = z.object({
  id: z.string(),
  repository: z.string(),
  pullRequest: z.number(),
  fingerprint: z.string(),
  category: z.string(),
  severity: z.string().nullable(),
  title: z.string(),
  pathPattern: z.string(),
  reason: z.string(),
  /** Who dismissed it (a GitHub login); null in reports of older actions. */
  by: z.string().nullable(),
  createdAt: z.string(),
  acceptedAt: z.string().nullable(),
  declinedAt: z.string().nullable(),
  /** The entry accepting it adds to the repository's hosted config: shown before it is saved. */
  instruction: InstructionSchema,
});

const ALREADY = { 409: err('Already decided: accepted (or, to decline, accepted or declined)') } as const;

const create = createRoute({
  method: 'post',
  path: '/v1/dismissals',
  summary: 'Report a finding a person dismissed, with the reason (no code)',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: DismissalReportSchema } } } },
  responses: {
    201: json(z.object({ id: z.string() }), 'Stored'),
    ...AUTH_ERRORS,
    ...UNPROCESSABLE,
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/dismissals',
  summary: "A repository's unexpired dismissals, newest first, each with the instruction it would become",
  security: SECURITY,
  request: { query: z.object({ repository: RepositoryNameSchema }).strict() },
  responses: { 200: json(z.object({ dismissals: z.array(DismissalSchema) }), 'The list'), ...AUTH_ERRORS },
});

const accept = createRoute({
  method: 'post',
  path: '/v1/dismissals/{id}/accept',
  summary: "Add the dismissal's instruction to the repository's hosted config",
  security: SECURITY,
  request: { params: IdParamSchema },
  responses: {
    200: json(z.object({ instruction: InstructionSchema, yaml: z.string() }), 'Saved'),
    ...AUTH_ERRORS,
    ...NOT_FOUND,
    ...ALREADY,
    ...UNPROCESSABLE,
  },
});

const decline = createRoute({
  method: 'post',
  path: '/v1/dismissals/{id}/decline',
  summary: 'Decline a dismissal: it teaches nothing, and stays listed as declined',
  security: SECURITY,
  request: { params: IdParamSchema },
  responses: {
    200: json(z.object({ declinedAt: z.string() }), 'Declined'),
    ...AUTH_ERRORS,
    ...NOT_FOUND,
    ...ALREADY,
  },
});

/** The API strips code again whatever the action sent: it never stores code. */
function sanitizeDismissal(report: DismissalReport): DismissalReport {
  const prose = (text: string, max: number) =>
    truncate(stripCodeBlocks(text).replace(/\s+/g, ' ').trim(), max);
  return {
    ...report,
    title: prose(report.title, LIMITS.findingTitleChars),
    reason: prose(report.reason, DISMISSAL_REASON_CHARS),
  };
}

/** A decision refused, as the API says it. */
function refused(decision: Refusal): never {
  if (decision.why === 'not-found') throw notFound();
  if (decision.why === 'decided')
    throw new ApiError(409, 'already_decided', 'The dismissal is already decided');
  throw new ApiError(422, 'invalid_config', 'The config would be invalid', { issues: decision.issues });
}

export function dismissalsRouter(deps: AppDeps, auth: Auth) {
  const { db, clock } = deps;
  const app = newRouter();
  app.use('/v1/dismissals', auth.requireAuth);
  app.use('/v1/dismissals/*', auth.requireAuth);

  const toJson = (row: StoredDismissal) => ({
    ...row,
    createdAt: row.createdAt.toISOString(),
    acceptedAt: row.acceptedAt?.toISOString() ?? null,
    declinedAt: row.declinedAt?.toISOString() ?? null,
    instruction: instructionOf(row),
  });

  return app
    .openapi({ ...create, middleware: [requireScope('reviews:write')] }, async (c) => {
      const now = clock();
      const id = await insertDismissal(db, {
        accountId: c.get('principal').accountId,
        report: sanitizeDismissal(c.req.valid('json')),
        now,
        expiresAt: reviewExpiresAt(now),
      });
      return c.json({ id }, 201);
    })
    .openapi({ ...list, middleware: [requireScope('reviews:read')] }, async (c) => {
      const rows = await listDismissals(
        db,
        c.get('principal').accountId,
        c.req.valid('query').repository,
        clock(),
      );
      return c.json({ dismissals: rows.map(toJson) }, 200);
    })
    .openapi({ ...accept, middleware: [requireScope('admin')] }, async (c) => {
      const now = clock();
      const accountId = c.get('principal').accountId;
      const decision = await acceptDismissal(db, { accountId, id: c.req.valid('param').id, now });
      if (!decision.ok) refused(decision);
      await auditCall(c, db, { action: 'dismissal.accept', target: decision.dismissal.repository, at: now });
      const { instruction, yaml } = decision.saved;
      return c.json({ instruction, yaml }, 200);
    })
    .openapi({ ...decline, middleware: [requireScope('admin')] }, async (c) => {
      const now = clock();
      const accountId = c.get('principal').accountId;
      const decision = await declineDismissal(db, { accountId, id: c.req.valid('param').id, now });
      if (!decision.ok) refused(decision);
      await auditCall(c, db, { action: 'dismissal.decline', target: decision.dismissal.repository, at: now });
      return c.json({ declinedAt: now.toISOString() }, 200);
    });
}
