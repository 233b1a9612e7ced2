/**
 * Request and response schemas of the JSON API. The same schemas validate requests (strict: unknown
 * fields are refused) and generate `GET /v1/openapi.json`.
 */
import { z } from '@hono/zod-openapi';
import * as shared from '../shared/index.js';
import {
  CATEGORIES,
  CONCLUSIONS,
  FINDING_STATES,
  REVIEW_EVENTS,
  REVIEW_STATUSES,
  SEVERITIES,
} from '../shared/index.js';
import { forRequests, toClassic } from './classic.js';
import { MEMBER_ROLES, SCOPES } from './db/index.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_CONFIG_YAML_CHARS = 65_536;

/** The ingest body (`POST /v1/reviews`), the hot path: compiled (see `forRequests`). */
export const ReviewReportSchema = forRequests(toClassic(shared.ReviewReportSchema));
export const ReviewCreatedSchema = toClassic(shared.ReviewCreatedSchema);
export const ReportedFindingSchema = toClassic(shared.ReportedFindingSchema);

export const RepositoryNameSchema = toClassic(shared.RepositoryNameSchema);
const isoDate = z.string().openapi({ format: 'date-time' });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string().optional(),
      issues: z.array(z.unknown()).optional(),
      /** With `quota_exceeded`: the quota reached, its limit, and when it resets (null: not by waiting). */
      quota: z
        .object({
          name: z.enum(['reviews_per_day', 'stored_bytes']),
          limit: z.number().int(),
          resetsAt: z.string().nullable(),
        })
        .optional(),
    }),
  })
  .openapi('Error');

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
export const ReadySchema = z
  .object({ status: z.enum(['ready', 'draining', 'unavailable']), requestId: z.string().optional() })
  .openapi('Ready');

const countsSchema = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
});

export const ReviewSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    repository: z.string(),
    pullRequest: z.number().int(),
    headSha: z.string(),
    baseSha: z.string(),
    status: z.enum(REVIEW_STATUSES),
    conclusion: z.enum(CONCLUSIONS),
    model: z.string(),
    tokens: z.object({
      input: z.number(),
      cacheWrite: z.number(),
      cacheRead: z.number(),
      output: z.number(),
    }),
    costUsd: z.number(),
    durationMs: z.number(),
    coverage: z.object({
      filesReviewed: z.number(),
      filesSkipped: z.number(),
      linesReviewed: z.number(),
      linesChanged: z.number(),
    }),
    /** The findings open at the review's head (new in it or still open), by severity. */
    counts: countsSchema,
    /** Findings this run found fixed, and findings dismissed at its head. */
    fixed: z.number().int(),
    dismissed: z.number().int(),
    /** The pull request as its people know it; null when the action did not say (older actions). */
    pullRequestTitle: z.string().nullable(),
    branch: z.string().nullable(),
    author: z.string().nullable(),
    event: z.enum(REVIEW_EVENTS).nullable(),
    /** Why the run concluded as it did, as the check said; null when it did not say. */
    reason: z.string().nullable(),
    createdAt: isoDate,
    expiresAt: isoDate,
  })
  .openapi('Review');
export type ReviewJson = z.infer<typeof ReviewSchema>;

export const StoredFindingSchema = z
  .object({
    path: z.string(),
    startLine: z.number().int().optional(),
    line: z.number().int(),
    severity: z.enum(SEVERITIES),
    category: z.enum(CATEGORIES),
    title: z.string(),
    body: z.string(),
    fingerprint: z.string(),
    /** new in this review, still open from an earlier one, fixed by this one, or dismissed by a person. */
    state: z.enum(FINDING_STATES),
    /** The head commit of the run that first raised it; null when the action did not say. */
    firstSeen: z.string().nullable(),
    /** Who dismissed it and why, when the state is `dismissed` and GitHub said. */
    dismissal: z.object({ by: z.string().optional(), reason: z.string().optional() }).optional(),
  })
  .openapi('Finding');

export const WalkthroughSchema = z
  .object({
    /** What the pull request changes, one paragraph per review request, in file order. */
    overview: z.array(z.string()),
    /** One line per file on what the change does there. */
    files: z.array(z.object({ path: z.string(), summary: z.string() })),
  })
  .openapi('Walkthrough');

export const ReviewWithFindingsSchema = ReviewSchema.extend({
  findings: z.array(StoredFindingSchema),
  /** The review's walkthrough (model-written prose, never code); null when the run wrote none. */
  walkthrough: WalkthroughSchema.nullable(),
}).openapi('ReviewWithFindings');

export const ReviewListQuerySchema = z
  .object({
    repository: RepositoryNameSchema.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const ReviewListSchema = z
  .object({ reviews: z.array(ReviewSchema), nextCursor: z.string().nullable() })
  .openapi('ReviewList');

export const IdParamSchema = z.object({ id: z.string().min(1).max(64) });

export const ConfigQuerySchema = z.object({ repository: RepositoryNameSchema.optional() }).strict();

export const ConfigSchema = toClassic(shared.DiffrayConfigSchema);

export const ConfigResponseSchema = z
  .object({
    repository: z.string().nullable(),
    /** The account default merged with the repository's config (shared `mergeConfigs`). */
    config: ConfigSchema,
    yaml: z.object({ account: z.string().nullable(), repository: z.string().nullable() }),
  })
  .openapi('ConfigResponse');

export const PutConfigBodySchema = z
  .object({
    repository: RepositoryNameSchema.optional(),
    yaml: z.string().max(MAX_CONFIG_YAML_CHARS),
  })
  .strict()
  .openapi('PutConfig');

export const PutConfigResponseSchema = z
  .object({ repository: z.string().nullable(), config: ConfigSchema, updatedAt: isoDate })
  .openapi('ConfigStored');

export const ScopeSchema = z.enum(SCOPES);

export const CreateKeyBodySchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(ScopeSchema).min(1).max(SCOPES.length),
    expiresInDays: z.number().int().min(1).max(3_650).optional(),
  })
  .strict()
  .openapi('CreateKey');

export const KeySchema = z
  .object({
    id: z.string(),
    prefix: z.string(),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    createdAt: isoDate,
    lastUsedAt: isoDate.nullable(),
    expiresAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
  })
  .openapi('ApiKey');

export const CreatedKeySchema = KeySchema.extend({
  key: z.string().openapi({ description: 'The plaintext key: shown once, never again.' }),
}).openapi('CreatedApiKey');

export const KeyListSchema = z.object({ keys: z.array(KeySchema) }).openapi('ApiKeyList');

export const AccountExportSchema = z
  .object({
    exportedAt: isoDate,
    account: z.object({
      id: z.string(),
      name: z.string(),
      createdAt: isoDate,
      deletedAt: isoDate.nullable(),
    }),
    members: z.array(z.unknown()),
    keys: z.array(KeySchema),
    /** Page sessions as metadata: who (a user or a key), created, expires, revoked; never a token. */
    sessions: z.array(z.unknown()),
    repositories: z.array(z.unknown()),
    configs: z.array(z.unknown()),
    reviews: z.array(z.unknown()),
    dailyAggregates: z.array(z.unknown()),
    auditLog: z.array(z.unknown()),
  })
  .openapi('AccountExport');

export const DeleteAccountBodySchema = z
  .object({
    confirm: z
      .string()
      .max(200)
      .openapi({ description: "The account's name (as shown on the page) or its id" }),
  })
  .strict()
  .openapi('DeleteAccount');

export const AccountDeletedSchema = z
  .object({ accountId: z.string(), deletedAt: isoDate, purgeAfter: isoDate })
  .openapi('AccountDeleted');

export const RepositoryParamsSchema = z.object({
  owner: toClassic(shared.RepositoryOwnerSchema),
  name: toClassic(shared.RepositoryShortNameSchema),
});

export const WebhookResultSchema = z
  .object({
    status: z.enum(['processed', 'ignored', 'duplicate']),
    /** Accounts a repository's data was deleted from (once per account and repository). */
    deletedFrom: z.number().int().optional(),
    /** Accounts a repository was moved in (renamed or transferred). */
    movedIn: z.number().int().optional(),
  })
  .openapi('WebhookResult');

/** A line a person typed: trimmed, 1 to `max` characters, no control characters (no line break either). */
const typedLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((line) => !/\p{Cc}/u.test(line), 'must not hold control characters or line breaks')
    .openapi({ description: `One line of text, 1 to ${max} characters, no control characters` });

const emailAddress = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an e-mail address'))
  .openapi({ format: 'email' });

export const AccountDetailsSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    company: z.string().nullable(),
    contactEmail: z.string().nullable(),
    createdAt: isoDate,
  })
  .openapi('AccountDetails');

/** A correction of the account's details: the fields given are set, `null` clears one. */
export const AccountPatchSchema = z
  .object({
    name: typedLine(100).optional(),
    company: typedLine(100).nullable().optional(),
    contactEmail: emailAddress.nullable().optional(),
  })
  .strict()
  .openapi('AccountPatch');

export const PersonSchema = z
  .object({
    id: z.string(),
    login: z.string().openapi({ description: 'The GitHub login: corrected by renaming it on GitHub' }),
    displayName: z.string().nullable(),
    email: z.string().nullable(),
    memberships: z.array(
      z.object({
        accountId: z.string(),
        accountName: z.string(),
        role: z.enum(MEMBER_ROLES),
        invitedAt: isoDate,
        joinedAt: isoDate
          .nullable()
          .openapi({ description: 'Null while the invitation waits for an answer' }),
      }),
    ),
  })
  .openapi('Person');

/** A correction of what the person tells the accounts about themselves: `null` clears a field. */
export const PersonPatchSchema = z
  .object({
    displayName: typedLine(100).nullable().optional(),
    email: emailAddress.nullable().optional(),
  })
  .strict()
  .openapi('PersonPatch');
