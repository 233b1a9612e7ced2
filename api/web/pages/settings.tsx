import type { Child } from 'hono/jsx';
import type { ConfigIssue } from '../../../shared/config.js';
import { formatUtc, Notice, NoticeText, Table, Time } from '../components.js';
import { CsrfField, Layout, type LayoutViewer } from '../layout.js';
import { repositoryHref } from './overview.js';

export const KEY_SCOPES = ['reviews:write', 'config:read', 'reviews:read', 'admin'] as const;

const SCOPE_HINTS: Record<(typeof KEY_SCOPES)[number], string> = {
  'reviews:write': 'report reviews (the action)',
  'config:read': 'read hosted config (the action)',
  'reviews:read': 'list and read reviews',
  admin: 'everything, including keys and deletion',
};

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface MemberView {
  userId: string;
  login: string;
  role: string;
  signedIn: boolean;
}

export interface RepositoryView {
  fullName: string;
  hasConfig: boolean;
}

/** Flash messages picked by a fixed code from the query string, never free text. */
export const SETTINGS_NOTICES = {
  'key-revoked': 'The key was revoked. Requests and sessions using it are refused from now on.',
  'member-added': 'Member added. They can sign in with GitHub now.',
  'member-removed': 'Member removed and their sessions ended.',
  'repository-disconnected': 'The repository was disconnected and its reviews, findings and config deleted.',
  'config-saved': 'Config saved.',
} as const;
export type SettingsNotice = keyof typeof SETTINGS_NOTICES;

/** Why a settings form was refused, shown above that form. */
export interface SettingsFormError {
  section: 'keys' | 'members' | 'delete';
  message: string;
}

function keyStatus(k: KeyView, now: Date): { label: string; cls: string } {
  if (k.revokedAt) return { label: 'revoked', cls: 'concl-failure' };
  if (k.expiresAt && k.expiresAt.getTime() <= now.getTime())
    return { label: 'expired', cls: 'concl-neutral' };
  return { label: 'active', cls: 'concl-success' };
}

/** A card of the settings page; the section menu links to its `id`, its heading names it. */
function Section(props: { id: string; title: string; children: Child }) {
  return (
    <section class="card" id={props.id} aria-labelledby={`${props.id}-head`}>
      <h2 id={`${props.id}-head`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** The last header cell of a table whose rows end in buttons: named for screen readers only. */
function ActionsHeader() {
  return (
    <th scope="col">
      <span class="visually-hidden">Actions</span>
    </th>
  );
}

/** A row's one-button form (revoke, remove); `label` names the row for screen readers. */
function RowButton(props: { action: string; csrf: string; label: string; text: string }) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrf} />
      <button type="submit" class="btn btn-danger btn-small" aria-label={props.label}>
        {props.text}
      </button>
    </form>
  );
}

/** A settings form's submit button beside the way back to the config section. */
function SubmitOrCancel(props: { kind: 'primary' | 'danger'; text: string }) {
  return (
    <div class="actions">
      <button type="submit" class={`btn btn-${props.kind}`}>
        {props.text}
      </button>
      <a class="btn" href="/settings#config">
        Cancel
      </a>
    </div>
  );
}

/** The name a visitor must type before a form deletes anything; `children` is the label. */
function ConfirmField(props: { id: string; children: Child }) {
  return (
    <div class="field">
      <label for={props.id}>{props.children}</label>
      <input id={props.id} name="confirm" type="text" required autocomplete="off" spellcheck={false} />
    </div>
  );
}

export function SettingsPage(props: {
  viewer: LayoutViewer;
  now: Date;
  keys: KeyView[];
  members: MemberView[];
  repositories: RepositoryView[];
  hasAccountConfig: boolean;
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

      <Section id="keys" title="API keys">
        {props.createdKey ? (
          <Notice kind="ok" title={`Key “${props.createdKey.name}” created`}>
            <p>Copy it now: it is shown only once and cannot be recovered.</p>
            <code class="secret" id="new-key" tabindex={0}>
              {props.createdKey.plaintext}
            </code>
          </Notice>
        ) : null}
        {err('keys')}
        {props.keys.length === 0 ? (
          <p class="muted">No keys yet.</p>
        ) : (
          <Table
            caption="API keys"
            head={
              <>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <ActionsHeader />
              </>
            }
          >
            {props.keys.map((k) => {
              const status = keyStatus(k, now);
              return (
                <tr>
                  <td>{k.name}</td>
                  <td class="mono nowrap">{`${k.prefix}…`}</td>
                  <td>
                    <span class="scopes">
                      {k.scopes.map((s) => (
                        <span class="badge badge-plain cat">{s}</span>
                      ))}
                    </span>
                  </td>
                  <td class="nowrap muted">
                    {k.lastUsedAt ? <Time at={k.lastUsedAt} now={now} /> : 'never'}
                  </td>
                  <td>
                    <span
                      class={`badge ${status.cls}`}
                      title={k.expiresAt ? `expires ${formatUtc(k.expiresAt)}` : undefined}
                    >
                      {status.label}
                    </span>
                  </td>
                  <td class="num">
                    {status.label === 'revoked' ? null : (
                      <RowButton
                        action={`/settings/keys/${encodeURIComponent(k.id)}/revoke`}
                        csrf={viewer.csrf}
                        label={`Revoke key ${k.name}`}
                        text="Revoke"
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
        <h3>Create a key</h3>
        <form method="post" action="/settings/keys">
          <CsrfField token={viewer.csrf} />
          <div class="form-row">
            <div class="field">
              <label for="key-name">Name</label>
              <input
                id="key-name"
                name="name"
                type="text"
                required
                maxlength={100}
                placeholder="GitHub Action"
              />
            </div>
            <div class="field">
              <label for="key-expiry">Expires</label>
              <select id="key-expiry" name="expires">
                <option value="never">Never</option>
                <option value="30">In 30 days</option>
                <option value="90">In 90 days</option>
                <option value="365">In a year</option>
              </select>
            </div>
          </div>
          <fieldset class="checks">
            <legend>Scopes</legend>
            {KEY_SCOPES.map((s) => (
              <label title={SCOPE_HINTS[s]}>
                <input
                  type="checkbox"
                  name="scopes"
                  value={s}
                  checked={s === 'reviews:write' || s === 'config:read'}
                />
                <span>
                  <code>{s}</code> <span class="muted">{`— ${SCOPE_HINTS[s]}`}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <button type="submit" class="btn btn-primary">
            Create key
          </button>
        </form>
      </Section>

      <Section id="config" title="Config">
        <p class="muted">
          Hosted config uses the same keys as <code>.diffray.yml</code>. A repository's own file can tighten
          it, never loosen it.
        </p>
        <Table
          caption="Repositories and their config"
          head={
            <>
              <th scope="col">Scope</th>
              <th scope="col">Config</th>
              <ActionsHeader />
            </>
          }
        >
          <tr>
            <td>
              <strong>Account default</strong>
            </td>
            <td class="muted">{props.hasAccountConfig ? 'set' : 'not set'}</td>
            <td class="num">
              <a class="btn btn-small" href="/settings/config">
                Edit
              </a>
            </td>
          </tr>
          {props.repositories.map((r) => (
            <tr>
              <td>
                <a href={repositoryHref(r.fullName)}>{r.fullName}</a>
              </td>
              <td class="muted">{r.hasConfig ? 'set' : 'account default'}</td>
              <td class="num nowrap">
                <a
                  class="btn btn-small"
                  href={`/settings/config?repository=${encodeURIComponent(r.fullName)}`}
                  aria-label={`Edit config of ${r.fullName}`}
                >
                  Edit
                </a>{' '}
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
        <p class="muted">People who sign in with GitHub. Admins manage keys, config, members and data.</p>
        {err('members')}
        {props.members.length === 0 ? (
          <p class="muted">No members yet: grant access by GitHub login below.</p>
        ) : (
          <Table
            caption="Members"
            head={
              <>
                <th scope="col">GitHub login</th>
                <th scope="col">Role</th>
                <th scope="col">Signed in</th>
                <ActionsHeader />
              </>
            }
          >
            {props.members.map((m) => (
              <tr>
                <td>{`@${m.login}`}</td>
                <td>{m.role}</td>
                <td class="muted">{m.signedIn ? 'yes' : 'not yet'}</td>
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
            Grant access
          </button>
        </form>
      </Section>

      <Section id="data" title="Your data">
        <p>
          Download everything this account holds (reviews, findings, config, keys without their secrets,
          members, audit log) as JSON.
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

/** Settings for a member without the admin role. */
export function MemberSettingsPage(props: { viewer: LayoutViewer }) {
  return (
    <Layout title="Settings" viewer={props.viewer} section="settings">
      <h1>Settings</h1>
      <Notice kind="warn">
        <p>
          Only admins of {props.viewer.accountName} manage keys, config, members and data. Ask one of them.
        </p>
      </Notice>
    </Layout>
  );
}

export function ConfigPage(props: {
  viewer: LayoutViewer;
  repository: string | undefined;
  yaml: string;
  issues: ConfigIssue[];
  saved: boolean;
  updatedAt: Date | undefined;
  now: Date;
}) {
  const subject = props.repository ?? 'Account default';
  const hasIssues = props.issues.length > 0;
  return (
    <Layout title={`Config · ${subject}`} viewer={props.viewer} section="settings">
      <div class="page-head">
        <div>
          <p class="breadcrumb">
            <a href="/settings#config">Settings</a> / config
          </p>
          <h1>{props.repository ? `Config for ${props.repository}` : 'Account default config'}</h1>
          <p>
            {props.updatedAt ? (
              <>
                {'Last saved '}
                <Time at={props.updatedAt} now={props.now} />
              </>
            ) : (
              'Not set yet.'
            )}
          </p>
        </div>
      </div>
      <NoticeText kind="ok" text={props.saved ? 'Config saved.' : undefined} />
      {hasIssues ? (
        <div class="notice notice-error" role="alert" id="config-errors">
          <h2>The config was not saved</h2>
          <ul class="issues">
            {props.issues.map((i) => (
              <li>
                {i.line !== undefined ? `Line ${i.line}: ` : ''}
                <code>{i.key}</code>
                {` — ${i.message}`}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form method="post" action="/settings/config" class="card">
        <CsrfField token={props.viewer.csrf} />
        {props.repository ? <input type="hidden" name="repository" value={props.repository} /> : null}
        <div class="field">
          <label for="config-yaml">YAML</label>
          <textarea
            id="config-yaml"
            name="yaml"
            rows={18}
            spellcheck={false}
            aria-invalid={hasIssues ? 'true' : undefined}
            aria-describedby={hasIssues ? 'config-errors config-hint' : 'config-hint'}
          >
            {`\n${props.yaml}`}
          </textarea>
          <p class="hint" id="config-hint">
            Same keys as <code>.diffray.yml</code>, e.g. <code>fail-on: high</code>, <code>exclude:</code>,{' '}
            <code>rules:</code>. Leave empty for no hosted config.
          </p>
        </div>
        <SubmitOrCancel kind="primary" text="Save config" />
      </form>
    </Layout>
  );
}

export function DisconnectPage(props: {
  viewer: LayoutViewer;
  fullName: string;
  error?: string | undefined;
}) {
  const action = `/settings/repositories/${props.fullName.split('/').map(encodeURIComponent).join('/')}/disconnect`;
  return (
    <Layout title={`Disconnect ${props.fullName}`} viewer={props.viewer} section="settings">
      <p class="breadcrumb">
        <a href="/settings#config">Settings</a> / disconnect
      </p>
      <h1>{`Disconnect ${props.fullName}`}</h1>
      <section class="card danger-zone" aria-labelledby="disconnect-head">
        <h2 id="disconnect-head">This deletes data at once</h2>
        <p>
          The repository's reviews, findings, trend counts and config are deleted now. Future reports from its
          workflow will add it again; remove the workflow or revoke its key to stop them.
        </p>
        <NoticeText kind="error" text={props.error} />
        <form method="post" action={action}>
          <CsrfField token={props.viewer.csrf} />
          <ConfirmField id="confirm-repo">
            Type <strong>{props.fullName}</strong> to confirm
          </ConfirmField>
          <SubmitOrCancel kind="danger" text="Disconnect repository" />
        </form>
      </section>
    </Layout>
  );
}

export function ErrorPage(props: {
  viewer?: LayoutViewer | undefined;
  status: number;
  title: string;
  text: string;
}) {
  return (
    <Layout title={props.title} viewer={props.viewer}>
      <section class="card">
        <h1>{props.title}</h1>
        <p>{props.text}</p>
        <p>
          <a href="/">Back to the overview</a>
        </p>
      </section>
    </Layout>
  );
}
