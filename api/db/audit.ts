import type { DiffrayDb } from './client.js';
import { sealOptional } from './encryption.js';
import { newId } from './ids.js';

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

export async function recordAudit(db: DiffrayDb, entry: AuditEntry): Promise<void> {
  const { auditLog } = db.tables;
  const id = newId();
  await db.orm.insert(auditLog).values({
    id,
    accountId: entry.accountId,
    actor: entry.actor,
    action: entry.action,
    target: sealOptional(db, auditLog.target, id, entry.target),
    clientAddress: sealOptional(db, auditLog.clientAddress, id, entry.clientAddress),
    fields: entry.fields ?? null,
    at: entry.at,
  });
}
