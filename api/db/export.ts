import { and, eq, gt } from 'drizzle-orm';
import { getAccount } from './accounts.js';
import { listKeys } from './api-keys.js';
import { listAudit } from './audit.js';
import type { Orm } from './client.js';
import { listConfigs } from './configs.js';
import { listAccountDismissals } from './dismissals.js';
import { listMembers } from './members.js';
import { listRepositories } from './repositories.js';
import { listAggregates, listFindings } from './reviews.js';
import { repositories, reviews } from './schema.js';
import { listSessions } from './sessions.js';

/** Everything the account holds (key hashes excepted): the data behind `GET /v1/account/export`. */
export function exportAccountData(orm: Orm, accountId: string, now: Date) {
  const account = getAccount(orm, accountId);
  if (!account) return undefined;
  const reviewRows = orm
    .select({ review: reviews, repository: repositories.fullName })
    .from(reviews)
    .innerJoin(repositories, eq(repositories.id, reviews.repositoryId))
    .where(and(eq(reviews.accountId, accountId), gt(reviews.expiresAt, now)))
    .all();
  return {
    account: {
      id: account.id,
      name: account.name,
      createdAt: account.createdAt,
      deletedAt: account.deletedAt,
    },
    members: listMembers(orm, accountId),
    keys: listKeys(orm, accountId),
    repositories: listRepositories(orm, accountId),
    configs: listConfigs(orm, accountId),
    // The findings' row-id range is internal: used to read them, not exported.
    reviews: reviewRows.map(({ review: { findingsFirst, findingsLast, ...review }, repository }) => ({
      ...review,
      repository,
      findings: listFindings(orm, { id: review.id, findingsFirst, findingsLast }),
    })),
    dismissals: listAccountDismissals(orm, accountId, now),
    dailyAggregates: listAggregates(orm, accountId),
    sessions: listSessions(orm, accountId),
    auditLog: listAudit(orm, accountId),
  };
}
