import { Hono } from 'hono';
import { DAY_MS } from '../../../shared/limits.js';
import { RepositoryNameSchema } from '../../../shared/report.js';
import {
  categoryOutcomes,
  findRepository,
  getDismissal,
  listAccountDismissals,
  listDismissals,
  utcDay,
} from '../../db/index.js';
import {
  acceptancePreview,
  acceptDismissal,
  decisionOf,
  declineDismissal,
  type Refusal,
  type StoredDismissal,
} from '../../dismissal-rules.js';
import {
  DismissalPreviewPage,
  DismissalsPage,
  DISMISSALS_NOTICES,
  dismissalsHref,
  type DismissalItem,
} from '../pages/dismissals.js';
import { TREND_DAYS } from '../trends.js';
import { pickNotice, type PageKit, type WebContext, type WebEnv } from './page-kit.js';

function toItem(d: StoredDismissal): DismissalItem {
  return { ...d, decision: decisionOf(d), decidedAt: d.acceptedAt ?? d.declinedAt };
}

/**
 * The dismissals: the account's or one repository's list with the counts per category (`/dismissals`, any
 * member), and an admin's decisions on one under `/settings/dismissals/:id` (the guards there: admin role,
 * CSRF token): the preview of what accepting saves, accept, decline. Decisions are audited.
 */
export function dismissalsPages(kit: PageKit) {
  const { db } = kit.deps;

  /** After a decision, back to the list of the dismissal's repository, saying what happened. */
  const decided = (c: WebContext, repository: string, notice: keyof typeof DISMISSALS_NOTICES) =>
    c.redirect(`${dismissalsHref(repository)}&notice=${notice}`, 303);

  /** A refused decision: a missing dismissal is a 404; any other, the list says why. */
  const refusedDecision = (c: WebContext, refusal: Refusal) => {
    if (refusal.why === 'not-found') return kit.notFoundPage(c);
    if (refusal.why === 'decided') return c.redirect(`${dismissalsHref()}?notice=decided`, 303);
    // The config turned invalid between the preview and the click: the preview says why.
    return c.redirect(`/settings/dismissals/${encodeURIComponent(c.req.param('id') ?? '')}`, 303);
  };

  return new Hono<WebEnv>()
    .get('/dismissals', async (c) => {
      const page = await kit.signedIn(c);
      const { accountId } = page.session;
      const asked = c.req.query('repository');
      let repository: string | undefined;
      if (asked !== undefined) {
        const repo = RepositoryNameSchema.safeParse(asked).success
          ? await findRepository(db, accountId, asked)
          : undefined;
        if (!repo) return kit.notFoundPage(c);
        repository = repo.fullName;
      }
      const rows =
        repository === undefined
          ? await listAccountDismissals(db, accountId, page.now)
          : await listDismissals(db, accountId, repository, page.now);
      const since = utcDay(new Date(page.now.getTime() - (TREND_DAYS - 1) * DAY_MS));
      return page.render(
        <DismissalsPage
          {...page.props}
          repository={repository}
          rows={rows.map(toItem)}
          outcomes={await categoryOutcomes(db, {
            accountId,
            sinceDay: since,
            ...(repository === undefined ? {} : { repository }),
          })}
          since={since}
          notice={pickNotice(c.req.query('notice'), DISMISSALS_NOTICES)}
        />,
      );
    })
    .get('/settings/dismissals/:id', async (c) => {
      const page = await kit.signedIn(c);
      const { accountId } = page.session;
      const d = await getDismissal(db, accountId, c.req.param('id'), page.now);
      if (!d) return kit.notFoundPage(c);
      const preview = await acceptancePreview(db, accountId, d);
      return page.render(
        <DismissalPreviewPage
          {...page.props}
          dismissal={toItem(d)}
          instruction={preview.instruction}
          yaml={preview.yaml}
          issues={preview.issues.map((i) => `${i.key}: ${i.message}`)}
        />,
      );
    })
    .post('/settings/dismissals/:id/:decision{accept|decline}', async (c) => {
      const page = await kit.signedIn(c);
      const accepting = c.req.param('decision') === 'accept';
      const input = { accountId: page.session.accountId, id: c.req.param('id'), now: page.now };
      const decision = await (accepting
        ? await acceptDismissal(db, input)
        : await declineDismissal(db, input));
      if (!decision.ok) return refusedDecision(c, decision);
      await page.audit(accepting ? 'dismissal.accept' : 'dismissal.decline', decision.dismissal.repository);
      return decided(c, decision.dismissal.repository, accepting ? 'accepted' : 'declined');
    });
}
