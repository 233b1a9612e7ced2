import type { accountsOf, getAccountDetails, getPerson, KeyInfo, ReviewRow } from '../db/index.js';
import type { ReviewJson } from '../schemas.js';

export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function reviewUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/reviews/${encodeURIComponent(id)}`;
}

export function toReviewJson(row: ReviewRow, publicUrl: string): ReviewJson {
  return {
    id: row.id,
    url: reviewUrl(publicUrl, row.id),
    repository: row.repository,
    pullRequest: row.pullRequest,
    headSha: row.headSha,
    baseSha: row.baseSha,
    status: row.status as ReviewJson['status'],
    conclusion: row.conclusion as ReviewJson['conclusion'],
    model: row.model,
    tokens: {
      input: row.tokensInput,
      cacheWrite: row.tokensCacheWrite,
      cacheRead: row.tokensCacheRead,
      output: row.tokensOutput,
    },
    costUsd: row.costUsd,
    durationMs: row.durationMs,
    coverage: {
      filesReviewed: row.filesReviewed,
      filesSkipped: row.filesSkipped,
      linesReviewed: row.linesReviewed,
      linesChanged: row.linesChanged,
    },
    counts: { critical: row.critical, high: row.high, medium: row.medium, low: row.low },
    fixed: row.fixed,
    dismissed: row.dismissed,
    pullRequestTitle: row.details.title ?? null,
    branch: row.details.branch ?? null,
    author: row.details.author ?? null,
    event: (row.event as ReviewJson['event']) ?? null,
    reason: row.details.reason ?? null,
    createdAt: iso(row.createdAt),
    expiresAt: iso(row.expiresAt),
  };
}

export function toKeyJson(key: KeyInfo) {
  return {
    id: key.id,
    prefix: key.prefix,
    name: key.name,
    scopes: key.scopes,
    createdAt: iso(key.createdAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    expiresAt: isoOrNull(key.expiresAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

export function toAccountJson(details: NonNullable<Awaited<ReturnType<typeof getAccountDetails>>>) {
  return { ...details, createdAt: iso(details.createdAt) };
}

export function toPersonJson(
  person: NonNullable<Awaited<ReturnType<typeof getPerson>>>,
  memberships: Awaited<ReturnType<typeof accountsOf>>,
) {
  return {
    ...person,
    memberships: memberships.map((m) => ({
      accountId: m.accountId,
      accountName: m.accountName,
      role: m.role,
      invitedAt: iso(m.invitedAt),
      joinedAt: isoOrNull(m.acceptedAt),
    })),
  };
}
