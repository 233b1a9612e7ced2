/** When previous session secrets stopped signing (`retiredSessionKeys`), by key id. */
import { eq } from 'drizzle-orm';
import type { DiffrayDb } from './client.js';

/**
 * At start, with the id of the session secret that signs (`current`) and of the previous one if any: the
 * moment the previous one was retired, which is the first start that listed it as previous (restarts do
 * not move it, so they cannot lengthen its life). The current one is not retired, even if it was before
 * (a rollback): a later rotation retires it anew.
 */
export async function retiredSessionKey(
  db: DiffrayDb,
  input: { current: string; previous: string | undefined; now: Date },
): Promise<Date | undefined> {
  const { retiredSessionKeys } = db.tables;
  return db.transaction(async (tx) => {
    await tx.orm.delete(retiredSessionKeys).where(eq(retiredSessionKeys.kid, input.current));
    if (input.previous === undefined) return undefined;
    await tx.orm
      .insert(retiredSessionKeys)
      .values({ kid: input.previous, retiredAt: input.now })
      .onConflictDoNothing();
    const [retired] = await tx.orm
      .select({ retiredAt: retiredSessionKeys.retiredAt })
      .from(retiredSessionKeys)
      .where(eq(retiredSessionKeys.kid, input.previous))
      .limit(1);
    return retired!.retiredAt;
  });
}
