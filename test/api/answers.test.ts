import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCosts, findRepository, purge, trendDays, utcDay } from '../../api/db/index.js';
import { purgeCutoffs } from '../../api/retention.js';
import {
  ANSWER,
  countRows,
  makeReport,
  seedAccount,
  seedKey,
  startServer,
  type TestServer,
} from './helpers.js';

let s: TestServer;
let acct: Awaited<ReturnType<typeof seedAccount>>;
let actionKey: string;

beforeAll(async () => {
  s = await startServer();
  acct = await seedAccount(s.db);
  actionKey = (await seedKey(s.db, acct.accountId, ['reviews:write', 'config:read'])).key;
});
afterAll(() => s.close());

describe("an answer's cost", () => {
  it("counts in its pull request's total and in the account's cost of the day, beside the reviews'", async () => {
    const review = await s.call('POST', '/v1/reviews', {
      key: actionKey,
      body: makeReport({ repository: 'octo/hello', pullRequest: 7, costUsd: 0.5 }),
    });
    expect(review.status).toBe(201);
    for (const costUsd of [0.0105, 0.02]) {
      const created = await s.call('POST', '/v1/answers', { key: actionKey, body: { ...ANSWER, costUsd } });
      expect(created.status).toBe(201);
    }
    await s.call('POST', '/v1/answers', { key: actionKey, body: { ...ANSWER, pullRequest: 8 } });

    const now = s.time.clock();
    const repo = (await findRepository(s.db, acct.accountId, 'octo/hello'))!;
    const pr = await answerCosts(s.db, {
      accountId: acct.accountId,
      now,
      repositoryId: repo.id,
      pullRequest: 7,
    });
    expect(pr.count).toBe(2);
    expect(pr.costUsd).toBeCloseTo(0.0305, 6);
    expect((await answerCosts(s.db, { accountId: acct.accountId, now })).count).toBe(3);
    const [day] = await trendDays(s.db, { accountId: acct.accountId, sinceDay: utcDay(now) });
    expect(day!.costMicros).toBe(500_000 + 10_500 + 20_000 + 10_500);
  });

  it('takes tokens and cost only, from a key that may write reviews, into its own account', async () => {
    const withText = await s.call('POST', '/v1/answers', {
      key: actionKey,
      body: { ...ANSWER, answer: 'It still adds one.' },
    });
    expect(withText.status).toBe(422);
    const elsewhere = await s.call('POST', '/v1/answers', {
      key: actionKey,
      body: { ...ANSWER, accountId: 'another' },
    });
    expect(elsewhere.status).toBe(422);
    const readOnly = (await seedKey(s.db, acct.accountId, ['reviews:read'])).key;
    expect((await s.call('POST', '/v1/answers', { key: readOnly, body: ANSWER })).status).toBe(403);
    expect((await s.call('POST', '/v1/answers', { body: ANSWER })).status).toBe(401);

    const other = await seedAccount(s.db, { name: 'Other' });
    const otherKey = (await seedKey(s.db, other.accountId, ['reviews:write'])).key;
    expect((await s.call('POST', '/v1/answers', { key: otherKey, body: ANSWER })).status).toBe(201);
    const now = s.time.clock();
    expect((await answerCosts(s.db, { accountId: other.accountId, now })).count).toBe(1);
    expect((await answerCosts(s.db, { accountId: acct.accountId, now })).count).toBe(3);
  });

  it('is in the account export, and purged with the reviews after 30 days', async () => {
    const exported = await s.call('GET', '/v1/account/export', { key: acct.key });
    const answers = (exported.json as { answers: Record<string, unknown>[] }).answers;
    expect(answers).toHaveLength(3);
    // Posted on one clock tick: the export orders them by time, then by their random ids.
    const first = answers.find((a) => a.pullRequest === 7);
    expect(first).toMatchObject({ repository: 'octo/hello', model: ANSWER.model });
    expect(first).not.toHaveProperty('accountId');
    // The day's counts hold the answers' cost with the review's, and every other count of the day.
    const days = (exported.json as { dailyAggregates: Record<string, unknown>[] }).dailyAggregates;
    expect(days).toEqual([
      expect.objectContaining({ repository: 'octo/hello', costMicros: 541_000, dismissed_style: 0 }),
    ]);
    const result = await purge(s.db, purgeCutoffs(new Date(s.time.clock().getTime() + 31 * 86_400_000)));
    expect(result.answers).toBe(4);
    expect(await countRows(s.db, 'answers')).toBe(0);
  });
});
