import type { Orm } from './client.js';
import { sealOptional } from './encryption.js';
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
      fields: entry.fields ?? null,
      at: entry.at,
    })
    .run();
}
