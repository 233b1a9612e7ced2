import { getTableColumns, and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DiffrayDb, Orm } from './client.js';
import { indexesOf, indexOf, seal, unseal } from './encryption.js';
import { newId } from './ids.js';
import { configs, dailyAggregates, repositories, reviews } from './schema.js';

/**
 * The account's repository named `fullName` (GitHub names are case-insensitive), its name opened; found by
 * its blind index under each data key.
 */
export function findRepository(orm: Orm, accountId: string, fullName: string) {
  const row = orm
    .select()
    .from(repositories)
    .where(
      and(
        eq(repositories.accountId, accountId),
        inArray(repositories.nameKey, indexesOf(orm, 'repository', fullName)),
      ),
    )
    .get();
  return row && { ...row, fullName: unseal(orm, repositories.fullName, row.id, row.fullName) };
}

/** The repository's id, creating it on first report. */
export function upsertRepository(orm: Orm, accountId: string, fullName: string, now: Date): string {
  const existing = findRepository(orm, accountId, fullName);
  if (existing) return existing.id;
  const id = newId();
  orm
    .insert(repositories)
    .values({
      id,
      accountId,
      fullName: seal(orm, repositories.fullName, id, fullName),
      nameKey: indexOf(orm, 'repository', fullName),
      createdAt: now,
    })
    .run();
  return id;
}

/** Opens repositories' sealed names, each repository's once: lists show the same few names many times. */
export function repositoryNames(orm: Orm): (repositoryId: string, sealed: string) => string {
  const names = new Map<string, string>();
  return (id, sealed) => {
    let name = names.get(id);
    if (name === undefined) {
      name = unseal(orm, repositories.fullName, id, sealed);
      names.set(id, name);
    }
    return name;
  };
}

/** The account's repositories by name (sorted here: the names are sealed). */
export function listRepositories(orm: Orm, accountId: string) {
  return orm
    .select({ id: repositories.id, fullName: repositories.fullName, createdAt: repositories.createdAt })
    .from(repositories)
    .where(eq(repositories.accountId, accountId))
    .all()
    .map((r) => {
      const name = unseal(orm, repositories.fullName, r.id, r.fullName);
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
export function deleteRepository(db: DiffrayDb, accountId: string, fullName: string): string | undefined {
  const deleted = db.orm.transaction((tx) => {
    const repo = findRepository(tx, accountId, fullName);
    if (!repo) return undefined;
    tx.delete(repositories).where(eq(repositories.id, repo.id)).run();
    tx.delete(dailyAggregates)
      .where(and(eq(dailyAggregates.accountId, accountId), eq(dailyAggregates.repository, repo.nameKey)))
      .run();
    return repo.fullName;
  });
  if (deleted !== undefined) db.eraseDeleted();
  return deleted;
}

/** The accounts holding `fullName`, with the name as each stored it. */
function holders(orm: Orm, fullName: string) {
  return orm
    .select({ id: repositories.id, accountId: repositories.accountId, fullName: repositories.fullName })
    .from(repositories)
    .where(inArray(repositories.nameKey, indexesOf(orm, 'repository', fullName)))
    .all()
    .map((r) => ({ accountId: r.accountId, fullName: unseal(orm, repositories.fullName, r.id, r.fullName) }));
}

/**
 * Deletes the repository from every account that has it (GitHub said it is gone). Returns those accounts,
 * with the name each had stored.
 */
export function deleteRepositoryEverywhere(
  db: DiffrayDb,
  fullName: string,
): { accountId: string; fullName: string }[] {
  return holders(db.orm, fullName).filter((r) => deleteRepository(db, r.accountId, fullName) !== undefined);
}

/** Repositories read per query by `repositoriesOfOwner`. */
const OWNER_SCAN_PAGE = 1000;

/**
 * The names (lower-cased, each once) of every stored repository of `owner`, in any account. Names are
 * sealed and their blind index covers the whole name, so this opens every stored name, a page at a time:
 * it runs only when a GitHub App is uninstalled from an owner, and what it costs grows with the number of
 * repositories stored, not with requests.
 */
export function repositoriesOfOwner(orm: Orm, owner: string): string[] {
  const prefix = `${owner.toLowerCase()}/`;
  const found = new Set<string>();
  for (let after = ''; ;) {
    const page = orm
      .select({ id: repositories.id, fullName: repositories.fullName })
      .from(repositories)
      .where(gt(repositories.id, after))
      .orderBy(repositories.id)
      .limit(OWNER_SCAN_PAGE)
      .all();
    for (const r of page) {
      const name = unseal(orm, repositories.fullName, r.id, r.fullName).toLowerCase();
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
export function moveRepository(db: DiffrayDb, accountId: string, from: string, to: string): boolean {
  const moved = db.orm.transaction((tx) => {
    const source = findRepository(tx, accountId, from);
    if (!source) return false;
    const sameName = to.toLowerCase() === source.fullName.toLowerCase();
    const target = sameName ? undefined : findRepository(tx, accountId, to);
    if (target === undefined) {
      const toKey = indexOf(tx, 'repository', to);
      tx.update(repositories)
        .set({ fullName: seal(tx, repositories.fullName, source.id, to), nameKey: toKey })
        .where(eq(repositories.id, source.id))
        .run();
      tx.update(dailyAggregates)
        .set({ repository: toKey })
        .where(and(eq(dailyAggregates.accountId, accountId), eq(dailyAggregates.repository, source.nameKey)))
        .run();
      return true;
    }
    tx.update(reviews).set({ repositoryId: target.id }).where(eq(reviews.repositoryId, source.id)).run();
    const newest = tx
      .select({ id: configs.id, repositoryId: configs.repositoryId })
      .from(configs)
      .where(inArray(configs.repositoryId, [source.id, target.id]))
      .orderBy(desc(configs.updatedAt))
      .get();
    if (newest?.repositoryId === source.id) {
      tx.delete(configs).where(eq(configs.repositoryId, target.id)).run();
      tx.update(configs).set({ repositoryId: target.id }).where(eq(configs.id, newest.id)).run();
    }
    mergeAggregates(tx, accountId, source.nameKey, target.nameKey);
    // Cascades to what did not move: the older config.
    tx.delete(repositories).where(eq(repositories.id, source.id)).run();
    return true;
  });
  if (moved) db.eraseDeleted();
  return moved;
}
/** Adds the day counts of repository key `from` to those of `to`, then deletes `from`'s. */
function mergeAggregates(orm: Orm, accountId: string, from: string, to: string): void {
  const a = dailyAggregates;
  const whereFrom = and(eq(a.accountId, accountId), eq(a.repository, from));
  // Every count of the row: all but its key.
  const counts = Object.keys(getTableColumns(a)).filter(
    (c): c is Exclude<keyof typeof a.$inferSelect, 'accountId' | 'repository' | 'day'> =>
      c !== 'accountId' && c !== 'repository' && c !== 'day',
  );
  for (const row of orm.select().from(a).where(whereFrom).all()) {
    orm
      .insert(a)
      .values({ ...row, repository: to })
      .onConflictDoUpdate({
        target: [a.accountId, a.repository, a.day],
        set: Object.fromEntries(counts.map((c) => [c, sql`${a[c]} + excluded.${sql.identifier(a[c].name)}`])),
      })
      .run();
  }
  orm.delete(a).where(whereFrom).run();
}

/** Moves `from` to `to` in every account that holds `from`. Returns those accounts. */
export function moveRepositoryEverywhere(db: DiffrayDb, from: string, to: string): string[] {
  return holders(db.orm, from)
    .map((r) => r.accountId)
    .filter((accountId) => moveRepository(db, accountId, from, to));
}
