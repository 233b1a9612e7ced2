import type { ConfigIssue } from '../../../shared/config.js';
import { NoticeText, Table, Time } from '../components.js';
import { CsrfField, Layout, type LayoutViewer } from '../layout.js';
import { SubmitOrCancel } from './settings-parts.js';

/** A key the effective hosted config sets, and whose config set it. */
export interface EffectiveRow {
  key: string;
  value: unknown;
  source: 'repository' | 'account';
}

/** A key of the config's JSON Schema, for the reference beside the editor. */
export interface KeyHelp {
  key: string;
  takes: string;
  description: string;
}

/** A value as one short line: lists of words joined, lists of rules or instructions counted. */
function shownValue(value: unknown): string {
  if (!Array.isArray(value)) return String(value);
  if (value.every((item) => typeof item !== 'object'))
    return value.length === 0 ? '(none)' : value.join(', ');
  return `${value.length} ${value.length === 1 ? 'entry' : 'entries'}`;
}

/** The hosted config editor: the account default's, or one repository's. */
export function ConfigPage(props: {
  viewer: LayoutViewer;
  repository: string | undefined;
  yaml: string;
  issues: ConfigIssue[];
  saved: boolean;
  updatedAt: Date | undefined;
  now: Date;
  /** The stored hosted config's effective keys (a repository's own over the account default). */
  effective: EffectiveRow[];
  keys: KeyHelp[];
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
      <section class="card" aria-labelledby="effective-head">
        <h2 id="effective-head">
          {props.repository ? `Effective hosted config for ${props.repository}` : 'Effective hosted config'}
        </h2>
        <p class="muted">
          {props.repository
            ? 'What the action is served for this repository: its own keys over the account default’s. Its .diffray.yml is merged after that, and can tighten these values, never loosen them.'
            : 'What the action is served for a repository without config of its own. A repository’s .diffray.yml is merged after that, and can tighten these values, never loosen them.'}
        </p>
        {props.effective.length === 0 ? (
          <p>Nothing set: the action’s inputs and defaults apply.</p>
        ) : (
          <Table
            caption="Effective hosted config, key by key"
            head={
              <>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">Set by</th>
              </>
            }
          >
            {props.effective.map((e) => (
              <tr>
                <th scope="row">
                  <code>{e.key}</code>
                </th>
                <td class="mono">{shownValue(e.value)}</td>
                <td>{e.source === 'repository' ? 'this repository' : 'account default'}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <section class="card" aria-labelledby="keys-head">
        <h2 id="keys-head">Keys you can set</h2>
        <p class="muted">
          From the config’s JSON Schema (<code>schema/diffray.schema.json</code>); nested keys are written
          indented under their parent.
        </p>
        <Table
          caption="Config keys, what each takes and does"
          head={
            <>
              <th scope="col">Key</th>
              <th scope="col">Takes</th>
              <th scope="col">What it does</th>
            </>
          }
        >
          {props.keys.map((k) => (
            <tr>
              <th scope="row">
                <code>{k.key}</code>
              </th>
              <td>{k.takes}</td>
              <td>{k.description}</td>
            </tr>
          ))}
        </Table>
      </section>
    </Layout>
  );
}
