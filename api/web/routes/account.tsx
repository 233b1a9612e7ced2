import { Hono } from 'hono';
import { clearSessionCookie } from '../../auth/page-session.js';
import { correctAccount, lockAccount, utcDay } from '../../db/index.js';
import { exportBody } from '../../export.js';
import { accountPurgeAfter } from '../../retention.js';
import { AccountPatchSchema } from '../../schemas.js';
import { correctionFromForm, type PageKit, type WebEnv } from './page-kit.js';
import { refuseSettingsForm } from './settings.js';

const LABELS = { name: 'Account name', company: 'Company', contactEmail: 'Contact e-mail' };

/** The account from the settings page: its details corrected, its data exported, its deletion. */
export function accountPages(kit: PageKit) {
  const { db } = kit.deps;
  return new Hono<WebEnv>()
    .post('/settings/account', async (c) => {
      const page = await kit.signedIn(c);
      const body = await c.req.parseBody({ all: true });
      const patch = correctionFromForm(AccountPatchSchema, body, LABELS, ['company', 'contactEmail']);
      if (!patch.ok) return refuseSettingsForm(kit, c, 'account', patch.message);
      const by = { actor: page.session.actor, clientAddress: c.get('clientAddress'), at: page.now };
      if (!(await correctAccount(db, page.session.accountId, patch.value, by))) return kit.notFoundPage(c);
      return c.redirect('/settings?notice=account-saved#account', 303);
    })
    .get('/settings/export', async (c) => {
      const page = await kit.signedIn(c);
      const body = await exportBody(db, page.session.accountId, page.now);
      if (!body) return kit.notFoundPage(c);
      await page.audit('account.export');
      return c.body(body, 200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Disposition': `attachment; filename="diffray-export-${utcDay(page.now)}.json"`,
      });
    })
    .post('/settings/account/delete', async (c) => {
      const page = await kit.signedIn(c);
      const body = await c.req.parseBody({ all: true });
      if (typeof body.confirm !== 'string' || body.confirm.trim() !== page.session.accountName) {
        return refuseSettingsForm(
          kit,
          c,
          'delete',
          'The name you typed does not match the account name. Nothing was deleted.',
        );
      }
      await lockAccount(db, page.session.accountId, page.now, accountPurgeAfter(page.now));
      await page.audit('account.delete');
      clearSessionCookie(c);
      return c.redirect('/sign-in?m=account-deleted', 303);
    });
}
