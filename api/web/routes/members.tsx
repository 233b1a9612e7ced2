import { Hono } from 'hono';
import { clearSessionCookie } from '../../auth/page-session.js';
import { addMember, MEMBER_ROLES, removeMember, type MemberRole } from '../../db/index.js';
import type { PageKit, WebEnv } from './page-kit.js';
import { refuseSettingsForm } from './settings.js';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-_]{0,38})$/;

/** Members from the settings page: a GitHub login invited (it joins once its person accepts), and removed. */
export function membersPages(kit: PageKit) {
  const { db } = kit.deps;
  return new Hono<WebEnv>()
    .post('/settings/members', async (c) => {
      const body = await c.req.parseBody({ all: true });
      const login = typeof body.login === 'string' ? body.login.trim().replace(/^@/, '') : '';
      const role = (MEMBER_ROLES as readonly unknown[]).includes(body.role)
        ? (body.role as MemberRole)
        : undefined;
      if (!LOGIN.test(login) || !role) {
        return refuseSettingsForm(kit, c, 'members', 'Enter a valid GitHub login and a role.');
      }
      const page = await kit.signedIn(c);
      const added = await addMember(db, {
        accountId: page.session.accountId,
        login,
        role,
        now: page.now,
        invitedBy: page.session.actor,
      });
      await page.audit('member.add', `user:${added.userId}`);
      return c.redirect('/settings?notice=member-added#members', 303);
    })
    .post('/settings/members/:userId/remove', async (c) => {
      const page = await kit.signedIn(c);
      const { session } = page;
      const userId = c.req.param('userId');
      if (!(await removeMember(db, session.accountId, userId, page.now))) return kit.notFoundPage(c);
      await page.audit('member.remove', `user:${userId}`);
      // The visitor removed themselves: their session ended with their membership.
      if (session.actor === `user:${userId}`) {
        clearSessionCookie(c);
        return c.redirect('/sign-in?m=expired', 303);
      }
      return c.redirect('/settings?notice=member-removed#members', 303);
    });
}
