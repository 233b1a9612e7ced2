import { Notice } from '../components.js';
import { Layout, type LayoutViewer } from '../layout.js';

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
