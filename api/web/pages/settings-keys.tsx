import type { Child } from 'hono/jsx';
import { formatUtc, Notice, Table, Time } from '../components.js';
import { CsrfField } from '../layout.js';
import { copyScriptPath } from '../styles.js';
import { ActionsHeader, RowButton, Section } from './settings-parts.js';

const KEY_SCOPES = ['reviews:write', 'config:read', 'reviews:read', 'admin'] as const;

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

function keyStatus(k: KeyView, now: Date): { label: string; cls: string } {
  if (k.revokedAt) return { label: 'revoked', cls: 'concl-failure' };
  if (k.expiresAt && k.expiresAt.getTime() <= now.getTime())
    return { label: 'expired', cls: 'concl-neutral' };
  return { label: 'active', cls: 'concl-success' };
}

/** The settings' API keys: the account's keys with their status, the key just created, and the form. */
export function KeysSection(props: {
  keys: KeyView[];
  now: Date;
  csrf: string;
  createdKey: { name: string; plaintext: string } | undefined;
  /** The form's refusal, if any. */
  error: Child;
}) {
  const { now } = props;
  return (
    <Section id="keys" title="API keys">
      {props.createdKey ? (
        <Notice kind="ok" title={`Key “${props.createdKey.name}” created`}>
          <p>Copy it now: it is shown only once and cannot be recovered.</p>
          <div class="copy-field">
            <label for="new-key" class="visually-hidden">
              {`The new key ${props.createdKey.name}`}
            </label>
            <input
              id="new-key"
              class="secret"
              type="text"
              readonly
              value={props.createdKey.plaintext}
              spellcheck={false}
              autocomplete="off"
            />
            <button type="button" class="btn" data-copy="new-key" hidden>
              Copy
            </button>
          </div>
          <script src={copyScriptPath()} defer />
        </Notice>
      ) : null}
      {props.error}
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
              <th scope="col">Expires</th>
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
                <td class="nowrap muted">{k.lastUsedAt ? <Time at={k.lastUsedAt} now={now} /> : 'never'}</td>
                <td class="nowrap muted">
                  {k.expiresAt ? (
                    <time datetime={k.expiresAt.toISOString()}>{formatUtc(k.expiresAt)}</time>
                  ) : (
                    'never'
                  )}
                </td>
                <td>
                  <span class={`badge ${status.cls}`}>{status.label}</span>
                </td>
                <td class="num">
                  {status.label === 'revoked' ? null : (
                    <RowButton
                      action={`/settings/keys/${encodeURIComponent(k.id)}/revoke`}
                      csrf={props.csrf}
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
        <CsrfField token={props.csrf} />
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
  );
}
