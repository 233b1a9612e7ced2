import { and, eq, inArray } from 'drizzle-orm';
import type { Orm } from './client.js';
import { indexesOf, indexOf, seal, unseal } from './encryption.js';
import { newId } from './ids.js';
import { dailyAggregates, repositories } from './schema.js';

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
 * one transaction. Returns the stored name, or undefined when the account has no such repository.
 */
export function deleteRepository(orm: Orm, accountId: string, fullName: string): string | undefined {
  return orm.transaction((tx) => {
    const repo = findRepository(tx, accountId, fullName);
    if (!repo) return undefined;
    tx.delete(repositories).where(eq(repositories.id, repo.id)).run();
    tx.delete(dailyAggregates)
      .where(and(eq(dailyAggregates.accountId, accountId), eq(dailyAggregates.repository, repo.nameKey)))
      .run();
    return repo.fullName;
  });
}

/** Deletes the repository from every account that has it (GitHub said it is gone). Returns those accounts. */
export function deleteRepositoryEverywhere(orm: Orm, fullName: string): string[] {
  const owners = orm
    .select({ accountId: repositories.accountId })
    .from(repositories)
    .where(inArray(repositories.nameKey, indexesOf(orm, 'repository', fullName)))
    .all()
    .map((r) => r.accountId);
  return owners.filter((accountId) => deleteRepository(orm, accountId, fullName) !== undefined);
}
