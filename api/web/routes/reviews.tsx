import { Hono } from 'hono';
import { getReview } from '../../db/index.js';
import { parseFilters, ReviewPage } from '../pages/review.js';
import type { PageKit, WebEnv } from './page-kit.js';

/** One review with its findings, filtered by severity and category. */
export function reviewsPages(kit: PageKit) {
  const { db } = kit.deps;
  return new Hono<WebEnv>().get('/reviews/:id', async (c) => {
    const id = c.req.param('id');
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) return kit.notFoundPage(c);
    const page = await kit.signedIn(c);
    const found = await getReview(db, { accountId: page.session.accountId, id, now: page.now });
    if (!found) return kit.notFoundPage(c);
    const filters = parseFilters(c.req.queries('severity') ?? [], c.req.queries('category') ?? []);
    return page.render(
      <ReviewPage
        {...page.props}
        review={found.review}
        findings={found.findings}
        filters={filters}
        walkthrough={found.walkthrough}
      />,
    );
  });
}
