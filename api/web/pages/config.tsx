import type { ConfigIssue } from '../../../shared/config.js';
import { NoticeText, Time } from '../components.js';
import { CsrfField, Layout, type LayoutViewer } from '../layout.js';
import { SubmitOrCancel } from './settings-parts.js';

/** The hosted config editor: the account default's, or one repository's. */
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
