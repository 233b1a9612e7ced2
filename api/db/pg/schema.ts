/**
 * The PostgreSQL twin of `../schema.ts`: the same tables under the same exported names, with the same SQL
 * names, nullability, defaults, keys, indexes and foreign keys, and columns that give JavaScript the same
 * values, so one query module serves both engines. Migrations in `drizzle/postgres/` are generated from it
 * (`npm run db:generate`); `test/unit/pg-schema-parity.test.ts` fails, naming the difference, when the two
 * drift apart. The comments on each table are in `../schema.ts` and are not repeated here.
 *
 * Type choices, column for column:
 * - Timestamps stay integer epoch milliseconds (`bigint`, read as `Date` like SQLite's `timestamp_ms`), not
 *   `timestamptz`: raw SQL shared by both engines compares and subtracts them as plain numbers.
 * - `bigint` where SQLite's 64-bit integer can outgrow PostgreSQL's 32-bit `integer`: finding row ids and
 *   their ranges, stored bytes, GitHub user ids. Other counts are `integer`. Both read as `number`: the pool
 *   parses `int8` as a number (`connection.ts`), values are far below 2^53.
 * - `real` is `double precision` (SQLite's REAL is 8 bytes), JSON text is `jsonb`, blobs are `bytea`.
 * - `findings.row_id` has no identity: each review takes a block of `FINDING_ROW_BLOCK` ids from the sequence
 *   `finding_row_blocks` (`ingest.ts` says why) and its findings the first ids of it, one range per review
 *   as on SQLite. The
 *   triggers of SQLite's hand-edited migrations (`reviews_delete_findings`, `reviews_release_usage`) are
 *   in the hand-written `drizzle/postgres/0002_review_triggers.sql`, statement-level there.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { CATEGORIES, type Category } from '../../../shared/finding.js';
import type { Scope } from '../schema.js';
import { MEMBER_ROLES } from '../schema.js';

export { MEMBER_ROLES, SCOPES, type MemberRole, type Scope } from '../schema.js';

const count = (name: string) => integer(name).notNull().default(0);

const categoryCounts = Object.fromEntries(CATEGORIES.map((c) => [c, count(`category_${c}`)])) as {
  [K in Category]: ReturnType<typeof count>;
};

function categoryEnds<E extends 'fixed' | 'dismissed'>(end: E) {
  return Object.fromEntries(CATEGORIES.map((c) => [`${end}_${c}`, count(`${end}_${c}`)])) as {
    [K in `${E}_${Category}`]: ReturnType<typeof count>;
  };
}

/** Epoch milliseconds in a `bigint`, a `Date` in JavaScript (SQLite's `integer({ mode: 'timestamp_ms' })`). */
const epochMs = customType<{ data: Date; driverData: number | string }>({
  dataType: () => 'bigint',
  toDriver: (value) => value.getTime(),
  // `int8` arrives as a string from a pool without the number parser (a bare `pg.Client`).
  fromDriver: (value) => new Date(Number(value)),
});
const ms = (name: string) => epochMs(name);
const int64 = (name: string) => bigint(name, { mode: 'number' });

/** Bytes as a `Buffer` (SQLite's `blob({ mode: 'buffer' })`); node-postgres reads `bytea` as a Buffer. */
const bytes = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const accounts = pgTable('accounts', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
  deletedAt: ms('deleted_at'),
  purgeAfter: ms('purge_after'),
  sessionVersion: integer('session_version').notNull().default(1),
  company: text('company'),
  contactEmail: text('contact_email'),
});

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    githubId: int64('github_id'),
    login: text('login').notNull(),
    loginKey: text('login_key').notNull(),
    createdAt: ms('created_at').notNull(),
    displayName: text('display_name'),
    email: text('email'),
  },
  (t) => [
    uniqueIndex('users_github_id_unique').on(t.githubId),
    uniqueIndex('users_login_key_unique').on(t.loginKey),
  ],
);

export const memberships = pgTable(
  'memberships',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: MEMBER_ROLES }).notNull(),
    createdAt: ms('created_at').notNull(),
    invitedBy: text('invited_by'),
    acceptedAt: ms('accepted_at'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    apiKeyId: text('api_key_id').references(() => apiKeys.id, { onDelete: 'cascade' }),
    sessionVersion: integer('session_version').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    revokedAt: ms('revoked_at'),
  },
  (t) => [index('sessions_account_idx').on(t.accountId), index('sessions_expires_idx').on(t.expiresAt)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    hash: text('hash').notNull(),
    prefix: text('prefix').notNull(),
    name: text('name').notNull(),
    scopes: jsonb('scopes').$type<Scope[]>().notNull(),
    createdAt: ms('created_at').notNull(),
    lastUsedAt: ms('last_used_at'),
    expiresAt: ms('expires_at'),
    revokedAt: ms('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_unique').on(t.hash), index('api_keys_account_idx').on(t.accountId)],
);

export const repositories = pgTable(
  'repositories',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fullName: text('full_name').notNull(),
    nameKey: text('name_key').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('repositories_account_name_unique').on(t.accountId, t.nameKey),
    index('repositories_name_key_idx').on(t.nameKey),
  ],
);

export const configs = pgTable(
  'configs',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    repositoryId: text('repository_id').references(() => repositories.id, { onDelete: 'cascade' }),
    yaml: text('yaml').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('configs_account_default_unique')
      .on(t.accountId)
      .where(sql`${t.repositoryId} is null`),
    uniqueIndex('configs_repository_unique').on(t.repositoryId),
  ],
);

export const reviews = pgTable(
  'reviews',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    pullRequest: integer('pull_request').notNull(),
    headSha: text('head_sha').notNull(),
    baseSha: text('base_sha').notNull(),
    status: text('status').notNull(),
    conclusion: text('conclusion').notNull(),
    model: text('model').notNull(),
    tokensInput: integer('tokens_input').notNull(),
    tokensCacheWrite: integer('tokens_cache_write').notNull(),
    tokensCacheRead: integer('tokens_cache_read').notNull(),
    tokensOutput: integer('tokens_output').notNull(),
    costUsd: doublePrecision('cost_usd').notNull(),
    durationMs: integer('duration_ms').notNull(),
    filesReviewed: integer('files_reviewed').notNull(),
    filesSkipped: integer('files_skipped').notNull(),
    linesReviewed: integer('lines_reviewed').notNull(),
    linesChanged: integer('lines_changed').notNull(),
    critical: integer('critical').notNull(),
    high: integer('high').notNull(),
    medium: integer('medium').notNull(),
    low: integer('low').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    walkthrough: text('walkthrough'),
    findingsFirst: int64('findings_first'),
    findingsLast: int64('findings_last'),
    storedBytes: int64('stored_bytes').notNull().default(0),
    event: text('event'),
    fixed: count('fixed'),
    dismissed: count('dismissed'),
    details: text('details'),
  },
  (t) => [
    index('reviews_account_created_idx').on(t.accountId, t.createdAt, t.id),
    index('reviews_repository_created_idx').on(t.repositoryId, t.createdAt, t.id),
    index('reviews_expires_idx').on(t.expiresAt),
  ],
);

/**
 * Row ids a review's findings may take: one block per review, at least `LIMITS.findingsPerReview` ids (the
 * rest of a block stays unused; a `bigint` has room for 2^54 blocks).
 */
export const FINDING_ROW_BLOCK = 512;
export const findingRowBlocks = pgSequence('finding_row_blocks', {
  startWith: 1,
  increment: FINDING_ROW_BLOCK,
  minValue: 1,
});

export const findings = pgTable('findings', {
  rowId: int64('row_id').primaryKey(),
  reviewId: text('review_id').notNull(),
  startLine: integer('start_line'),
  line: integer('line').notNull(),
  severity: text('severity').notNull(),
  category: text('category').notNull(),
  fingerprint: text('fingerprint').notNull(),
  state: text('state').notNull().default('new'),
  firstSeen: text('first_seen'),
});

export const findingTexts = pgTable('finding_texts', {
  reviewId: text('review_id')
    .primaryKey()
    .references(() => reviews.id, { onDelete: 'cascade' }),
  sealed: bytes('sealed').notNull(),
});

export const dailyAggregates = pgTable(
  'daily_aggregates',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    repository: text('repository').notNull(),
    day: text('day').notNull(),
    reviews: integer('reviews').notNull().default(0),
    failures: count('failures'),
    critical: integer('critical').notNull().default(0),
    high: integer('high').notNull().default(0),
    medium: integer('medium').notNull().default(0),
    low: integer('low').notNull().default(0),
    fixed: count('fixed'),
    dismissed: count('dismissed'),
    // Millionths of a dollar: a busy repository's day can pass 2^31 of them.
    costMicros: int64('cost_micros').notNull().default(0),
    fixedIn1d: count('fixed_in_1d'),
    fixedIn3d: count('fixed_in_3d'),
    fixedIn7d: count('fixed_in_7d'),
    fixedIn14d: count('fixed_in_14d'),
    fixedLater: count('fixed_later'),
    ...categoryCounts,
    ...categoryEnds('fixed'),
    ...categoryEnds('dismissed'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.repository, t.day] })],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    at: ms('at').notNull(),
    clientAddress: text('client_address'),
    fields: jsonb('fields').$type<string[]>(),
  },
  (t) => [index('audit_account_at_idx').on(t.accountId, t.at), index('audit_at_idx').on(t.at)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    deliveryId: text('delivery_id').primaryKey(),
    receivedAt: ms('received_at').notNull(),
  },
  (t) => [index('webhook_deliveries_received_idx').on(t.receivedAt)],
);

export const accountUsage = pgTable('account_usage', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  day: text('day').notNull(),
  reviewsOnDay: integer('reviews_on_day').notNull().default(0),
  storedBytes: int64('stored_bytes').notNull().default(0),
});

export const dataKeys = pgTable('data_keys', {
  kid: text('kid').primaryKey(),
  createdAt: ms('created_at').notNull(),
  retiredAt: ms('retired_at'),
});

export const retiredSessionKeys = pgTable('retired_session_keys', {
  kid: text('kid').primaryKey(),
  retiredAt: ms('retired_at').notNull(),
});

export const rateBuckets = pgTable(
  'rate_buckets',
  {
    bucket: text('bucket').primaryKey(),
    tokens: doublePrecision('tokens').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [index('rate_buckets_at_idx').on(t.at)],
);

export const oauthStates = pgTable(
  'oauth_states',
  {
    stateHash: text('state_hash').primaryKey(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('oauth_states_expires_idx').on(t.expiresAt)],
);

export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  expiresAt: ms('expires_at'),
  doneAt: ms('done_at'),
});

export const dismissals = pgTable(
  'dismissals',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    pullRequest: integer('pull_request').notNull(),
    fingerprint: text('fingerprint').notNull(),
    category: text('category').notNull(),
    severity: text('severity'),
    title: text('title').notNull(),
    pathPattern: text('path_pattern').notNull(),
    reason: text('reason').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    acceptedAt: ms('accepted_at'),
    by: text('dismissed_by'),
    declinedAt: ms('declined_at'),
  },
  (t) => [
    index('dismissals_repository_created_idx').on(t.repositoryId, t.createdAt),
    index('dismissals_expires_idx').on(t.expiresAt),
  ],
);

export const answers = pgTable(
  'answers',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    repositoryId: text('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    pullRequest: integer('pull_request').notNull(),
    model: text('model').notNull(),
    tokensInput: integer('tokens_input').notNull(),
    tokensCacheWrite: integer('tokens_cache_write').notNull(),
    tokensCacheRead: integer('tokens_cache_read').notNull(),
    tokensOutput: integer('tokens_output').notNull(),
    costUsd: doublePrecision('cost_usd').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [
    index('answers_repository_pull_idx').on(t.repositoryId, t.pullRequest),
    index('answers_account_created_idx').on(t.accountId, t.createdAt),
    index('answers_expires_idx').on(t.expiresAt),
  ],
);
