import type { Child } from 'hono/jsx';
import type { GitHubLinks } from './components.js';
import { stylesheetPath } from './styles.js';

/** Who is looking at the page, as far as the layout cares. */
export interface LayoutViewer {
  accountName: string;
  /** The GitHub login, or the key's name for a key sign-in. */
  displayName: string;
  via: 'github' | 'key';
  csrf: string;
  isAdmin: boolean;
  /** For a person signed in with GitHub: the other accounts they joined, and the invitations waiting. */
  accounts?: { others: { id: string; name: string }[]; invitations: number } | undefined;
}

/** What the pages of reviews are rendered with: who is looking, the request's instant, GitHub's links. */
export interface PageProps {
  viewer: LayoutViewer;
  now: Date;
  links: GitHubLinks;
}

export type NavSection = 'overview' | 'dismissals' | 'settings' | 'none';

function BrandMark() {
  return (
    <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="#4f46e5" />
      <path d="M9 8h6.5a8 8 0 0 1 0 16H9z" fill="none" stroke="#fff" stroke-width="3" />
      <path d="M19 16h6" stroke="#c7c3ff" stroke-width="3" stroke-linecap="round" />
    </svg>
  );
}

/** The hidden CSRF field every state-changing form carries. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/**
 * The open account's name in the top bar, opening (without script: `<details>`) the person's other
 * accounts, each switched to by a POST with the form token, and the way to their invitations.
 */
function AccountSwitcher(props: { viewer: LayoutViewer; accounts: NonNullable<LayoutViewer['accounts']> }) {
  const { others, invitations } = props.accounts;
  const waiting = invitations === 1 ? '1 invitation' : `${invitations} invitations`;
  return (
    <details class="switcher">
      <summary>
        <strong>{props.viewer.accountName}</strong>
        <span class="visually-hidden"> (switch account)</span>
        {invitations > 0 ? <span class="badge badge-plain switcher-count">{waiting}</span> : null}
      </summary>
      <div class="switcher-menu">
        {others.length > 0 ? (
          <ul>
            {others.map((a) => (
              <li>
                <form method="post" action={`/accounts/${encodeURIComponent(a.id)}/open`}>
                  <CsrfField token={props.viewer.csrf} />
                  <button type="submit" class="switcher-item">
                    {a.name}
                  </button>
                </form>
              </li>
            ))}
          </ul>
        ) : null}
        <a href="/accounts">{invitations > 0 ? `Answer ${waiting}` : 'Your accounts'}</a>
      </div>
    </details>
  );
}

/** The full HTML document: skip link, top bar (when signed in), main landmark, footer. */
export function Layout(props: {
  title: string;
  viewer?: LayoutViewer | undefined;
  section?: NavSection;
  children?: Child;
}) {
  const { viewer, section = 'none' } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · diffray`}</title>
        <link rel="stylesheet" href={stylesheetPath()} />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <div class="topbar-inner">
            <a class="brand" href="/">
              <BrandMark />
              diffray
            </a>
            {viewer ? (
              <nav aria-label="Main">
                <ul class="nav">
                  <li>
                    <a href="/" aria-current={section === 'overview' ? 'page' : undefined}>
                      Overview
                    </a>
                  </li>
                  <li>
                    <a href="/dismissals" aria-current={section === 'dismissals' ? 'page' : undefined}>
                      Dismissals
                    </a>
                  </li>
                  <li>
                    <a href="/settings" aria-current={section === 'settings' ? 'page' : undefined}>
                      Settings
                    </a>
                  </li>
                </ul>
              </nav>
            ) : null}
            {viewer ? (
              <div class="topbar-end">
                {viewer.accounts ? (
                  <AccountSwitcher viewer={viewer} accounts={viewer.accounts} />
                ) : (
                  <span class="who">
                    <strong>{viewer.accountName}</strong>
                  </span>
                )}
                {viewer.via === 'github' ? (
                  <a class="who hide-sm" href="/profile" title="Your profile">{`@${viewer.displayName}`}</a>
                ) : (
                  <span class="who hide-sm">{`key ${viewer.displayName}`}</span>
                )}
                <form method="post" action="/sign-out" class="inline">
                  <CsrfField token={viewer.csrf} />
                  <button type="submit" class="btn btn-small">
                    Sign out
                  </button>
                </form>
              </div>
            ) : null}
          </div>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          diffray keeps findings only, never your code. Results are kept for 30 days.
        </footer>
      </body>
    </html>
  );
}
