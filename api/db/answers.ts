/**
 * What diffray's answers in pull-request threads cost. Each answer the action reports is a row (no text)
 * that counts in its pull request's total, and its cost is added to its repository's day in
 * `dailyAggregates`, where the account's cost per day and week is read from, beside the reviews'.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { AnswerReport } from '../../shared/index.js';
import type { DiffrayDb } from './client.js';
import { newId } from './ids.js';
import { upsertRepository } from './repositories.js';
import { utcDay } from './reviews.js';

/** Stores one answer's cost and adds it to the day's cost of its repository, in one transaction. */
export async function insertAnswer(
  db: DiffrayDb,
  input: { accountId: string; report: AnswerReport; now: Date; expiresAt: Date },
): Promise<string> {
  const { answers, dailyAggregates, repositories } = db.tables;
  const { report } = input;
  return db.transaction(async (tx) => {
    const repositoryId = await upsertRepository(tx, input.accountId, report.repository, input.now);
    const id = newId();
    await tx.orm.insert(answers).values({
      id,
      accountId: input.accountId,
      repositoryId,
      pullRequest: report.pullRequest,
      model: report.model,
      tokensInput: report.tokens.input,
      tokensCacheWrite: report.tokens.cacheWrite,
      tokensCacheRead: report.tokens.cacheRead,
      tokensOutput: report.tokens.output,
      costUsd: report.costUsd,
      createdAt: input.now,
      expiresAt: input.expiresAt,
    });
    // The day's row is keyed by the repository's stored blind index, as the review writer keys it.
    const [repository] = await tx.orm
      .select({ nameKey: repositories.nameKey })
      .from(repositories)
      .where(eq(repositories.id, repositoryId))
      .limit(1);
    const { nameKey } = repository!;
    const micros = Math.round(report.costUsd * 1_000_000);
    await tx.orm
      .insert(dailyAggregates)
      .values({ accountId: input.accountId, repository: nameKey, day: utcDay(input.now), costMicros: micros })
      .onConflictDoUpdate({
        target: [dailyAggregates.accountId, dailyAggregates.repository, dailyAggregates.day],
        set: { costMicros: sql`${dailyAggregates.costMicros} + ${micros}` },
      });
    return id;
  });
}

/**
 * The count and cost of the account's unexpired answers: all of them, a repository's, or one pull
 * request's (with `repositoryId`).
 */
export async function answerCosts(
  db: DiffrayDb,
  input: { accountId: string; now: Date; repositoryId?: string; pullRequest?: number },
): Promise<{ count: number; costUsd: number }> {
  const { answers } = db.tables;
  const conditions = [eq(answers.accountId, input.accountId), gt(answers.expiresAt, input.now)];
  if (input.repositoryId !== undefined) conditions.push(eq(answers.repositoryId, input.repositoryId));
  if (input.pullRequest !== undefined) conditions.push(eq(answers.pullRequest, input.pullRequest));
  const [row] = await db.orm
    .select({
      count: sql<number>`count(*)`.mapWith(Number),
      costUsd: sql<number>`coalesce(sum(${answers.costUsd}), 0)`.mapWith(Number),
    })
    .from(answers)
    .where(and(...conditions))
    .limit(1);
  return row ?? { count: 0, costUsd: 0 };
}
