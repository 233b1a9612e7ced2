import { Hono } from 'hono';
import { choiceOf, clearChoice } from '../../auth/account-choice.js';
import { startPageSession } from '../../auth/page-session.js';
import { csrfTokenMatches } from '../../auth/session-token.js';
import { acceptInvitation, accountsOf, declineInvitation, revokeSession } from '../../db/index.js';
import { ACCOUNTS_NOTICES, AccountsPage, inviterText, type AccountsNotice } from '../pages/accounts.js';
import { pickNotice, type PageKit, type WebContext, type WebEnv } from './page-kit.js';

/**
 * The person behind a request: a GitHub sign-in waiting for their choice (it comes first: it is the newer
 * sign-in), or a page session signed in with GitHub. A key sign-in is no person.
 */
interface Person {
  userId: string;
  login: string;
  csrf: string;
  csrfMatches(submitted: unknown): boolean;
  /** The page session, when an account is open. */
  session: { id: string; accountId: string } | undefined;
  /** Where to go once an account is open. */
  next: string;
}

/**
 * A person's accounts and invitations: listed, answered (accept, decline: audited in the inviting account),
 * and opened, which is also how a signed-in person switches account: a new session of that account, the
 * previous one ended.
 */
export function accountsPages(kit: PageKit) {
  const { deps } = kit;
  const { db, config } = deps;

  const personOf = async (c: WebContext): Promise<Person | undefined> => {
    const choice = await choiceOf(c, deps);
    if (choice) return { ...choice, session: undefined };
    const viewer = c.get('viewer');
    if (!viewer?.userId) return undefined;
    return {
      userId: viewer.userId,
      login: viewer.displayName,
      csrf: viewer.csrf,
      csrfMatches: (submitted) => csrfTokenMatches(config.sessionSecret, viewer.sessionId, submitted),
      session: { id: viewer.sessionId, accountId: viewer.accountId },
      next: '/',
    };
  };

  /**
   * `handler` for the person of the request. Signed out: the sign-in page; a key session: nothing here.
   * Forms carry the person's form token.
   */
  const asPerson =
    (handler: (c: WebContext, person: Person) => Response | Promise<Response>) => async (c: WebContext) => {
      const person = await personOf(c);
      if (!person) {
        if (c.get('viewer')) return kit.notFoundPage(c);
        return c.req.method === 'GET' ? c.redirect('/sign-in', 302) : c.redirect('/sign-in?m=expired', 303);
      }
      if (c.req.method === 'POST') {
        const body = await c.req.parseBody({ all: true });
        if (!person.csrfMatches(body._csrf)) {
          return kit.errorPage(
            c,
            403,
            'Request refused',
            "The form's security token did not match. Reload the page and try again.",
          );
        }
      }
      return handler(c, person);
    };

  /** One of the person's accounts, `joined` or waiting for their answer; undefined when neither. */
  const accountOf = async (person: Person, accountId: string, joined: boolean) =>
    (await accountsOf(db, person.userId)).find(
      (m) => m.accountId === accountId && (m.acceptedAt !== null) === joined,
    );

  /** Opens an account the person joined: a session of it, their previous one (if any) ended. */
  const open = async (c: WebContext, person: Person, accountId: string) => {
    if (!(await startPageSession(c, deps, { accountId, userId: person.userId }))) return kit.notFoundPage(c);
    clearChoice(c);
    if (person.session) await revokeSession(db, person.session.id, deps.clock());
    const actor = `user:${person.userId}`;
    await kit.audit(c, accountId, actor, 'session.sign_in', person.session ? 'switch' : 'github');
    return c.redirect(person.next, 303);
  };

  return new Hono<WebEnv>()
    .get(
      '/accounts',
      asPerson(async (c, person) => {
        const viewer = c.get('viewer');
        return kit.render(
          c,
          <AccountsPage
            viewer={person.session && viewer ? await kit.viewerOf(viewer) : undefined}
            login={person.login}
            csrf={person.csrf}
            now={deps.clock()}
            currentAccountId={person.session?.accountId}
            notice={pickNotice<AccountsNotice>(c.req.query('notice'), ACCOUNTS_NOTICES)}
            accounts={(await accountsOf(db, person.userId)).map((m) => ({
              accountId: m.accountId,
              accountName: m.accountName,
              role: m.role,
              invitedAt: m.invitedAt,
              invitedBy: inviterText(m.invitedBy, m.inviterLogin),
              joined: m.acceptedAt !== null,
            }))}
          />,
        );
      }),
    )
    .post(
      '/accounts/sign-out',
      asPerson((c) => {
        clearChoice(c);
        return c.redirect('/sign-in?m=signed-out', 303);
      }),
    )
    .post(
      '/accounts/:accountId/open',
      asPerson(async (c, person) => {
        const accountId = c.req.param('accountId')!;
        if (!(await accountOf(person, accountId, true))) return kit.notFoundPage(c);
        return open(c, person, accountId);
      }),
    )
    .post(
      '/accounts/:accountId/accept',
      asPerson(async (c, person) => {
        const accountId = c.req.param('accountId')!;
        const accepted =
          (await accountOf(person, accountId, false)) !== undefined &&
          (await acceptInvitation(db, { accountId, userId: person.userId, now: deps.clock() }));
        if (!accepted) return kit.notFoundPage(c);
        await kit.audit(c, accountId, `user:${person.userId}`, 'member.accept', `user:${person.userId}`);
        return open(c, person, accountId);
      }),
    )
    .post(
      '/accounts/:accountId/decline',
      asPerson(async (c, person) => {
        const accountId = c.req.param('accountId')!;
        if (!(await declineInvitation(db, { accountId, userId: person.userId }))) return kit.notFoundPage(c);
        await kit.audit(c, accountId, `user:${person.userId}`, 'member.decline', `user:${person.userId}`);
        return c.redirect('/accounts?notice=declined', 303);
      }),
    );
}
