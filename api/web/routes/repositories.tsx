import { Hono } from 'hono';
import { DAY_MS } from '../../../shared/limits.js';
import { RepositoryNameSchema } from '../../../shared/report.js';
import {
  answerCosts,
  dailyTotals,
  deleteRepository,
  findRepository,
  firstAggregateDay,
  getConfigs,
  listReviews,
  pullRequestRuns,
  reviewTotals,
  trendDays,
  utcDay,
} from '../../db/index.js';
import { reviewsEnabled } from '../../hosted-config.js';
import { TREND_DAYS } from '../trends.js';
import { daysBetween, fillDays } from '../chart.js';
import { DisconnectPage } from '../pages/disconnect.js';
import { PullRequestPage } from '../pages/pull-request.js';
import { RepositoryPage } from '../pages/repository.js';
import type { PageKit, WebContext, WebEnv } from './page-kit.js';

const REVIEWS_PAGE = 25;

/** One repository's reviews and trend, and its disconnection (an admin's, under `/settings`). */
export function repositoriesPages(kit: PageKit) {
  const { db } = kit.deps;

  /** The visitor's repository named by the `owner` and `name` parameters, if there is one. */
  const repositoryOf = async (c: WebContext) => {
    const fullName = `${c.req.param('owner')}/${c.req.param('name')}`;
    if (!RepositoryNameSchema.safeParse(fullName).success) return undefined;
    return await findRepository(db, c.get('viewer')!.accountId, fullName);
  };

  return new Hono<WebEnv>()
    .get('/repositories/:owner/:name', async (c) => {
      const repo = await repositoryOf(c);
      if (!repo) return kit.notFoundPage(c);
      const page = await kit.signedIn(c);
      const { accountId } = page.session;
      const { now } = page;
      const list = await listReviews(db, {
        accountId,
        repository: repo.fullName,
        cursor: parseCursor(c.req.query('after')),
        limit: REVIEWS_PAGE,
        now,
      });
      // The trend comes from the daily aggregates, so it reaches back past the 30 days reviews are kept.
      const thirtyAgo = new Date(now.getTime() - 29 * DAY_MS);
      const first = await firstAggregateDay(db, accountId, repo.fullName);
      const oldest = new Date(now.getTime() - 179 * DAY_MS);
      let from = first && first < utcDay(thirtyAgo) ? new Date(`${first}T00:00:00Z`) : thirtyAgo;
      if (from < oldest) from = oldest;
      const rows = await dailyTotals(db, { accountId, sinceDay: utcDay(from), repository: repo.fullName });
      const yearAgo = new Date(now.getTime() - (TREND_DAYS - 1) * DAY_MS);
      const configs = await getConfigs(db, accountId, repo.fullName);
      const totals = await reviewTotals(db, {
        accountId,
        sinceDay: utcDay(thirtyAgo),
        repository: repo.fullName,
      });
      return page.render(
        <RepositoryPage
          {...page.props}
          fullName={repo.fullName}
          enabled={reviewsEnabled(configs.account?.yaml, configs.repository?.yaml)}
          reviews={list.rows}
          nextCursor={list.next ? `${list.next.createdAt}.${list.next.id}` : undefined}
          trend={fillDays(daysBetween(from, now), rows)}
          trendFrom={utcDay(from)}
          totals={totals}
          weekly={{
            days: await trendDays(db, { accountId, sinceDay: utcDay(yearAgo), repository: repo.fullName }),
            from: yearAgo,
          }}
        />,
      );
    })
    .get('/repositories/:owner/:name/pulls/:number', async (c) => {
      const repo = await repositoryOf(c);
      const number = Number(c.req.param('number'));
      if (!repo || !Number.isSafeInteger(number) || number <= 0) return kit.notFoundPage(c);
      const page = await kit.signedIn(c);
      const runs = await pullRequestRuns(db, {
        accountId: page.session.accountId,
        repositoryId: repo.id,
        pullRequest: number,
        now: page.now,
      });
      if (runs.length === 0) return kit.notFoundPage(c);
      const answers = await answerCosts(db, {
        accountId: page.session.accountId,
        now: page.now,
        repositoryId: repo.id,
        pullRequest: number,
      });
      return page.render(
        <PullRequestPage
          {...page.props}
          repository={repo.fullName}
          pullRequest={number}
          runs={runs}
          answers={answers}
        />,
      );
    })
    .get('/settings/repositories/:owner/:name/disconnect', async (c) => {
      const repo = await repositoryOf(c);
      if (!repo) return kit.notFoundPage(c);
      const page = await kit.signedIn(c);
      return page.render(<DisconnectPage viewer={page.viewer} fullName={repo.fullName} />);
    })
    .post('/settings/repositories/:owner/:name/disconnect', async (c) => {
      const repo = await repositoryOf(c);
      if (!repo) return kit.notFoundPage(c);
      const page = await kit.signedIn(c);
      const body = await c.req.parseBody({ all: true });
      if (
        typeof body.confirm !== 'string' ||
        body.confirm.trim().toLowerCase() !== repo.fullName.toLowerCase()
      ) {
        return page.render(
          <DisconnectPage
            viewer={page.viewer}
            fullName={repo.fullName}
            error="The name you typed does not match. Nothing was deleted."
          />,
          422,
        );
      }
      await deleteRepository(db, page.session.accountId, repo.fullName);
      await page.audit('repository.delete', repo.fullName);
      return c.redirect('/settings?notice=repository-disconnected#config', 303);
    });
}

/** The `after` cursor of the reviews list: `<createdAt ms>.<id>`. */
function parseCursor(value: string | undefined) {
  if (!value) return undefined;
  const m = /^(\d{1,15})\.([A-Za-z0-9-]{1,64})$/.exec(value);
  return m ? { createdAt: Number(m[1]), id: m[2]! } : undefined;
}
