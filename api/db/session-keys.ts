/** When previous session secrets stopped signing (`retiredSessionKeys`), by key id. */
import { eq } from 'drizzle-orm';
import type { Orm } from './client.js';
import { retiredSessionKeys } from './schema.js';

/**
 * At start, with the id of the session secret that signs (`current`) and of the previous one if any: the
 * moment the previous one was retired, which is the first start that listed it as previous (restarts do
 * not move it, so they cannot lengthen its life). The current one is not retired, even if it was before
 * (a rollback): a later rotation retires it anew.
 */
export function retiredSessionKey(
  orm: Orm,
  input: { current: string; previous: string | undefined; now: Date },
): Date | undefined {
  return orm.transaction((tx) => {
    tx.delete(retiredSessionKeys).where(eq(retiredSessionKeys.kid, input.current)).run();
    if (input.previous === undefined) return undefined;
    tx.insert(retiredSessionKeys)
      .values({ kid: input.previous, retiredAt: input.now })
      .onConflictDoNothing()
      .run();
    return tx
      .select({ retiredAt: retiredSessionKeys.retiredAt })
      .from(retiredSessionKeys)
      .where(eq(retiredSessionKeys.kid, input.previous))
      .get()!.retiredAt;
  });
}
