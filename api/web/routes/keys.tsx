import { Hono } from 'hono';
import { DAY_MS } from '../../../shared/limits.js';
import { clearSessionCookie } from '../../auth/page-session.js';
import { displayPrefix, generateKey, hashKey } from '../../auth/key-format.js';
import { insertKey, revokeKey, SCOPES } from '../../db/index.js';
import type { PageKit, WebEnv } from './page-kit.js';
import { refuseSettingsForm, renderSettings } from './settings.js';

/** API keys from the settings page: created (shown once) and revoked. */
export function keysPages(kit: PageKit) {
  const { db } = kit.deps;
  return new Hono<WebEnv>()
    .post('/settings/keys', async (c) => {
      const body = await c.req.parseBody({ all: true });
      const name = typeof body.name === 'string' ? body.name.trim() : '';
      const rawScopes = ([] as unknown[]).concat(body.scopes ?? []);
      const scopes = SCOPES.filter((s) => rawScopes.includes(s));
      const expiresDays =
        body.expires === 'never' || body.expires === undefined ? undefined : Number(body.expires);
      if (name.length === 0 || name.length > 100) {
        return refuseSettingsForm(kit, c, 'keys', 'Give the key a name (up to 100 characters).');
      }
      if (scopes.length === 0 || rawScopes.length !== scopes.length) {
        return refuseSettingsForm(kit, c, 'keys', 'Choose at least one scope.');
      }
      if (expiresDays !== undefined && ![30, 90, 365].includes(expiresDays)) {
        return refuseSettingsForm(kit, c, 'keys', 'Choose an expiry from the list.');
      }
      const page = await kit.signedIn(c);
      const { now } = page;
      const plaintext = generateKey();
      const created = await insertKey(db, {
        accountId: page.session.accountId,
        hash: hashKey(plaintext),
        prefix: displayPrefix(plaintext),
        name,
        scopes,
        expiresAt: expiresDays === undefined ? null : new Date(now.getTime() + expiresDays * DAY_MS),
        now,
      });
      await page.audit('key.create', created.id);
      return renderSettings(kit, c, { createdKey: { name, plaintext } });
    })
    .post('/settings/keys/:id/revoke', async (c) => {
      const page = await kit.signedIn(c);
      const { session } = page;
      const id = c.req.param('id');
      if (!(await revokeKey(db, id, page.now, session.accountId))) return kit.notFoundPage(c);
      await page.audit('key.revoke', id);
      // The visitor signed in with this very key: their session ended with it.
      if (session.actor === `key:${id}`) {
        clearSessionCookie(c);
        return c.redirect('/sign-in?m=expired', 303);
      }
      return c.redirect('/settings?notice=key-revoked#keys', 303);
    });
}
