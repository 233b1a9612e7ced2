import { Hono } from 'hono';
import { clearSessionCookie } from '../../auth/page-session.js';
import { lockAccount, utcDay } from '../../db/index.js';
import { exportBody } from '../../export.js';
import { accountPurgeAfter } from '../../retention.js';
import type { PageKit, WebEnv } from './page-kit.js';
import { refuseSettingsForm } from './settings.js';

/** The account's data from the settings page: its export, and its deletion. */
export function accountPages(kit: PageKit) {
  const { db } = kit.deps;
  return new Hono<WebEnv>()
    .get('/settings/export', (c) => {
      const page = kit.signedIn(c);
      const body = exportBody(db.orm, page.session.accountId, page.now);
      if (!body) return kit.notFoundPage(c);
      page.audit('account.export');
      return c.body(body, 200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Disposition': `attachment; filename="diffray-export-${utcDay(page.now)}.json"`,
      });
    })
    .post('/settings/account/delete', async (c) => {
      const page = kit.signedIn(c);
      const body = await c.req.parseBody({ all: true });
      if (typeof body.confirm !== 'string' || body.confirm.trim() !== page.session.accountName) {
        return refuseSettingsForm(
          kit,
          c,
          'delete',
          'The name you typed does not match the account name. Nothing was deleted.',
        );
      }
      lockAccount(db.orm, page.session.accountId, page.now, accountPurgeAfter(page.now));
      page.audit('account.delete');
      clearSessionCookie(c);
      return c.redirect('/sign-in?m=account-deleted', 303);
    });
}
