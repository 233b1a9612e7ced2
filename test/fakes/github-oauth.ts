/**
 * A fake GitHub for the page's OAuth sign-in, over real HTTP: the token endpoint checks client credentials,
 * the code (single use), the redirect URI and the PKCE verifier against the challenge the code was issued
 * for; `/api/v3/user` answers for the token it handed out (the GHES layout, since the base URL is not
 * github.com). `/login/oauth/authorize` approves at once as the user set by `signInAs` (what a browser sees
 * when the person clicks "Authorize").
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, readBody } from './server.js';

export interface GitHubIdentity {
  id: number;
  login: string;
}

export class FakeGitHubOAuth extends FakeServer {
  readonly clientId = 'Iv1.fakeclient';
  readonly clientSecret = 'fake-client-secret';
  private codes = new Map<string, { challenge: string; redirectUri: string; user: GitHubIdentity }>();
  private tokens = new Map<string, GitHubIdentity>();
  private browserUser: GitHubIdentity | undefined;
  tokenRequests = 0;

  /** The OAuth settings of an app that signs in through this fake. */
  get oauthConfig() {
    return { githubUrl: this.url, githubOAuth: { clientId: this.clientId, clientSecret: this.clientSecret } };
  }

  /** Who approves the next visits of `/login/oauth/authorize` in a browser. */
  signInAs(user: GitHubIdentity): void {
    this.browserUser = user;
  }

  /** What GitHub does when the user approves on /login/oauth/authorize: a code bound to the challenge. */
  approve(
    authorizeLocation: string,
    user: GitHubIdentity,
    challenge?: string,
  ): { code: string; state: string } {
    const url = new URL(authorizeLocation);
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, {
      challenge: challenge ?? url.searchParams.get('code_challenge')!,
      redirectUri: url.searchParams.get('redirect_uri')!,
      user,
    });
    return { code, state: url.searchParams.get('state')! };
  }

  protected async handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.method === 'GET' && req.url?.startsWith('/login/oauth/authorize') && this.browserUser) {
      const location = new URL(req.url, this.url).toString();
      const { code, state } = this.approve(location, this.browserUser);
      const back = new URL(new URL(location).searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', state);
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (req.method === 'POST' && req.url === '/login/oauth/access_token') {
      this.tokenRequests += 1;
      const form = new URLSearchParams(body);
      if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
        return json(200, { error: 'incorrect_client_credentials' });
      }
      const grant = this.codes.get(form.get('code') ?? '');
      if (!grant) return json(200, { error: 'bad_verification_code' });
      this.codes.delete(form.get('code')!);
      if (form.get('redirect_uri') !== grant.redirectUri)
        return json(200, { error: 'redirect_uri_mismatch' });
      const verifier = form.get('code_verifier') ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      if (computed !== grant.challenge)
        return json(200, { error: 'invalid_grant', error_description: 'PKCE' });
      const token = `gho_${randomBytes(12).toString('hex')}`;
      this.tokens.set(token, grant.user);
      return json(200, { access_token: token, token_type: 'bearer', scope: '' });
    }
    if (req.method === 'GET' && req.url === '/api/v3/user') {
      const user = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!user) return json(401, { message: 'Bad credentials' });
      return json(200, { id: user.id, login: user.login, name: 'The Octocat' });
    }
    json(404, { message: 'Not Found' });
  }
}
