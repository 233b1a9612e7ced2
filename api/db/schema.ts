/**
 * The one schema module of the results API. Migrations in `drizzle/` are generated from it by drizzle-kit
 * (`npm run db:generate`) and applied at start by `openDatabase`.
 *
 * Every exposed id is random (UUIDv4). Timestamps are integer milliseconds (`Date` in TypeScript).
 * No table holds source code: findings keep prose that the API has already stripped of fenced code.
 *
 * Sealed columns (`encryption.ts`, `SEALED_COLUMNS`) hold AES-256-GCM envelopes (`envelope.ts`), never
 * plaintext: finding texts, account and key names, the account's company and contact e-mail, GitHub logins,
 * people's names and e-mails, repository names, hosted config, audit targets and client addresses. A value the API looks up by equality has a blind index beside it (an
 * HMAC under the data key: `users.loginKey`, `repositories.nameKey`, `dailyAggregates.repository`).
 */
import { sql } from 'drizzle-orm';
import { CATEGORIES, type Category } from '../../shared/finding.js';
import {
  blob,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

const ms = (name: string) => integer(name, { mode: 'timestamp_ms' });
const count = (name: string) => integer(name).notNull().default(0);

/** A count column per finding category, keyed by the category. */
const categoryCounts = Object.fromEntries(CATEGORIES.map((c) => [c, count(`category_${c}`)])) as {
  [K in Category]: ReturnType<typeof count>;
};

/** A count column per finding category for findings that ended so (`fixed` or `dismissed`), keyed `<end>_<category>`. */
function categoryEnds<E extends 'fixed' | 'dismissed'>(end: E) {
  return Object.fromEntries(CATEGORIES.map((c) => [`${end}_${c}`, count(`${end}_${c}`)])) as {
    [K in `${E}_${Category}`]: ReturnType<typeof count>;
  };
}

/** A tenant. Deleting one locks it at once (`deletedAt`) and purges its data after `purgeAfter`. */
export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  /** Sealed. */
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
  deletedAt: ms('deleted_at'),
  purgeAfter: ms('purge_after'),
  /** Bumped to end every page session of the account at once (sign-out everywhere, deletion). */
  sessionVersion: integer('session_version').notNull().default(1),
  /** The account's own details, shown and corrected by its admins (`profiles.ts`). Sealed. */
  company: text('company'),
  contactEmail: text('contact_email'),
});

/** A GitHub user known from sign-in or from a membership grant by login. */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Null until the user first signs in (a membership can be granted by login before that). */
    githubId: integer('github_id'),
    /** Sealed. */
    login: text('login').notNull(),
    /** Blind index of the lower-cased login (GitHub logins are case-insensitive), under the login's key. */
    loginKey: text('login_key').notNull(),
    createdAt: ms('created_at').notNull(),
    /** What the person tells the accounts they joined about themselves, and corrects (`profiles.ts`). Sealed. */
    displayName: text('display_name'),
    email: text('email'),
  },
  (t) => [
    uniqueIndex('users_github_id_unique').on(t.githubId),
    uniqueIndex('users_login_key_unique').on(t.loginKey),
  ],
);

export const MEMBER_ROLES = ['admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/**
 * A person's place in an account. An admin's grant is only an invitation (`acceptedAt` null): it grants
 * nothing until the person accepts it at their next GitHub sign-in, so nobody can put someone else's login
 * in their account and receive that person's sessions. Rows older than `acceptedAt` became invitations too:
 * the sign-ins they saw may have been exactly that mistake, so each person confirms once.
 */
export const memberships = sqliteTable(
  'memberships',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: MEMBER_ROLES }).notNull(),
    /** When the invitation was made. */
    createdAt: ms('created_at').notNull(),
    /** Who invited: `user:<id>`, `key:<id>` or `cli` (shown with the invitation). */
    invitedBy: text('invited_by'),
    /** When the person accepted; null while it is an invitation. */
    acceptedAt: ms('accepted_at'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

/**
 * A page session: either a GitHub user's (`userId`) or an admin API key's (`apiKeyId`) sign-in;
 * valid while not revoked, not expired, its key (if any) still valid, and `sessionVersion` equal to the
 * account's.
 */
export const sessions = sqliteTable(
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

export const SCOPES = ['reviews:write', 'config:read', 'reviews:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** API keys: only the SHA-256 of the key is stored, plus a display prefix. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    hash: text('hash').notNull(),
    prefix: text('prefix').notNull(),
    /** Sealed. */
    name: text('name').notNull(),
    /** JSON array of `Scope`. */
    scopes: text('scopes', { mode: 'json' }).$type<Scope[]>().notNull(),
    createdAt: ms('created_at').notNull(),
    /** Written at most once a minute per key. */
    lastUsedAt: ms('last_used_at'),
    expiresAt: ms('expires_at'),
    revokedAt: ms('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_unique').on(t.hash), index('api_keys_account_idx').on(t.accountId)],
);

export const repositories = sqliteTable(
  'repositories',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** `owner/name` as first reported. Sealed. */
    fullName: text('full_name').notNull(),
    /**
     * Blind index of the lower-cased `owner/name` (GitHub names are case-insensitive), under the key that
     * sealed `fullName`; the same in every account, so GitHub's webhooks find the repository everywhere.
     */
    nameKey: text('name_key').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('repositories_account_name_unique').on(t.accountId, t.nameKey),
    index('repositories_name_key_idx').on(t.nameKey),
  ],
);

/** Hosted config: the account default (`repositoryId` null) or one repository's. */
export const configs = sqliteTable(
  'configs',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    repositoryId: text('repository_id').references(() => repositories.id, { onDelete: 'cascade' }),
    /** Sealed. */
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

/**
 * One action run's outcome. Readable until `expiresAt` (created + 30 days), then purged. `findingsFirst` ..
 * `findingsLast` is the `findings.row_id` range its findings occupy (see `findings`); both null when it has none.
 */
export const reviews = sqliteTable(
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
    costUsd: real('cost_usd').notNull(),
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
    /** Sealed: the report's walkthrough (`ReviewReport['walkthrough']`) as JSON, prose only; null without one. */
    walkthrough: text('walkthrough'),
    /** Internal (never exposed): the first and last `findings.row_id` of its findings, inclusive. */
    findingsFirst: integer('findings_first'),
    findingsLast: integer('findings_last'),
    /** The review's share of its account's `account_usage.stored_bytes` (`storedBytesOf` in reviews.ts). */
    storedBytes: integer('stored_bytes').notNull().default(0),
    /** What started the run (`REVIEW_EVENTS`); null for reports of older actions. */
    event: text('event'),
    /** Findings this run found fixed, and dismissed ones at this head (the severity counts are the open ones). */
    fixed: integer('fixed').notNull().default(0),
    dismissed: integer('dismissed').notNull().default(0),
    /**
     * Sealed: JSON of what names the pull request and its people (`ReviewDetails` in reviews.ts: PR title,
     * head branch, author login, the check's reason, who dismissed which finding and why). Null when the
     * report had none of it.
     */
    details: text('details'),
  },
  (t) => [
    index('reviews_account_created_idx').on(t.accountId, t.createdAt, t.id),
    index('reviews_repository_created_idx').on(t.repositoryId, t.createdAt, t.id),
    index('reviews_expires_idx').on(t.expiresAt),
  ],
);

/**
 * A finding's metadata; its text (path, title, body) is in its review's row of `findingTexts`. The
 * integer key is internal and never exposed.
 *
 * Stored by review, in the table's own key order: the ingest gives a review's findings consecutive `row_id`s
 * above every existing one (in the review's write transaction) and records the range on the review
 * (`reviews.findingsFirst` .. `findingsLast`). Reads and deletes are ranges on the rowid b-tree itself, so
 * findings have no index on `review_id` and no foreign key (an FK's cascade and its parent-side check would
 * each need that index, which costs an entry per finding at ingest and a scattered index delete per finding
 * at purge, as review ids are random). Since ranges are allocated in ingest order, expired reviews' findings
 * sit at the start of the table and the purge frees whole pages in order.
 *
 * `reviewId` stays as a guard: every read and delete also requires it to match, so a wrong range could never
 * show or delete another review's findings. Deleting a review by any path (the purge, a repository
 * disconnect or an account purge cascading to it) deletes its findings through the trigger
 * `reviews_delete_findings`, which drizzle-kit does not model: it is created by the hand-edited migration
 * `drizzle/0002_findings_by_row_range.sql`. SQLite drops a table's triggers with it, so a future migration
 * that rebuilds `reviews` must create it again (test/api/retention.test.ts checks it exists).
 */
export const findings = sqliteTable('findings', {
  rowId: integer('row_id').primaryKey(),
  reviewId: text('review_id').notNull(),
  startLine: integer('start_line'),
  line: integer('line').notNull(),
  severity: text('severity').notNull(),
  category: text('category').notNull(),
  fingerprint: text('fingerprint').notNull(),
  /** `FINDING_STATES`: new in its review, still open, fixed by it, dismissed. */
  state: text('state').notNull().default('new'),
  /** The head commit of the run that first raised it; null for reports of older actions. */
  firstSeen: text('first_seen'),
});

/**
 * The text of a review's findings, sealed as one value (`finding-texts.ts`: path, title and body of each,
 * prose with fenced code stripped, in the order of their row ids). No row for a review without findings.
 */
export const findingTexts = sqliteTable('finding_texts', {
  reviewId: text('review_id')
    .primaryKey()
    .references(() => reviews.id, { onDelete: 'cascade' }),
  sealed: blob('sealed', { mode: 'buffer' }).notNull(),
});

/**
 * Counts per account, repository and UTC day: no text beyond the repository name. Outlive the 30-day
 * retention of reviews (trends); deleted with the repository or the account.
 */
export const dailyAggregates = sqliteTable(
  'daily_aggregates',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** The repository's `repositories.nameKey`. */
    repository: text('repository').notNull(),
    /** `YYYY-MM-DD` (UTC). */
    day: text('day').notNull(),
    reviews: integer('reviews').notNull().default(0),
    /** Of those, the reviews whose check concluded `failure` (the pages' "Failed checks"). */
    failures: integer('failures').notNull().default(0),
    /** Findings introduced (new in a review of the day), by severity. */
    critical: integer('critical').notNull().default(0),
    high: integer('high').notNull().default(0),
    medium: integer('medium').notNull().default(0),
    low: integer('low').notNull().default(0),
    /** Findings reviews of the day found fixed, and findings newly dismissed. */
    fixed: integer('fixed').notNull().default(0),
    dismissed: integer('dismissed').notNull().default(0),
    /** The reviews' cost, in millionths of a US dollar. */
    costMicros: integer('cost_micros').notNull().default(0),
    /**
     * Fixed findings by the time from the run that first raised them to the run that found them fixed
     * (`FIX_TIME_BUCKETS`: within a day, 3 days, a week, 2 weeks, later), when that first run was known.
     */
    fixedIn1d: integer('fixed_in_1d').notNull().default(0),
    fixedIn3d: integer('fixed_in_3d').notNull().default(0),
    fixedIn7d: integer('fixed_in_7d').notNull().default(0),
    fixedIn14d: integer('fixed_in_14d').notNull().default(0),
    fixedLater: integer('fixed_later').notNull().default(0),
    /** Findings introduced, by category (`category_<name>`): the top categories over months. */
    ...categoryCounts,
    /**
     * The day's fixed and newly dismissed findings by category (`fixed_<name>`, `dismissed_<name>`): where
     * dismissals concentrate against fixes tells a team which categories to turn off.
     */
    ...categoryEnds('fixed'),
    ...categoryEnds('dismissed'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.repository, t.day] })],
);

/**
 * Who did what, kept 7 days. `actor` is `key:<id>`, `user:<id>`, `cli` or `github`. A correction names the
 * fields it changed (`fields`, a JSON array of names), never their values: those may be personal data.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    /** Sealed. */
    target: text('target'),
    at: ms('at').notNull(),
    /** Sealed. */
    clientAddress: text('client_address'),
    fields: text('fields', { mode: 'json' }).$type<string[]>(),
  },
  (t) => [index('audit_account_at_idx').on(t.accountId, t.at), index('audit_at_idx').on(t.at)],
);

/** GitHub webhook deliveries seen, so a redelivery is a no-op. Kept a few days. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    deliveryId: text('delivery_id').primaryKey(),
    receivedAt: ms('received_at').notNull(),
  },
  (t) => [index('webhook_deliveries_received_idx').on(t.receivedAt)],
);

/**
 * What an account uses, against its quotas (`api/quotas.ts`): reviews stored on `day` (UTC), and the bytes
 * of review text it holds. The writer adds each review in its transaction; every deletion of a review,
 * cascades included, takes its `stored_bytes` back through the trigger `reviews_release_usage`, which
 * drizzle-kit does not model: it is created by the hand-edited migration
 * `drizzle/0003_account_quotas.sql` (a migration that rebuilds `reviews` must create it again, like
 * `reviews_delete_findings`; test/api/quotas.test.ts checks it exists).
 */
export const accountUsage = sqliteTable('account_usage', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  /** `YYYY-MM-DD` (UTC) of `reviewsOnDay`. */
  day: text('day').notNull(),
  reviewsOnDay: integer('reviews_on_day').notNull().default(0),
  storedBytes: integer('stored_bytes').notNull().default(0),
});

/**
 * The data keys that have sealed values here, by id (`envelope.ts`; never the key itself). A key is
 * retired once re-encryption has moved every value it sealed to a newer key; the server refuses to start
 * without a key that is not retired, since the values it sealed could not be read.
 */
export const dataKeys = sqliteTable('data_keys', {
  kid: text('kid').primaryKey(),
  createdAt: ms('created_at').notNull(),
  retiredAt: ms('retired_at'),
});

/**
 * When each previous session secret stopped signing, by key id (never the secret): tokens it signed are
 * accepted only when issued before then, so it verifies nothing once a session's lifetime has passed,
 * however often the server restarts.
 */
export const retiredSessionKeys = sqliteTable('retired_session_keys', {
  kid: text('kid').primaryKey(),
  retiredAt: ms('retired_at').notNull(),
});

// State several `serve` processes share (`shared-state.ts`), below: kept in the database they already share,
// so a second instance neither double-counts nor forgets (docs/deployment.md says why not a separate store).

/**
 * Token buckets of the rate limits: `bucket` names what is limited (`key:<id>`, `session:<id>`,
 * `fail:<hash of the client address>`), `tokens` what was left at `at`. Rows idle for an hour are full
 * again and purged.
 */
export const rateBuckets = sqliteTable(
  'rate_buckets',
  {
    bucket: text('bucket').primaryKey(),
    tokens: real('tokens').notNull(),
    at: ms('at').notNull(),
  },
  (t) => [index('rate_buckets_at_idx').on(t.at)],
);

/** OAuth `state` values consumed by a callback (their SHA-256), until they would have expired anyway. */
export const oauthStates = sqliteTable(
  'oauth_states',
  {
    stateHash: text('state_hash').primaryKey(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('oauth_states_expires_idx').on(t.expiresAt)],
);

/**
 * Leases on background work that runs once across instances (`name`, e.g. `purge`): `holder` runs it
 * until `expires_at` (renewed between batches); `done_at` is when it last finished, so the others skip it
 * until it is due again, and take it over once a dead holder's lease has expired.
 */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  expiresAt: ms('expires_at'),
  doneAt: ms('done_at'),
});

/**
 * A finding a person dismissed in a pull request, with their reason: what a review got wrong for this
 * repository, for an admin to turn into a path instruction (`acceptedAt`). Never code: the title and the
 * reason are stripped of it on both sides; the title, path pattern and reason are sealed (`encryption.ts`).
 * Readable until `expiresAt` (created + 30 days), like reviews.
 */
export const dismissals = sqliteTable(
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
    /** Sealed: the login of who dismissed it; null in reports of older actions. */
    by: text('dismissed_by'),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    /** When an admin turned it into an instruction in the repository's hosted config. */
    acceptedAt: ms('accepted_at'),
    /** When an admin decided it teaches nothing (kept, listed as declined, until it expires). */
    declinedAt: ms('declined_at'),
  },
  (t) => [
    index('dismissals_repository_created_idx').on(t.repositoryId, t.createdAt),
    index('dismissals_expires_idx').on(t.expiresAt),
  ],
);

/**
 * What answering a question in one of diffray's threads cost (`POST /v1/answers`): counted in its pull
 * request's total and, through the day's `costMicros` in `dailyAggregates`, in the account's cost per day
 * and week. Metadata only, no text. Readable until `expiresAt` (created + 30 days), like reviews.
 */
export const answers = sqliteTable(
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
    costUsd: real('cost_usd').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [
    index('answers_repository_pull_idx').on(t.repositoryId, t.pullRequest),
    index('answers_account_created_idx').on(t.accountId, t.createdAt),
    index('answers_expires_idx').on(t.expiresAt),
  ],
);
