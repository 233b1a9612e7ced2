import { and, desc, eq, gt } from 'drizzle-orm';
import type { DismissalReport } from '../../shared/index.js';
import type { Orm } from './client.js';
import { newId } from './ids.js';
import { findRepository, upsertRepository } from './repositories.js';
import { dismissals, repositories } from './schema.js';

/** Stores a dismissal reported by the action; the repository is created on first report. Returns its id. */
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
        title: report.title,
        pathPattern: report.pathPattern,
        reason: report.reason,
        createdAt: input.now,
        expiresAt: input.expiresAt,
      })
      .run();
    return id;
  });
}

const COLUMNS = {
  id: dismissals.id,
  repository: repositories.fullName,
  pullRequest: dismissals.pullRequest,
  fingerprint: dismissals.fingerprint,
  category: dismissals.category,
  severity: dismissals.severity,
  title: dismissals.title,
  pathPattern: dismissals.pathPattern,
  reason: dismissals.reason,
  createdAt: dismissals.createdAt,
  acceptedAt: dismissals.acceptedAt,
};

/** A repository's unexpired dismissals, newest first (at most 200). */
export function listDismissals(orm: Orm, accountId: string, repository: string, now: Date) {
  const repo = findRepository(orm, accountId, repository);
  if (!repo) return [];
  return orm
    .select(COLUMNS)
    .from(dismissals)
    .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
    .where(and(eq(dismissals.repositoryId, repo.id), gt(dismissals.expiresAt, now)))
    .orderBy(desc(dismissals.createdAt))
    .limit(200)
    .all();
}

/** One unexpired dismissal of the account; undefined for another account's. */
export function getDismissal(orm: Orm, accountId: string, id: string, now: Date) {
  return orm
    .select(COLUMNS)
    .from(dismissals)
    .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
    .where(and(eq(dismissals.id, id), eq(dismissals.accountId, accountId), gt(dismissals.expiresAt, now)))
    .get();
}

/** Records that an admin turned the dismissal into an instruction. */
export function markDismissalAccepted(orm: Orm, accountId: string, id: string, now: Date): void {
  orm
    .update(dismissals)
    .set({ acceptedAt: now })
    .where(and(eq(dismissals.id, id), eq(dismissals.accountId, accountId)))
    .run();
}

/** Every unexpired dismissal of the account, for its data export. */
export function listAccountDismissals(orm: Orm, accountId: string, now: Date) {
  return orm
    .select(COLUMNS)
    .from(dismissals)
    .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
    .where(and(eq(dismissals.accountId, accountId), gt(dismissals.expiresAt, now)))
    .orderBy(desc(dismissals.createdAt))
    .all();
}
