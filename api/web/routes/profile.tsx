import { Hono } from 'hono';
import { accountsOf, correctPerson, getPerson } from '../../db/index.js';
import { PersonPatchSchema } from '../../schemas.js';
import { PROFILE_NOTICES, ProfilePage, type ProfileNotice } from '../pages/profile.js';
import { correctionFromForm, pickNotice, type PageKit, type WebContext, type WebEnv } from './page-kit.js';

const LABELS = { displayName: 'Name', email: 'E-mail' };

/** A person's profile (a GitHub sign-in's; a key has none): what the accounts hold about them, corrected. */
export function profilePages(kit: PageKit) {
  const { db } = kit.deps;

  const render = async (c: WebContext, extra: { notice?: ProfileNotice | undefined; error?: string }) => {
    const page = await kit.signedIn(c);
    const { userId } = page.session;
    const person = userId === undefined ? undefined : await getPerson(db, userId);
    if (userId === undefined || !person) return kit.notFoundPage(c);
    const profile = {
      ...person,
      memberships: (await accountsOf(db, userId)).map((m) => ({
        accountName: m.accountName,
        role: m.role,
        invitedAt: m.invitedAt,
        joinedAt: m.acceptedAt,
      })),
    };
    return page.render(
      <ProfilePage viewer={page.viewer} now={page.now} profile={profile} {...extra} />,
      extra.error ? 422 : 200,
    );
  };

  return new Hono<WebEnv>()
    .get('/profile', (c) =>
      render(c, { notice: pickNotice<ProfileNotice>(c.req.query('notice'), PROFILE_NOTICES) }),
    )
    .post('/profile', async (c) => {
      const page = await kit.signedIn(c);
      const { userId } = page.session;
      if (userId === undefined) return kit.notFoundPage(c);
      const body = await c.req.parseBody({ all: true });
      const patch = correctionFromForm(PersonPatchSchema, body, LABELS, Object.keys(LABELS));
      if (!patch.ok) return render(c, { error: patch.message });
      const by = { actor: page.session.actor, clientAddress: c.get('clientAddress'), at: page.now };
      if (!(await correctPerson(db, userId, patch.value, by))) return kit.notFoundPage(c);
      return c.redirect('/profile?notice=saved', 303);
    });
}
