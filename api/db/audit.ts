import { and, desc, eq } from 'drizzle-orm';
import type { Orm } from './client.js';
import { sealOptional, unsealOptional } from './encryption.js';
import { newId } from './ids.js';
import { auditLog } from './schema.js';

export interface AuditEntry {
  accountId: string;
  /** `key:<id>`, `user:<id>`, `cli` or `github`. */
  actor: string;
  action: string;
  target?: string | undefined;
  clientAddress?: string | undefined;
  at: Date;
}

export function recordAudit(orm: Orm, entry: AuditEntry): void {
  const id = newId();
  orm
    .insert(auditLog)
    .values({
      id,
      accountId: entry.accountId,
      actor: entry.actor,
      action: entry.action,
      target: sealOptional(orm, auditLog.target, id, entry.target),
      clientAddress: sealOptional(orm, auditLog.clientAddress, id, entry.clientAddress),
      at: entry.at,
    })
    .run();
}

export function listAudit(orm: Orm, accountId: string, limit = 1000) {
  return orm
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.accountId, accountId)))
    .orderBy(desc(auditLog.at))
    .limit(limit)
    .all()
    .map((e) => ({
      ...e,
      target: unsealOptional(orm, auditLog.target, e.id, e.target),
      clientAddress: unsealOptional(orm, auditLog.clientAddress, e.id, e.clientAddress),
    }));
}
