import { NoticeText, Table } from '../components.js';
import { CsrfField, Layout, type LayoutViewer } from '../layout.js';
import { repositoryHref } from './overview.js';
import { AccountDetailsSection, type AccountDetailsView } from './settings-account.js';
import { KeysSection, type KeyView } from './settings-keys.js';
import { ActionsHeader, ConfirmField, RowButton, Section } from './settings-parts.js';

export interface MemberView {
  userId: string;
  login: string;
  role: string;
  displayName: string | null;
  email: string | null;
  /** Accepted the invitation; until then the membership grants nothing. */
  joined: boolean;
}

export interface RepositoryView {
  fullName: string;
  hasConfig: boolean;
  /** Reviewed under the hosted config (its own over the account default): not `enabled: false`. */
  enabled: boolean;
}

/** Flash messages picked by a fixed code from the query string, never free text. */
export const SETTINGS_NOTICES = {
  'key-revoked': 'The key was revoked. Requests and sessions using it are refused from now on.',
  'member-added':
    'Invitation sent. It shows at their next GitHub sign-in, and they join when they accept it.',
  'member-removed': 'Member removed and their sessions ended.',
  'repository-disconnected': 'The repository was disconnected and its reviews, findings and config deleted.',
  'config-saved': 'Config saved.',
  'reviews-enabled': 'Reviews enabled: the next run of the action reviews as usual.',
  'reviews-disabled':
    'Reviews disabled: the action\u2019s next runs end with a neutral “Disabled by the account” check, with no model call.',
  'account-saved': 'The account’s details were saved.',
} as const;
export type SettingsNotice = keyof typeof SETTINGS_NOTICES;

/** Why a settings form was refused, shown above that form. */
export interface SettingsFormError {
  section: 'account' | 'keys' | 'config' | 'members' | 'delete';
  message: string;
}

/** Turns reviews off (or back on) for a repository, or by default when `repository` is left out. */
function ReviewsToggle(props: { csrf: string; enabled: boolean; repository?: string }) {
  const subject = props.repository ?? 'repositories by default';
  return (
    <RowButton
      action="/settings/config/enabled"
      csrf={props.csrf}
      kind="plain"
      label={`${props.enabled ? 'Disable' : 'Enable'} reviews of ${subject}`}
      text={props.enabled ? 'Disable' : 'Enable'}
      fields={{
        enabled: String(!props.enabled),
        ...(props.repository === undefined ? {} : { repository: props.repository }),
      }}
    />
  );
}

/** The settings of an admin: the account's details, keys, hosted config, members, its data and its deletion. */
export function SettingsPage(props: {
  viewer: LayoutViewer;
  now: Date;
  details: AccountDetailsView;
  keys: KeyView[];
  members: MemberView[];
  repositories: RepositoryView[];
  hasAccountConfig: boolean;
  /** Whether the account default leaves reviews on (repositories without their own choice follow it). */
  accountEnabled: boolean;
  notice?: SettingsNotice | undefined;
  createdKey?: { name: string; plaintext: string } | undefined;
  formError?: SettingsFormError | undefined;
}) {
  const { viewer, now } = props;
  const err = (section: SettingsFormError['section']) => (
    <NoticeText
      kind="error"
      text={props.formError?.section === section ? props.formError.message : undefined}
    />
  );
  return (
    <Layout title="Settings" viewer={viewer} section="settings">
      <div class="page-head">
        <div>
          <h1>Settings</h1>
          <p>{`Keys, config, members and data of ${viewer.accountName}.`}</p>
        </div>
      </div>
      <nav aria-label="Settings sections">
        <ul class="settings-nav">
          <li>
            <a href="#account">Account</a>
          </li>
          <li>
            <a href="#keys">API keys</a>
          </li>
          <li>
            <a href="#config">Config</a>
          </li>
          <li>
            <a href="#members">Members</a>
          </li>
          <li>
            <a href="#data">Your data</a>
          </li>
        </ul>
      </nav>
      <NoticeText kind="ok" text={props.notice && SETTINGS_NOTICES[props.notice]} />

      <AccountDetailsSection details={props.details} csrf={viewer.csrf} error={err('account')} />

      <KeysSection
        keys={props.keys}
        now={now}
        csrf={viewer.csrf}
        createdKey={props.createdKey}
        error={err('keys')}
      />

      <Section id="config" title="Config">
        <p class="muted">
          Hosted config uses the same keys as <code>.diffray.yml</code>. A repository's own file can tighten
          it, never loosen it. A repository whose reviews are off gets a neutral “Disabled by the account”
          check and no model call (<code>enabled: false</code>).
        </p>
        {err('config')}
        <Table
          caption="Repositories and their config"
          head={
            <>
              <th scope="col">Scope</th>
              <th scope="col">Config</th>
              <th scope="col">Reviews</th>
              <ActionsHeader />
            </>
          }
        >
          <tr>
            <td>
              <strong>Account default</strong>
            </td>
            <td class="muted">{props.hasAccountConfig ? 'set' : 'not set'}</td>
            <td>{props.accountEnabled ? 'on' : 'off'}</td>
            <td class="num nowrap">
              <a class="btn btn-small" href="/settings/config" aria-label="Edit the account default config">
                Edit
              </a>{' '}
              <ReviewsToggle csrf={viewer.csrf} enabled={props.accountEnabled} />
            </td>
          </tr>
          {props.repositories.map((r) => (
            <tr>
              <td>
                <a href={repositoryHref(r.fullName)}>{r.fullName}</a>
              </td>
              <td class="muted">{r.hasConfig ? 'set' : 'account default'}</td>
              <td>{r.enabled ? 'on' : 'off'}</td>
              <td class="num nowrap">
                <a
                  class="btn btn-small"
                  href={`/settings/config?repository=${encodeURIComponent(r.fullName)}`}
                  aria-label={`Edit config of ${r.fullName}`}
                >
                  Edit
                </a>{' '}
                <ReviewsToggle csrf={viewer.csrf} enabled={r.enabled} repository={r.fullName} />{' '}
                <a
                  class="btn btn-small btn-danger"
                  href={`${repositoryHref(r.fullName).replace('/repositories/', '/settings/repositories/')}/disconnect`}
                  aria-label={`Disconnect ${r.fullName}`}
                >
                  Disconnect
                </a>
              </td>
            </tr>
          ))}
        </Table>
        <form method="get" action="/settings/config" class="form-row actions">
          <div class="field">
            <label for="config-repo">Configure another repository</label>
            <input
              id="config-repo"
              name="repository"
              type="text"
              required
              pattern="[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+"
              placeholder="owner/name"
              maxlength={200}
            />
          </div>
          <button type="submit" class="btn">
            Open editor
          </button>
        </form>
      </Section>

      <Section id="members" title="Members">
        <p class="muted">
          People who sign in with GitHub. Admins manage keys, config, members and data. A login you add is
          invited: it joins, and sees this account, only once its person accepts.
        </p>
        {err('members')}
        {props.members.length === 0 ? (
          <p class="muted">No members yet: invite a GitHub login below.</p>
        ) : (
          <Table
            caption="Members"
            head={
              <>
                <th scope="col">GitHub login</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <ActionsHeader />
              </>
            }
          >
            {props.members.map((m) => (
              <tr>
                <td>
                  {`@${m.login}`}
                  {m.displayName || m.email ? (
                    <span class="sub">{[m.displayName, m.email].filter(Boolean).join(' · ')}</span>
                  ) : null}
                </td>
                <td>{m.role}</td>
                <td class="muted">{m.joined ? 'joined' : 'invited'}</td>
                <td class="num">
                  <RowButton
                    action={`/settings/members/${encodeURIComponent(m.userId)}/remove`}
                    csrf={viewer.csrf}
                    label={`Remove @${m.login}`}
                    text="Remove"
                  />
                </td>
              </tr>
            ))}
          </Table>
        )}
        <form method="post" action="/settings/members" class="form-row actions">
          <CsrfField token={viewer.csrf} />
          <div class="field">
            <label for="member-login">GitHub login</label>
            <input
              id="member-login"
              name="login"
              type="text"
              required
              maxlength={39}
              pattern="[A-Za-z0-9][A-Za-z0-9\-_]{0,38}"
              autocomplete="off"
              placeholder="octocat"
            />
          </div>
          <div class="field">
            <label for="member-role">Role</label>
            <select id="member-role" name="role">
              <option value="member">Member (read)</option>
              <option value="admin">Admin</option>
            </select>
          </div>
          <button type="submit" class="btn">
            Invite
          </button>
        </form>
      </Section>

      <Section id="data" title="Your data">
        <p>
          Download everything this account holds (its details, reviews, findings, config, keys without their
          secrets, members, sessions, audit log) as JSON.
        </p>
        <a class="btn" href="/settings/export" download="">
          Export data (JSON)
        </a>
      </Section>

      <section class="card danger-zone" aria-labelledby="delete-head">
        <h2 id="delete-head">Delete account</h2>
        <p>
          Every key is revoked and every session ends at once; the data is purged 30 days later. This cannot
          be undone.
        </p>
        {err('delete')}
        <form method="post" action="/settings/account/delete">
          <CsrfField token={viewer.csrf} />
          <ConfirmField id="confirm-name">
            Type the account name <strong>{viewer.accountName}</strong> to confirm
          </ConfirmField>
          <button type="submit" class="btn btn-danger">
            Delete this account
          </button>
        </form>
      </section>
    </Layout>
  );
}
