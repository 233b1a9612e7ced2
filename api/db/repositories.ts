import { getTableColumns, and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DiffrayDb } from './client.js';
import { indexesOf, indexOf, seal, unseal } from './encryption.js';
import { newId } from './ids.js';

/**
 * The account's repository named `fullName` (GitHub names are case-insensitive), its name opened; found by
 * its blind index under each data key.
 */
export async function findRepository(db: DiffrayDb, accountId: string, fullName: string) {
  const { repositories } = db.tables;
  const [row] = await db.orm
    .select()
    .from(repositories)
    .where(
      and(
        eq(repositories.accountId, accountId),
        inArray(repositories.nameKey, indexesOf(db, 'repository', fullName)),
      ),
    )
    .limit(1);
  return row && { ...row, fullName: unseal(db, repositories.fullName, row.id, row.fullName) };
}

/** The repository's id, creating it on first report. */
export async function upsertRepository(
  db: DiffrayDb,
  accountId: string,
  fullName: string,
  now: Date,
): Promise<string> {
  const { repositories } = db.tables;
  const existing = await findRepository(db, accountId, fullName);
  if (existing) return existing.id;
  const id = newId();
  await db.orm.insert(repositories).values({
    id,
    accountId,
    fullName: seal(db, repositories.fullName, id, fullName),
    nameKey: indexOf(db, 'repository', fullName),
    createdAt: now,
  });
  return id;
}

/** Opens repositories' sealed names, each repository's once: lists show the same few names many times. */
export function repositoryNames(db: DiffrayDb): (repositoryId: string, sealed: string) => string {
  const { repositories } = db.tables;
  const names = new Map<string, string>();
  return (id, sealed) => {
    let name = names.get(id);
    if (name === undefined) {
      name = unseal(db, repositories.fullName, id, sealed);
      names.set(id, name);
    }
    return name;
  };
}

/** The account's repositories by name (sorted here: the names are sealed). */
export async function listRepositories(db: DiffrayDb, accountId: string) {
  const { repositories } = db.tables;
  const rows = await db.orm
    .select({ id: repositories.id, fullName: repositories.fullName, createdAt: repositories.createdAt })
    .from(repositories)
    .where(eq(repositories.accountId, accountId));
  return rows
    .map((r) => {
      const name = unseal(db, repositories.fullName, r.id, r.fullName);
      return { row: { ...r, fullName: name }, key: name.toLowerCase() };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ row }) => row);
}

/**
 * Deletes a repository's metadata, config, reviews, findings (cascades) and daily aggregates at once, in
 * one transaction, then erases the WAL (`eraseDeleted`). Returns the stored name, or undefined when the
 * account has no such repository.
 */
export async function deleteRepository(
  db: DiffrayDb,
  accountId: string,
  fullName: string,
): Promise<string | undefined> {
  const { dailyAggregates, repositories } = db.tables;
  const deleted = await db.transaction(async (tx) => {
    const repo = await findRepository(tx, accountId, fullName);
    if (!repo) return undefined;
    await tx.orm.delete(repositories).where(eq(repositories.id, repo.id));
    await tx.orm
      .delete(dailyAggregates)
      .where(and(eq(dailyAggregates.accountId, accountId), eq(dailyAggregates.repository, repo.nameKey)));
    return repo.fullName;
  });
  if (deleted !== undefined) await db.eraseDeleted();
  return deleted;
}

/** The accounts holding `fullName`, with the name as each stored it. */
async function holders(db: DiffrayDb, fullName: string) {
  const { repositories } = db.tables;
  const rows = await db.orm
    .select({ id: repositories.id, accountId: repositories.accountId, fullName: repositories.fullName })
    .from(repositories)
    .where(inArray(repositories.nameKey, indexesOf(db, 'repository', fullName)));
  return rows.map((r) => ({
    accountId: r.accountId,
    fullName: unseal(db, repositories.fullName, r.id, r.fullName),
  }));
}

/**
 * Deletes the repository from every account that has it (GitHub said it is gone). Returns those accounts,
 * with the name each had stored.
 */
export async function deleteRepositoryEverywhere(
  db: DiffrayDb,
  fullName: string,
): Promise<{ accountId: string; fullName: string }[]> {
  const deleted: { accountId: string; fullName: string }[] = [];
  for (const holder of await holders(db, fullName))
    if ((await deleteRepository(db, holder.accountId, fullName)) !== undefined) deleted.push(holder);
  return deleted;
}

/** Repositories read per query by `repositoriesOfOwner`. */
const OWNER_SCAN_PAGE = 1000;

/**
 * The names (lower-cased, each once) of every stored repository of `owner`, in any account. Names are
 * sealed and their blind index covers the whole name, so this opens every stored name, a page at a time:
 * it runs only when a GitHub App is uninstalled from an owner, and what it costs grows with the number of
 * repositories stored, not with requests.
 */
export async function repositoriesOfOwner(db: DiffrayDb, owner: string): Promise<string[]> {
  const { repositories } = db.tables;
  const prefix = `${owner.toLowerCase()}/`;
  const found = new Set<string>();
  for (let after = ''; ;) {
    const page = await db.orm
      .select({ id: repositories.id, fullName: repositories.fullName })
      .from(repositories)
      .where(gt(repositories.id, after))
      .orderBy(repositories.id)
      .limit(OWNER_SCAN_PAGE);
    for (const r of page) {
      const name = unseal(db, repositories.fullName, r.id, r.fullName).toLowerCase();
      if (name.startsWith(prefix)) found.add(name);
    }
    if (page.length < OWNER_SCAN_PAGE) return [...found];
    after = page.at(-1)!.id;
  }
}

/**
 * Moves the account's repository `from` to the name `to` (GitHub renamed or transferred it): its reviews,
 * config and daily aggregates follow. When the account already holds `to` (the action reported under the new
 * name before the webhook arrived), the two merge: reviews and day counts together, and of two configs the
 * one updated last. Then erases the WAL (`eraseDeleted`): the old name, and a config replaced in a merge.
 * Returns false when the account has no `from`.
 */
export async function moveRepository(
  db: DiffrayDb,
  accountId: string,
  from: string,
  to: string,
): Promise<boolean> {
  const { configs, dailyAggregates, repositories, reviews } = db.tables;
  const moved = await db.transaction(async (tx) => {
    const source = await findRepository(tx, accountId, from);
    if (!source) return false;
    const sameName = to.toLowerCase() === source.fullName.toLowerCase();
    const target = sameName ? undefined : await findRepository(tx, accountId, to);
    if (target === undefined) {
      const toKey = indexOf(tx, 'repository', to);
      await tx.orm
        .update(repositories)
        .set({ fullName: seal(tx, repositories.fullName, source.id, to), nameKey: toKey })
        .where(eq(repositories.id, source.id));
      await tx.orm
        .update(dailyAggregates)
        .set({ repository: toKey })
        .where(and(eq(dailyAggregates.accountId, accountId), eq(dailyAggregates.repository, source.nameKey)));
      return true;
    }
    await tx.orm.update(reviews).set({ repositoryId: target.id }).where(eq(reviews.repositoryId, source.id));
    const [newest] = await tx.orm
      .select({ id: configs.id, repositoryId: configs.repositoryId })
      .from(configs)
      .where(inArray(configs.repositoryId, [source.id, target.id]))
      .orderBy(desc(configs.updatedAt))
      .limit(1);
    if (newest?.repositoryId === source.id) {
      await tx.orm.delete(configs).where(eq(configs.repositoryId, target.id));
      await tx.orm.update(configs).set({ repositoryId: target.id }).where(eq(configs.id, newest.id));
    }
    await mergeAggregates(tx, accountId, source.nameKey, target.nameKey);
    // Cascades to what did not move: the older config.
    await tx.orm.delete(repositories).where(eq(repositories.id, source.id));
    return true;
  });
  if (moved) await db.eraseDeleted();
  return moved;
}
/** Adds the day counts of repository key `from` to those of `to`, then deletes `from`'s. */
async function mergeAggregates(db: DiffrayDb, accountId: string, from: string, to: string): Promise<void> {
  const { dailyAggregates } = db.tables;
  const a = dailyAggregates;
  const whereFrom = and(eq(a.accountId, accountId), eq(a.repository, from));
  // Every count of the row: all but its key.
  const counts = Object.keys(getTableColumns(a)).filter(
    (c): c is Exclude<keyof typeof a.$inferSelect, 'accountId' | 'repository' | 'day'> =>
      c !== 'accountId' && c !== 'repository' && c !== 'day',
  );
  for (const row of await db.orm.select().from(a).where(whereFrom)) {
    await db.orm
      .insert(a)
      .values({ ...row, repository: to })
      .onConflictDoUpdate({
        target: [a.accountId, a.repository, a.day],
        set: Object.fromEntries(counts.map((c) => [c, sql`${a[c]} + excluded.${sql.identifier(a[c].name)}`])),
      });
  }
  await db.orm.delete(a).where(whereFrom);
}

/** Moves `from` to `to` in every account that holds `from`. Returns those accounts. */
export async function moveRepositoryEverywhere(db: DiffrayDb, from: string, to: string): Promise<string[]> {
  const moved: string[] = [];
  for (const { accountId } of await holders(db, from))
    if (await moveRepository(db, accountId, from, to)) moved.push(accountId);
  return moved;
}
