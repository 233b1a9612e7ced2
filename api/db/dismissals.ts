import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { DismissalReport } from '../../shared/index.js';
import type { DiffrayDb, Tables } from './client.js';
import { seal, sealOptional, unseal, unsealOptional } from './encryption.js';
import { newId } from './ids.js';
import { findRepository, repositoryNames, upsertRepository } from './repositories.js';

/**
 * Stores a dismissal reported by the action, its texts sealed; the repository is created on first report.
 * Returns its id.
 */
export async function insertDismissal(
  db: DiffrayDb,
  input: { accountId: string; report: DismissalReport; now: Date; expiresAt: Date },
): Promise<string> {
  const { dismissals } = db.tables;
  const { report } = input;
  return db.transaction(async (tx) => {
    const repositoryId = await upsertRepository(tx, input.accountId, report.repository, input.now);
    const id = newId();
    await tx.orm.insert(dismissals).values({
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
    });
    return id;
  });
}

function columns({ dismissals, repositories }: Tables) {
  return {
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
}

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
function opened<T extends Sealed>(db: DiffrayDb, rows: T[]) {
  const { dismissals } = db.tables;
  const nameOf = repositoryNames(db);
  return rows.map(({ repositoryId, repository, title, pathPattern, reason, by, ...row }) => ({
    ...row,
    repository: nameOf(repositoryId, repository),
    title: unseal(db, dismissals.title, row.id, title),
    pathPattern: unseal(db, dismissals.pathPattern, row.id, pathPattern),
    reason: unseal(db, dismissals.reason, row.id, reason),
    by: unsealOptional(db, dismissals.by, row.id, by),
  }));
}

/** A repository's unexpired dismissals, newest first (at most 200). */
export async function listDismissals(db: DiffrayDb, accountId: string, repository: string, now: Date) {
  const { dismissals, repositories } = db.tables;
  const repo = await findRepository(db, accountId, repository);
  if (!repo) return [];
  const rows = await db.orm
    .select(columns(db.tables))
    .from(dismissals)
    .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
    .where(and(eq(dismissals.repositoryId, repo.id), gt(dismissals.expiresAt, now)))
    .orderBy(desc(dismissals.createdAt))
    .limit(200);
  return opened(db, rows);
}

/** One unexpired dismissal of the account; undefined for another account's. */
export async function getDismissal(db: DiffrayDb, accountId: string, id: string, now: Date) {
  const { dismissals, repositories } = db.tables;
  const [row] = await db.orm
    .select(columns(db.tables))
    .from(dismissals)
    .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
    .where(and(eq(dismissals.id, id), eq(dismissals.accountId, accountId), gt(dismissals.expiresAt, now)))
    .limit(1);
  return row && opened(db, [row])[0];
}

/**
 * Records an admin's decision, unless one that rules it out was recorded first: `accepted` (taking back a
 * decline) unless it was accepted, `declined` only while it waits. One conditional UPDATE, so of two
 * deciders at once (two clicks, two instances) exactly one records it: on PostgreSQL the second waits for
 * the first's row lock, then finds the condition false. Returns whether this call recorded it.
 */
export async function decideDismissal(
  db: DiffrayDb,
  input: { accountId: string; id: string; decision: 'accepted' | 'declined'; now: Date },
): Promise<boolean> {
  const { dismissals } = db.tables;
  const accepted = input.decision === 'accepted';
  const decided = await db.orm
    .update(dismissals)
    .set(accepted ? { acceptedAt: input.now, declinedAt: null } : { declinedAt: input.now })
    .where(
      and(
        eq(dismissals.id, input.id),
        eq(dismissals.accountId, input.accountId),
        isNull(dismissals.acceptedAt),
        ...(accepted ? [] : [isNull(dismissals.declinedAt)]),
      ),
    )
    .returning({ id: dismissals.id });
  return decided.length > 0;
}

/** Every unexpired dismissal of the account, newest first: its data export, and the page's list. */
export async function listAccountDismissals(db: DiffrayDb, accountId: string, now: Date) {
  const { dismissals, repositories } = db.tables;
  const rows = await db.orm
    .select(columns(db.tables))
    .from(dismissals)
    .innerJoin(repositories, eq(repositories.id, dismissals.repositoryId))
    .where(and(eq(dismissals.accountId, accountId), gt(dismissals.expiresAt, now)))
    .orderBy(desc(dismissals.createdAt));
  return opened(db, rows);
}
