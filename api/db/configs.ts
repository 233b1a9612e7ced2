import { and, eq, isNull } from 'drizzle-orm';
import type { DiffrayDb, Orm } from './client.js';
import { seal, unseal } from './encryption.js';
import { newId } from './ids.js';
import { findRepository, repositoryNames, upsertRepository } from './repositories.js';
import { configs, repositories } from './schema.js';

export interface StoredConfigs {
  account: { yaml: string; updatedAt: Date } | undefined;
  repository: { yaml: string; updatedAt: Date } | undefined;
}

const configColumns = { id: configs.id, yaml: configs.yaml, updatedAt: configs.updatedAt };

/** A config row with its text opened. */
function opened(orm: Orm, row: { id: string; yaml: string; updatedAt: Date } | undefined) {
  return row && { yaml: unseal(orm, configs.yaml, row.id, row.yaml), updatedAt: row.updatedAt };
}

/** The account default and (when `repository` is given and known) the repository's config text. */
export function getConfigs(orm: Orm, accountId: string, repository: string | undefined): StoredConfigs {
  const account = orm
    .select(configColumns)
    .from(configs)
    .where(and(eq(configs.accountId, accountId), isNull(configs.repositoryId)))
    .get();
  let repo: StoredConfigs['repository'];
  if (repository !== undefined) {
    const found = findRepository(orm, accountId, repository);
    if (found) {
      repo = opened(
        orm,
        orm
          .select(configColumns)
          .from(configs)
          .where(and(eq(configs.accountId, accountId), eq(configs.repositoryId, found.id)))
          .get(),
      );
    }
  }
  return { account: opened(orm, account), repository: repo };
}

/**
 * Stores (replacing) the account default or a repository's config; the repository is created if new. A
 * replaced config's text is erased from the WAL (`eraseDeleted`).
 */
export function putConfig(
  db: DiffrayDb,
  accountId: string,
  repository: string | undefined,
  yaml: string,
  now: Date,
) {
  const replaced = db.orm.transaction((tx) => {
    const repositoryId = repository === undefined ? null : upsertRepository(tx, accountId, repository, now);
    const where =
      repositoryId === null
        ? and(eq(configs.accountId, accountId), isNull(configs.repositoryId))
        : and(eq(configs.accountId, accountId), eq(configs.repositoryId, repositoryId));
    const existing = tx.select({ id: configs.id }).from(configs).where(where).get();
    const id = existing?.id ?? newId();
    const sealed = seal(tx, configs.yaml, id, yaml);
    if (existing) {
      tx.update(configs).set({ yaml: sealed, updatedAt: now }).where(eq(configs.id, id)).run();
      return true;
    }
    tx.insert(configs).values({ id, accountId, repositoryId, yaml: sealed, updatedAt: now }).run();
    return false;
  });
  if (replaced) db.eraseDeleted();
}

export function listConfigs(orm: Orm, accountId: string) {
  const nameOf = repositoryNames(orm);
  return orm
    .select({ ...configColumns, repositoryId: repositories.id, repository: repositories.fullName })
    .from(configs)
    .leftJoin(repositories, eq(repositories.id, configs.repositoryId))
    .where(eq(configs.accountId, accountId))
    .all()
    .map(({ id, repositoryId, repository, yaml, updatedAt }) => ({
      repository: repositoryId === null || repository === null ? null : nameOf(repositoryId, repository),
      yaml: unseal(orm, configs.yaml, id, yaml),
      updatedAt,
    }));
}
