/**
 * A private repository checked out with `persist-credentials: false` (the README's workflow): the checkout
 * holds no credentials, so the base commit can only be fetched with the action's own token. The origin here
 * is a git smart-HTTP server that, like GitHub for a private repository, answers 401 without the token.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FakeGitHttp } from '../fakes/git-http.js';
import { RUNNER_INPUTS } from '../support/action-inputs.js';
import { git } from '../support/git.js';
import { startTwoFindingPr } from './fixtures.js';

const TOKEN = RUNNER_INPUTS['github-token'];

async function privateOrigin() {
  const pr = await startTwoFindingPr();
  const server = await new FakeGitHttp(dirname(pr.repo.origin), TOKEN).start();
  onTestFinished(() => server.close());
  git(pr.repo.workspace, 'remote', 'set-url', 'origin', `${server.url}/${basename(pr.repo.origin)}`);
  // Like a checkout with persist-credentials: false, the workspace holds no credentials.
  expect(readFileSync(join(pr.repo.workspace, '.git/config'), 'utf8')).not.toMatch(/extraheader|token/i);
  return { ...pr, server };
}

describe('fetching from a private repository', () => {
  it('authenticates its fetch with the github-token, sent only to the GitHub server', async () => {
    const { server, github, run } = await privateOrigin();
    const result = await run({ env: { GITHUB_SERVER_URL: server.url } });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(github.reviewComments).toHaveLength(2);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.authorization !== undefined)).toBe(true);
    // Neither the token nor its encoded header reaches the log (the runner's own mask command aside).
    const log = (result.stdout + result.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
  });

  it('sends the token to no other host: a git server that is not GITHUB_SERVER_URL gets none', async () => {
    const { server, github, run } = await privateOrigin();
    const result = await run({ env: { GITHUB_SERVER_URL: 'https://github.com' } });

    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.map((r) => r.authorization)).toEqual(server.requests.map(() => undefined));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/could not be fetched from origin/);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
  });
});
