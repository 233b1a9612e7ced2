import { eq } from 'drizzle-orm';
import type { Orm } from './client.js';
import { webhookDeliveries } from './schema.js';

/** Records a delivery id; false when it was seen before (a redelivery). */
export function recordDelivery(orm: Orm, deliveryId: string, now: Date): boolean {
  const result = orm
    .insert(webhookDeliveries)
    .values({ deliveryId, receivedAt: now })
    .onConflictDoNothing()
    .run();
  return result.changes > 0;
}

export function hasDelivery(orm: Orm, deliveryId: string): boolean {
  return (
    orm
      .select({ id: webhookDeliveries.deliveryId })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.deliveryId, deliveryId))
      .get() !== undefined
  );
}
