import { and, asc, eq } from 'drizzle-orm';
import type { DiffrayDb, Orm } from './client.js';
import { newId } from './ids.js';
import { dailyAggregates, repositories } from './schema.js';

/** GitHub names are case-insensitive: one key per `owner/name`. */
export function repositoryKey(fullName: string): string {
  return fullName.toLowerCase();
}

export function findRepository(orm: Orm, accountId: string, fullName: string) {
  return orm
    .select()
    .from(repositories)
    .where(and(eq(repositories.accountId, accountId), eq(repositories.nameKey, repositoryKey(fullName))))
    .get();
}

/** The repository's id, creating it on first report. */
export function upsertRepository(orm: Orm, accountId: string, fullName: string, now: Date): string {
  const existing = findRepository(orm, accountId, fullName);
  if (existing) return existing.id;
  const id = newId();
  orm
    .insert(repositories)
    .values({ id, accountId, fullName, nameKey: repositoryKey(fullName), createdAt: now })
    .run();
  return id;
}

export function listRepositories(orm: Orm, accountId: string) {
  return orm
    .select({ id: repositories.id, fullName: repositories.fullName, createdAt: repositories.createdAt })
    .from(repositories)
    .where(eq(repositories.accountId, accountId))
    .orderBy(asc(repositories.nameKey))
    .all();
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

/** Deletes the repository from every account that has it (GitHub said it is gone). Returns those accounts. */
export function deleteRepositoryEverywhere(db: DiffrayDb, fullName: string): string[] {
  const owners = db.orm
    .select({ accountId: repositories.accountId })
    .from(repositories)
    .where(eq(repositories.nameKey, repositoryKey(fullName)))
    .all()
    .map((r) => r.accountId);
  return owners.filter((accountId) => deleteRepository(db, accountId, fullName) !== undefined);
}
