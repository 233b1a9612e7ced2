import { eq } from 'drizzle-orm';
import type { DiffrayDb } from './client.js';

/** Records a delivery id; false when it was seen before (a redelivery). */
export async function recordDelivery(db: DiffrayDb, deliveryId: string, now: Date): Promise<boolean> {
  const { webhookDeliveries } = db.tables;
  const inserted = await db.orm
    .insert(webhookDeliveries)
    .values({ deliveryId, receivedAt: now })
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.deliveryId });
  return inserted.length > 0;
}

export async function hasDelivery(db: DiffrayDb, deliveryId: string): Promise<boolean> {
  const { webhookDeliveries } = db.tables;
  const found = await db.orm
    .select({ id: webhookDeliveries.deliveryId })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.deliveryId, deliveryId))
    .limit(1);
  return found.length > 0;
}
