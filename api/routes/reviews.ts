import { createRoute } from '@hono/zod-openapi';
import {
  LIMITS,
  stripCodeBlocks,
  truncate,
  type ReportedFinding,
  type ReviewReport,
} from '../../shared/index.js';
import { getReview, insertReview, listReviews, storedBytesOf, type ReviewCursor } from '../db/index.js';
import { ApiError, notFound } from '../errors.js';
import { requireScope, type Auth } from '../auth/authenticate.js';
import { checkQuotas } from '../quotas.js';
import { reviewExpiresAt } from '../retention.js';
import {
  IdParamSchema,
  ReviewCreatedSchema,
  ReviewListQuerySchema,
  ReviewListSchema,
  ReviewReportSchema,
  ReviewWithFindingsSchema,
} from '../schemas.js';
import type { AppDeps } from '../types.js';
import { reviewUrl, toReviewJson } from './mappers.js';
import { AUTH_ERRORS, NOT_FOUND, SECURITY, UNPROCESSABLE, err, json, newRouter } from './router.js';

/** Whitespace a title would lose to `replace(/\s+/g, ' ').trim()`: anything but single inner spaces. */
const IRREGULAR_SPACE = /[^\S ]| {2}|^ | $/;

/** A title on one line (whitespace runs collapsed); the regex replace runs only when it changes something. */
function oneLine(text: string): string {
  return IRREGULAR_SPACE.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
}

/**
 * The API's own guarantee that no code is stored, whatever the client sent: fenced code and suggestion
 * blocks are replaced, titles (and the walkthrough's lines) kept to one line, and every text capped. The findings are validated (strict:
 * no other fields), so each is rebuilt field by field rather than by object spread.
 */
export function sanitizeReport(report: ReviewReport): ReviewReport {
  const findings: ReportedFinding[] = new Array<ReportedFinding>(report.findings.length);
  for (let i = 0; i < report.findings.length; i++) {
    const f = report.findings[i]!;
    const title = oneLine(stripCodeBlocks(f.title));
    const finding: ReportedFinding = {
      path: f.path,
      line: f.line,
      severity: f.severity,
      category: f.category,
      title: truncate(title || '(untitled)', LIMITS.findingTitleChars),
      body: truncate(stripCodeBlocks(f.body), LIMITS.findingBodyChars),
      fingerprint: f.fingerprint,
    };
    if (f.startLine !== undefined && f.startLine <= f.line) finding.startLine = f.startLine;
    if (f.state !== undefined) finding.state = f.state;
    if (f.firstSeen !== undefined) finding.firstSeen = f.firstSeen;
    if (f.dismissal !== undefined && f.state === 'dismissed') {
      const { by, reason } = f.dismissal;
      finding.dismissal = {
        ...(by !== undefined ? { by } : {}),
        ...(reason ? { reason: truncate(stripCodeBlocks(reason), LIMITS.dismissReasonChars) } : {}),
      };
    }
    findings[i] = finding;
  }
  const { walkthrough, title, reason, ...rest } = report;
  // The walkthrough is prose about the code, held to the same rule as finding bodies.
  const prose = (text: string, max: number) => truncate(oneLine(stripCodeBlocks(text)), max);
  return {
    ...rest,
    ...(title !== undefined ? { title: prose(title, LIMITS.prTitleChars) } : {}),
    ...(reason !== undefined ? { reason: truncate(stripCodeBlocks(reason), LIMITS.reasonChars) } : {}),
    findings,
    ...(walkthrough !== undefined
      ? {
          walkthrough: {
            overview: walkthrough.overview
              .map((o) => prose(o, LIMITS.walkthroughOverviewChars))
              .filter((o) => o !== ''),
            files: walkthrough.files.flatMap((f) => {
              const summary = prose(f.summary, LIMITS.walkthroughSummaryChars);
              return summary === '' ? [] : [{ path: f.path, summary }];
            }),
          },
        }
      : {}),
  };
}

export function encodeCursor(cursor: ReviewCursor): string {
  return Buffer.from(`${cursor.createdAt}.${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): ReviewCursor {
  const m = /^(\d{1,15})\.([0-9a-f-]{1,64})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!m) throw new ApiError(400, 'invalid_cursor', 'Invalid cursor');
  return { createdAt: Number(m[1]), id: m[2]! };
}

const create = createRoute({
  method: 'post',
  path: '/v1/reviews',
  summary: 'Report one action run (findings only, no code)',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: ReviewReportSchema } } } },
  responses: {
    201: json(ReviewCreatedSchema, 'Stored'),
    ...AUTH_ERRORS,
    413: err('Body over 1 MB, or the account would pass its stored-bytes quota (`quota_exceeded`)'),
    ...UNPROCESSABLE,
    429: err('Rate limited, or the account has stored its reviews for the day (`quota_exceeded`)'),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/reviews',
  summary: 'List unexpired reviews, newest first',
  security: SECURITY,
  request: { query: ReviewListQuerySchema },
  responses: { 200: json(ReviewListSchema, 'One page'), ...AUTH_ERRORS },
});

const get = createRoute({
  method: 'get',
  path: '/v1/reviews/{id}',
  summary: 'One review with its findings',
  security: SECURITY,
  request: { params: IdParamSchema },
  responses: { 200: json(ReviewWithFindingsSchema, 'The review'), ...AUTH_ERRORS, ...NOT_FOUND },
});

export function reviewsRouter(deps: AppDeps, auth: Auth) {
  const { db, clock, config } = deps;
  const app = newRouter();
  // `/x/*` also matches `/x` itself: one registration, so authentication runs once per request.
  app.use('/v1/reviews/*', auth.requireAuth);

  return app
    .openapi({ ...create, middleware: [requireScope('reviews:write')] }, async (c) => {
      const report = sanitizeReport(c.req.valid('json'));
      const now = clock();
      const accountId = c.get('principal').accountId;
      const storedBytes = storedBytesOf(report);
      await checkQuotas(db, accountId, config.quotas, now, storedBytes);
      // Committed on the writer thread; a review it could not write fails this request alone (500).
      const id = await insertReview(db, {
        accountId,
        report,
        now,
        expiresAt: reviewExpiresAt(now),
        storedBytes,
      });
      return c.json({ id, url: reviewUrl(config.publicUrl, id) }, 201);
    })
    .openapi({ ...list, middleware: [requireScope('reviews:read')] }, async (c) => {
      const query = c.req.valid('query');
      const { rows, next } = await listReviews(db, {
        accountId: c.get('principal').accountId,
        repository: query.repository,
        cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        limit: query.limit,
        now: clock(),
      });
      return c.json(
        {
          reviews: rows.map((r) => toReviewJson(r, config.publicUrl)),
          nextCursor: next ? encodeCursor(next) : null,
        },
        200,
      );
    })
    .openapi({ ...get, middleware: [requireScope('reviews:read')] }, async (c) => {
      const found = await getReview(db, {
        accountId: c.get('principal').accountId,
        id: c.req.valid('param').id,
        now: clock(),
      });
      if (!found) throw notFound();
      return c.json(
        {
          ...toReviewJson(found.review, config.publicUrl),
          findings: found.findings.map(({ startLine, dismissal, ...f }) => ({
            ...f,
            ...(startLine === null ? {} : { startLine }),
            severity: f.severity as 'low',
            category: f.category as 'style',
            state: f.state as 'new',
            ...(dismissal ? { dismissal } : {}),
          })),
          walkthrough: found.walkthrough ?? null,
        },
        200,
      );
    });
}
