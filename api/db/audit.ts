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
      at: entry.at,
    })
    .run();
}
