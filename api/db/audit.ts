import { desc, eq } from 'drizzle-orm';
import type { Orm } from './client.js';
import { newId } from './ids.js';
import { auditLog } from './schema.js';

export interface AuditEntry {
  accountId: string;
  /** `key:<id>`, `user:<id>`, `cli` or `github`. */
  actor: string;
  action: string;
  target?: string | undefined;
  clientAddress?: string | undefined;
  /** The fields a correction changed (names, never values). */
  fields?: string[] | undefined;
  at: Date;
}

export function recordAudit(orm: Orm, entry: AuditEntry): void {
  orm
    .insert(auditLog)
    .values({
      id: newId(),
      accountId: entry.accountId,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      clientAddress: entry.clientAddress ?? null,
      fields: entry.fields ?? null,
      at: entry.at,
    })
    .run();
}

/** The account's whole audit log, newest first (entries are kept 7 days, so it stays bounded). */
export function listAudit(orm: Orm, accountId: string) {
  return orm
    .select()
    .from(auditLog)
    .where(eq(auditLog.accountId, accountId))
    .orderBy(desc(auditLog.at))
    .all();
}
