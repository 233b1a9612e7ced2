import { NoticeText } from '../components.js';
import { CsrfField, Layout, type LayoutViewer } from '../layout.js';
import { ConfirmField, SubmitOrCancel } from './settings-parts.js';

/** Disconnecting a repository: what it deletes, and the name to type to confirm. */
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
