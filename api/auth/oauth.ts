import { createHash, randomBytes } from 'node:crypto';

/**
 * GitHub OAuth (authorization code + `state` + PKCE S256) for GitHub.com or GitHub Enterprise Server.
 * Only the HTTP calls live here; the flow's state handling is in `oauth-state.ts` and the routes in
 * `web/routes/sign-in.tsx`.
 */

/** Where GitHub lives: the web host (authorize, token) and its REST API (`/user`). */
export interface GitHubHost {
  /** e.g. `https://github.com` or `https://ghe.example.com`. */
  webUrl: string;
  /** e.g. `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  apiUrl: string;
}

export interface OAuthClientConfig extends GitHubHost {
  clientId: string;
  clientSecret: string;
}

/** The GitHub identity we keep: the numeric id is stable, the login can be renamed. */
export interface GitHubUser {
  id: number;
  login: string;
  name: string | undefined;
}

/** A failure of the OAuth exchange; `reason` is safe to log (no codes, tokens or secrets). */
export class OAuthError extends Error {
  constructor(readonly reason: string) {
    super(`GitHub sign-in failed: ${reason}`);
    this.name = 'OAuthError';
  }
}

/** Derives the API URL from a web URL: api.github.com for github.com, `<host>/api/v3` for GHES. */
export function githubHostFor(webUrl: string, apiUrl?: string): GitHubHost {
  const web = webUrl.replace(/\/+$/, '');
  if (apiUrl) return { webUrl: web, apiUrl: apiUrl.replace(/\/+$/, '') };
  return {
    webUrl: web,
    apiUrl: new URL(web).hostname === 'github.com' ? 'https://api.github.com' : `${web}/api/v3`,
  };
}

/** 32 random bytes, base64url: used for `state` and as the PKCE verifier (43 chars, within 43..128). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** PKCE S256: BASE64URL(SHA256(verifier)). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** The URL the browser is sent to. No scope is requested: the public profile is all we read. */
export function authorizeUrl(
  cfg: OAuthClientConfig,
  p: { state: string; verifier: string; redirectUri: string },
): string {
  const url = new URL(`${cfg.webUrl}/login/oauth/authorize`);
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', pkceChallenge(p.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('allow_signup', 'false');
  return url.toString();
}

const TIMEOUT_MS = 10_000;

/** Exchanges the code (with the PKCE verifier) for an access token, then reads `/user`. */
export async function fetchGitHubUser(
  cfg: OAuthClientConfig,
  p: { code: string; verifier: string; redirectUri: string },
  fetchImpl: typeof fetch = fetch,
): Promise<GitHubUser> {
  let tokenRes: Response;
  try {
    tokenRes = await fetchImpl(`${cfg.webUrl}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: cfg.clientId,
        client_secret: cfg.clientSecret,
        code: p.code,
        redirect_uri: p.redirectUri,
        code_verifier: p.verifier,
      }).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch {
    throw new OAuthError('token endpoint unreachable');
  }
  if (!tokenRes.ok) throw new OAuthError(`token endpoint answered ${tokenRes.status}`);
  const tokenBody = (await tokenRes.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
  if (typeof tokenBody.access_token !== 'string' || tokenBody.access_token.length === 0) {
    // GitHub answers 200 with `{ error: 'bad_verification_code' }` and the like.
    throw new OAuthError(
      typeof tokenBody.error === 'string' ? tokenBody.error.slice(0, 60) : 'no access token',
    );
  }

  let userRes: Response;
  try {
    userRes = await fetchImpl(`${cfg.apiUrl}/user`, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${tokenBody.access_token}`,
        'user-agent': 'diffray',
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch {
    throw new OAuthError('user endpoint unreachable');
  }
  if (!userRes.ok) throw new OAuthError(`user endpoint answered ${userRes.status}`);
  const user = (await userRes.json().catch(() => ({}))) as { id?: unknown; login?: unknown; name?: unknown };
  if (typeof user.id !== 'number' || !Number.isSafeInteger(user.id) || typeof user.login !== 'string') {
    throw new OAuthError('unexpected user payload');
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-_]{0,38})$/.test(user.login)) throw new OAuthError('unexpected login');
  return {
    id: user.id,
    login: user.login,
    name: typeof user.name === 'string' && user.name.length > 0 ? user.name.slice(0, 200) : undefined,
  };
}
