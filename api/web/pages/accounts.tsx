import { NoticeText, Table, Time } from '../components.js';
import { CsrfField, Layout, type LayoutViewer } from '../layout.js';
import { ActionsHeader, RowButton, Section } from './settings-parts.js';

/** One of the person's accounts, joined or waiting for their answer. */
export interface PersonAccountView {
  accountId: string;
  accountName: string;
  role: string;
  invitedAt: Date;
  /** Who invited them, as the invitation says it. */
  invitedBy: string;
  joined: boolean;
}

/** Flash messages picked by a fixed code from the query string, never free text. */
export const ACCOUNTS_NOTICES = {
  declined: 'Invitation declined. That account holds nothing about you through it.',
} as const;
export type AccountsNotice = keyof typeof ACCOUNTS_NOTICES;

/** How an invitation names who made it (`invitedBy` is an audit actor). */
export function inviterText(invitedBy: string | null, inviterLogin: string | null): string {
  if (inviterLogin !== null) return `@${inviterLogin}`;
  if (invitedBy?.startsWith('key:')) return 'an admin key of the account';
  if (invitedBy === 'cli') return "the server's operator";
  return 'an admin of the account';
}

/**
 * The person's accounts: the invitations waiting for their answer, and the accounts they joined, each opened
 * by a POST. `viewer` is absent while a GitHub sign-in waits for this choice (no account is open yet).
 */
export function AccountsPage(props: {
  viewer: LayoutViewer | undefined;
  login: string;
  csrf: string;
  now: Date;
  accounts: PersonAccountView[];
  currentAccountId: string | undefined;
  notice?: AccountsNotice | undefined;
}) {
  const { csrf, now } = props;
  const invitations = props.accounts.filter((a) => !a.joined);
  const joined = props.accounts.filter((a) => a.joined);
  const path = (a: PersonAccountView, what: string) => `/accounts/${encodeURIComponent(a.accountId)}/${what}`;
  return (
    <Layout title="Your accounts" viewer={props.viewer}>
      <div class="page-head">
        <div>
          <h1>Your accounts</h1>
          <p>{`Signed in with GitHub as @${props.login}.`}</p>
        </div>
        {props.viewer ? null : (
          <form method="post" action="/accounts/sign-out" class="inline">
            <CsrfField token={csrf} />
            <button type="submit" class="btn btn-small">
              Sign out
            </button>
          </form>
        )}
      </div>
      <NoticeText kind="ok" text={props.notice && ACCOUNTS_NOTICES[props.notice]} />
      {invitations.length > 0 ? (
        <Section id="invitations" title="Invitations">
          <p class="muted">
            An invitation gives you nothing until you accept it. Accept only those you expect: once you join,
            what you do there (keys you create, repositories you report) belongs to that account.
          </p>
          <Table
            caption="Invitations waiting for your answer"
            head={
              <>
                <th scope="col">Account</th>
                <th scope="col">Role</th>
                <th scope="col">Invited by</th>
                <ActionsHeader />
              </>
            }
          >
            {invitations.map((a) => (
              <tr>
                <td>
                  <strong>{a.accountName}</strong> invites you
                </td>
                <td>{a.role}</td>
                <td class="muted">
                  {a.invitedBy}, <Time at={a.invitedAt} now={now} />
                </td>
                <td class="num nowrap">
                  <RowButton
                    action={path(a, 'accept')}
                    csrf={csrf}
                    kind="primary"
                    label={`Accept the invitation of ${a.accountName}`}
                    text="Accept"
                  />{' '}
                  <RowButton
                    action={path(a, 'decline')}
                    csrf={csrf}
                    label={`Decline the invitation of ${a.accountName}`}
                    text="Decline"
                  />
                </td>
              </tr>
            ))}
          </Table>
        </Section>
      ) : null}
      <Section id="joined" title="Accounts">
        {joined.length === 0 ? (
          <p class="muted">
            You have not joined any account. An admin of one can invite your GitHub login under Settings →
            Members.
          </p>
        ) : (
          <Table
            caption="Accounts you joined"
            head={
              <>
                <th scope="col">Account</th>
                <th scope="col">Role</th>
                <ActionsHeader />
              </>
            }
          >
            {joined.map((a) => (
              <tr>
                <td>
                  <strong>{a.accountName}</strong>
                </td>
                <td>{a.role}</td>
                <td class="num">
                  {a.accountId === props.currentAccountId ? (
                    <span class="muted">open now</span>
                  ) : (
                    <RowButton
                      action={path(a, 'open')}
                      csrf={csrf}
                      kind="primary"
                      label={`Open ${a.accountName}`}
                      text="Open"
                    />
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Section>
    </Layout>
  );
}
