/** The results database: the only place that imports drizzle and better-sqlite3. */
export * from './accounts.js';
export * from './answers.js';
export * from './api-keys.js';
export * from './audit.js';
export * from './client.js';
export { openPgDatabase } from './pg/client.js';
export * from './configs.js';
export {
  dataKeyIds,
  MissingDataKeyError,
  needsReencryption,
  reencrypt,
  type ReencryptResult,
} from './data-keys.js';
export { DecryptError } from './envelope.js';
export * from './dismissals.js';
export * from './export.js';
export { faultDetail, isDatabaseUnavailable } from './faults.js';
export { MigrationError } from './migrations.js';
export * from './ids.js';
export * from './members.js';
export * from './profiles.js';
export * from './purge.js';
export * from './repositories.js';
export * from './reviews.js';
export * from './session-keys.js';
export * from './sessions.js';
export * from './shared-state.js';
export * from './totals.js';
export * from './usage.js';
export * from './webhooks.js';
export type { IngestRow } from './ingest.js';
export { WriteError } from './writer.js';
export * as tables from './schema.js';
export { SCOPES, MEMBER_ROLES, type Scope, type MemberRole } from './schema.js';
