import { Hono } from 'hono';
import { DAY_MS } from '../../../shared/limits.js';
import {
  dailyTotals,
  listReviews,
  reviewTotals,
  topRepositories,
  trendDays,
  utcDay,
} from '../../db/index.js';
import { daysBetween, fillDays } from '../chart.js';
import { TREND_DAYS } from '../trends.js';
import { OverviewPage } from '../pages/overview.js';
import type { PageKit, WebEnv } from './page-kit.js';

/** The overview: the last 30 days of the account. */
export function overviewPages(kit: PageKit) {
  const { db, config } = kit.deps;
  return new Hono<WebEnv>().get('/', async (c) => {
    const page = await kit.signedIn(c);
    const { accountId } = page.session;
    const { now } = page;
    const from = new Date(now.getTime() - 29 * DAY_MS);
    const sinceDay = utcDay(from);
    const rows = await dailyTotals(db, { accountId, sinceDay });
    const trendFrom = new Date(now.getTime() - (TREND_DAYS - 1) * DAY_MS);
    const trend = await trendDays(db, { accountId, sinceDay: utcDay(trendFrom) });
    const totals = await reviewTotals(db, { accountId, sinceDay });
    return page.render(
      <OverviewPage
        {...page.props}
        publicUrl={config.publicUrl}
        chart={fillDays(daysBetween(from, now), rows)}
        top={await topRepositories(db, { accountId, sinceDay, limit: 6 })}
        latest={(await listReviews(db, { accountId, limit: 8, now })).rows}
        totals={totals}
        trend={{ days: trend, from: trendFrom }}
      />,
    );
  });
}
