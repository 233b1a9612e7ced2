import { NoticeText, Table, Time } from '../components.js';
import { CsrfField, Layout, type LayoutViewer } from '../layout.js';
import { Section, TextField } from './settings-parts.js';

/** Flash messages picked by a fixed code from the query string, never free text. */
export const PROFILE_NOTICES = { saved: 'Saved.' } as const;
export type ProfileNotice = keyof typeof PROFILE_NOTICES;

/** What the accounts hold about a person. */
export interface ProfileView {
  login: string;
  displayName: string | null;
  email: string | null;
  memberships: { accountName: string; role: string; invitedAt: Date; joinedAt: Date | null }[];
}

/**
 * A person's profile: what the accounts hold about them, their name and e-mail corrected here (the GitHub
 * login is GitHub's: renamed there, it follows at the next sign-in).
 */
export function ProfilePage(props: {
  viewer: LayoutViewer;
  now: Date;
  profile: ProfileView;
  notice?: ProfileNotice | undefined;
  error?: string | undefined;
}) {
  const { profile, now } = props;
  return (
    <Layout title="Your profile" viewer={props.viewer}>
      <div class="page-head">
        <div>
          <h1>Your profile</h1>
          <p>{`What the accounts you belong to hold about you, @${profile.login}.`}</p>
        </div>
      </div>
      <NoticeText kind="ok" text={props.notice && PROFILE_NOTICES[props.notice]} />
      <Section id="details" title="About you">
        <p class="muted">
          The admins of the accounts you joined see your name and e-mail. Each change is recorded in their
          audit log by the names of the fields changed, never their values. Leave a field empty to remove it.
        </p>
        <NoticeText kind="error" text={props.error} />
        <form method="post" action="/profile">
          <CsrfField token={props.viewer.csrf} />
          <TextField id="profile-login" label="GitHub login" value={profile.login} readonly />
          <TextField
            id="profile-name"
            name="displayName"
            label="Name"
            value={profile.displayName}
            maxlength={100}
            autocomplete="name"
          />
          <TextField
            id="profile-email"
            name="email"
            label="E-mail"
            type="email"
            value={profile.email}
            maxlength={254}
            autocomplete="email"
          />
          <button type="submit" class="btn btn-primary">
            Save
          </button>
        </form>
      </Section>
      <Section id="memberships" title="Your accounts">
        <Table
          caption="The accounts that hold you"
          head={
            <>
              <th scope="col">Account</th>
              <th scope="col">Role</th>
              <th scope="col">Invited</th>
              <th scope="col">Joined</th>
            </>
          }
        >
          {profile.memberships.map((m) => (
            <tr>
              <td>{m.accountName}</td>
              <td>{m.role}</td>
              <td class="muted">
                <Time at={m.invitedAt} now={now} />
              </td>
              <td class="muted">{m.joinedAt ? <Time at={m.joinedAt} now={now} /> : 'not yet'}</td>
            </tr>
          ))}
        </Table>
        <p>
          <a href="/accounts">Answer invitations and switch account</a>
        </p>
      </Section>
    </Layout>
  );
}
