import { NoticeText } from '../components.js';
import { Layout } from '../layout.js';

function GitHubIcon() {
  return (
    <svg class="btn-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z" />
    </svg>
  );
}

/** Messages the sign-in page can show, chosen by a fixed code (never text taken from the URL). */
export const SIGN_IN_MESSAGES = {
  'signed-out': { kind: 'ok', text: 'You are signed out.' },
  expired: { kind: 'warn', text: 'Your session ended. Please sign in again.' },
  'bad-key': {
    kind: 'error',
    text: 'That key was not accepted. Use an unrevoked admin key of your account.',
  },
  'oauth-failed': { kind: 'error', text: 'GitHub sign-in did not complete. Please try again.' },
  'not-member': {
    kind: 'error',
    text: 'Your GitHub account is not a member of any diffray account. Ask an admin to add your GitHub login under Settings → Members.',
  },
  'account-deleted': { kind: 'ok', text: 'The account was deleted. Its data will be purged within 30 days.' },
  'rate-limited': { kind: 'error', text: 'Too many attempts. Please wait a minute and try again.' },
} as const;
export type SignInMessage = keyof typeof SIGN_IN_MESSAGES;

export function SignInPage(props: {
  oauthEnabled: boolean;
  next: string;
  message?: SignInMessage | undefined;
}) {
  const msg = props.message ? SIGN_IN_MESSAGES[props.message] : undefined;
  const githubHref =
    props.next === '/' ? '/auth/github' : `/auth/github?next=${encodeURIComponent(props.next)}`;
  return (
    <Layout title="Sign in">
      <div class="auth">
        <div class="card">
          <h1>Sign in to diffray</h1>
          <p class="auth-lead">Review history, trends and settings for your repositories.</p>
          {msg ? <NoticeText kind={msg.kind} text={msg.text} /> : null}
          {props.oauthEnabled ? (
            <>
              <a class="btn btn-github btn-block" href={githubHref}>
                <GitHubIcon />
                Sign in with GitHub
              </a>
              <p class="divider">or</p>
            </>
          ) : null}
          <form method="post" action="/sign-in/key">
            <input type="hidden" name="next" value={props.next} />
            <div class="field">
              <label for="api-key">Sign in with an admin API key</label>
              <input
                id="api-key"
                name="key"
                type="password"
                autocomplete="off"
                spellcheck={false}
                required
                placeholder="dfr_…"
                aria-describedby="api-key-hint"
              />
              <p class="hint" id="api-key-hint">
                The key printed by <code>diffray-api accounts create</code>, or any key with the{' '}
                <code>admin</code> scope.
              </p>
            </div>
            <button type="submit" class={props.oauthEnabled ? 'btn btn-block' : 'btn btn-primary btn-block'}>
              Sign in with key
            </button>
          </form>
        </div>
      </div>
    </Layout>
  );
}
