import { and, eq, isNull } from 'drizzle-orm';
import type { DiffrayDb, Tables } from './client.js';
import { seal, unseal } from './encryption.js';
import { newId } from './ids.js';
import { findRepository, repositoryNames, upsertRepository } from './repositories.js';

export interface StoredConfigs {
  account: { yaml: string; updatedAt: Date } | undefined;
  repository: { yaml: string; updatedAt: Date } | undefined;
}

function configColumns({ configs }: Tables) {
  return { id: configs.id, yaml: configs.yaml, updatedAt: configs.updatedAt };
}

/** A config row with its text opened. */
function opened(db: DiffrayDb, row: { id: string; yaml: string; updatedAt: Date } | undefined) {
  return row && { yaml: unseal(db, db.tables.configs.yaml, row.id, row.yaml), updatedAt: row.updatedAt };
}

/** The account default and (when `repository` is given and known) the repository's config text. */
export async function getConfigs(
  db: DiffrayDb,
  accountId: string,
  repository: string | undefined,
): Promise<StoredConfigs> {
  const { configs } = db.tables;
  const [account] = await db.orm
    .select(configColumns(db.tables))
    .from(configs)
    .where(and(eq(configs.accountId, accountId), isNull(configs.repositoryId)))
    .limit(1);
  let repo: StoredConfigs['repository'];
  if (repository !== undefined) {
    const found = await findRepository(db, accountId, repository);
    if (found) {
      const [config] = await db.orm
        .select(configColumns(db.tables))
        .from(configs)
        .where(and(eq(configs.accountId, accountId), eq(configs.repositoryId, found.id)))
        .limit(1);
      repo = opened(db, config);
    }
  }
  return { account: opened(db, account), repository: repo };
}

/**
 * Stores (replacing) the account default or a repository's config; the repository is created if new. A
 * replaced config's text is erased from the WAL (`eraseDeleted`).
 */
export async function putConfig(
  db: DiffrayDb,
  accountId: string,
  repository: string | undefined,
  yaml: string,
  now: Date,
) {
  if (await db.transaction((tx) => writeConfig(tx, accountId, repository, yaml, now)))
    await db.eraseDeleted();
}

/**
 * `putConfig`'s write, for a caller's transaction (`tx`): resolves to whether it replaced a stored config,
 * whose text the caller then erases (`db.eraseDeleted()`) once the transaction has committed.
 */
export async function writeConfig(
  tx: DiffrayDb,
  accountId: string,
  repository: string | undefined,
  yaml: string,
  now: Date,
): Promise<boolean> {
  const { configs } = tx.tables;
  const repositoryId =
    repository === undefined ? null : await upsertRepository(tx, accountId, repository, now);
  const where =
    repositoryId === null
      ? and(eq(configs.accountId, accountId), isNull(configs.repositoryId))
      : and(eq(configs.accountId, accountId), eq(configs.repositoryId, repositoryId));
  const [existing] = await tx.orm.select({ id: configs.id }).from(configs).where(where).limit(1);
  const id = existing?.id ?? newId();
  const sealed = seal(tx, configs.yaml, id, yaml);
  if (existing) {
    await tx.orm.update(configs).set({ yaml: sealed, updatedAt: now }).where(eq(configs.id, id));
    return true;
  }
  await tx.orm.insert(configs).values({ id, accountId, repositoryId, yaml: sealed, updatedAt: now });
  return false;
}

export async function listConfigs(db: DiffrayDb, accountId: string) {
  const { configs, repositories } = db.tables;
  const nameOf = repositoryNames(db);
  const rows = await db.orm
    .select({ ...configColumns(db.tables), repositoryId: repositories.id, repository: repositories.fullName })
    .from(configs)
    .leftJoin(repositories, eq(repositories.id, configs.repositoryId))
    .where(eq(configs.accountId, accountId));
  return rows.map(({ id, repositoryId, repository, yaml, updatedAt }) => ({
    repository: repositoryId === null || repository === null ? null : nameOf(repositoryId, repository),
    yaml: unseal(db, configs.yaml, id, yaml),
    updatedAt,
  }));
}
