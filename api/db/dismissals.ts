import { and, desc, eq, gt } from 'drizzle-orm';
import type { DismissalReport } from '../../shared/index.js';
import type { Orm } from './client.js';
import { seal, sealOptional, unseal, unsealOptional } from './encryption.js';
import { newId } from './ids.js';
import { findRepository, repositoryNames, upsertRepository } from './repositories.js';
import { dismissals, repositories } from './schema.js';

/**
 * Stores a dismissal reported by the action, its texts sealed; the repository is created on first report.
 * Returns its id.
 */
export function insertDismissal(
  orm: Orm,
  input: { accountId: string; report: DismissalReport; now: Date; expiresAt: Date },
): string {
  const { report } = input;
  return orm.transaction((tx) => {
    const repositoryId = upsertRepository(tx, input.accountId, report.repository, input.now);
    const id = newId();
    tx.insert(dismissals)
      .values({
        id,
        accountId: input.accountId,
        repositoryId,
        pullRequest: report.pullRequest,
        fingerprint: report.fingerprint,
        category: report.category,
        severity: report.severity ?? null,
        title: seal(tx, dismissals.title, id, report.title),
        pathPattern: seal(tx, dismissals.pathPattern, id, report.pathPattern),
        reason: seal(tx, dismissals.reason, id, report.reason),
        by: sealOptional(tx, dismissals.by, id, report.by),
        createdAt: input.now,
        expiresAt: input.expiresAt,
      })
      .run();
    return id;
  });
}

const COLUMNS = {
  id: dismissals.id,
  repositoryId: dismissals.repositoryId,
  repository: repositories.fullName,
  pullRequest: dismissals.pullRequest,
  fingerprint: dismissals.fingerprint,
  category: dismissals.category,
  severity: dismissals.severity,
  title: dismissals.title,
  pathPattern: dismissals.pathPattern,
  reason: dismissals.reason,
  by: dismissals.by,
  createdAt: dismissals.createdAt,
  acceptedAt: dismissals.acceptedAt,
  declinedAt: dismissals.declinedAt,
};

interface Sealed {
  id: string;
  repositoryId: string;
  repository: string;
  title: string;
  pathPattern: string;
  reason: string;
  by: string | null;
}

/** Dismissals with their sealed texts and repository names opened (each repository's name once). */
function opened<T extends Sealed>(orm: Orm, rows: T[]) {
  const nameOf = repositoryNames(orm);
  return rows.map(({ repositoryId, repository, title, pathPattern, reason, by, ...row }) => ({
    ...row,
    repository: nameOf(repositoryId, repository),
    title: unseal(orm, dismissals.title, row.id, title),
    pathPattern: unseal(orm, dismissals.pathPattern, row.id, pathPattern),
    reason: unseal(orm, dismissals.reason, row.id, reason),
    by: unsealOptional(orm, dismissals.by, row.id, by),
  }));
}

/** A repository's unexpired dismissals, newest first (at most 200). */
export function listDismissals(orm: Orm, accountId: string, repository: string, now: Date) {
  const repo = findRepository(orm, accountId, repository);
  if (!repo) return [];
  return opened(
    orm,
    orm
      .select(COLUMNS)
      .from(dismissals)
      .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
      .where(and(eq(dismissals.repositoryId, repo.id), gt(dismissals.expiresAt, now)))
      .orderBy(desc(dismissals.createdAt))
      .limit(200)
      .all(),
  );
}

/** One unexpired dismissal of the account; undefined for another account's. */
export function getDismissal(orm: Orm, accountId: string, id: string, now: Date) {
  const row = orm
    .select(COLUMNS)
    .from(dismissals)
    .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
    .where(and(eq(dismissals.id, id), eq(dismissals.accountId, accountId), gt(dismissals.expiresAt, now)))
    .get();
  return row && opened(orm, [row])[0];
}

/** Records that an admin turned the dismissal into an instruction (taking back a decline). */
export function markDismissalAccepted(orm: Orm, accountId: string, id: string, now: Date): void {
  orm
    .update(dismissals)
    .set({ acceptedAt: now, declinedAt: null })
    .where(and(eq(dismissals.id, id), eq(dismissals.accountId, accountId)))
    .run();
}

/** Records that an admin declined the dismissal: it teaches nothing, and stays listed as declined. */
export async function markDismissalDeclined(
  orm: Orm,
  accountId: string,
  id: string,
  now: Date,
): Promise<void> {
  orm
    .update(dismissals)
    .set({ declinedAt: now })
    .where(and(eq(dismissals.id, id), eq(dismissals.accountId, accountId)))
    .run();
}

/** Every unexpired dismissal of the account, newest first: its data export, and the page's list. */
export function listAccountDismissals(orm: Orm, accountId: string, now: Date) {
  return opened(
    orm,
    orm
      .select(COLUMNS)
      .from(dismissals)
      .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
      .where(and(eq(dismissals.accountId, accountId), gt(dismissals.expiresAt, now)))
      .orderBy(desc(dismissals.createdAt))
      .all(),
  );
}
