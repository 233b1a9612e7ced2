import { Notice } from '../components.js';
import { Layout, type LayoutViewer } from '../layout.js';
import { AccountDetailsSection, type AccountDetailsView } from './settings-account.js';

/** Settings for a member without the admin role: the account's details, to read. */
export function MemberSettingsPage(props: { viewer: LayoutViewer; details: AccountDetailsView }) {
  return (
    <Layout title="Settings" viewer={props.viewer} section="settings">
      <h1>Settings</h1>
      <Notice kind="warn">
        <p>
          Only admins of {props.viewer.accountName} manage keys, config, members and data. Ask one of them.
          What the account holds about you is on <a href="/profile">your profile</a>.
        </p>
      </Notice>
      <AccountDetailsSection details={props.details} />
    </Layout>
  );
}
