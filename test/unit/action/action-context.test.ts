import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseEventContext,
  readActionContext,
  reviewEvent,
  secretlessReason,
  type PullRequestContext,
} from '../../../action/context.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);

function prPayload(overrides: { headRepo?: string | null; draft?: boolean; body?: string | null } = {}) {
  return {
    pull_request: {
      number: 12,
      title: 'Fix parser',
      body: overrides.body === undefined ? 'Body text' : overrides.body,
      html_url: 'https://github.com/acme/widgets/pull/12',
      draft: overrides.draft ?? false,
      user: { login: 'octocat' },
      base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/widgets' } },
      head: {
        sha: HEAD,
        ref: 'fix',
        repo: overrides.headRepo === null ? null : { full_name: overrides.headRepo ?? 'acme/widgets' },
      },
    },
    repository: { full_name: 'acme/widgets' },
    action: 'synchronize',
  };
}

describe('parseEventContext', () => {
  it('reads a pull_request event into the PR context', () => {
    expect(parseEventContext('pull_request', prPayload(), 'acme/widgets')).toEqual({
      kind: 'pull_request',
      repository: 'acme/widgets',
      owner: 'acme',
      repo: 'widgets',
      number: 12,
      title: 'Fix parser',
      body: 'Body text',
      htmlUrl: 'https://github.com/acme/widgets/pull/12',
      draft: false,
      fork: false,
      sender: '',
      author: 'octocat',
      action: 'synchronize',
      base: { sha: BASE, ref: 'main', repository: 'acme/widgets' },
      head: { sha: HEAD, ref: 'fix', repository: 'acme/widgets' },
    });
  });

  it('names what started the run: a push, a re-run of the workflow, another activity', () => {
    const pr = parseEventContext('pull_request', prPayload(), 'acme/widgets');
    if (pr.kind !== 'pull_request') throw new Error('unexpected');
    expect(reviewEvent(pr, '1')).toBe('push');
    expect(reviewEvent(pr, undefined)).toBe('push');
    expect(reviewEvent(pr, '2')).toBe('re-run');
    expect(reviewEvent({ ...pr, action: 'edited' }, '1')).toBe('other');
  });

  it('keeps pull_request_target apart from pull_request', () => {
    expect(parseEventContext('pull_request_target', prPayload(), 'acme/widgets').kind).toBe(
      'pull_request_target',
    );
  });

  it('marks a PR from another repository as a fork', () => {
    const ctx = parseEventContext('pull_request', prPayload({ headRepo: 'someone/widgets' }), 'acme/widgets');
    expect(ctx.kind === 'pull_request' && ctx.fork).toBe(true);
  });

  it('treats a PR whose head repository was deleted as a fork', () => {
    const ctx = parseEventContext('pull_request', prPayload({ headRepo: null }), 'acme/widgets');
    expect(ctx.kind === 'pull_request' && ctx.fork).toBe(true);
  });

  it('reads draft and an empty body', () => {
    const ctx = parseEventContext('pull_request', prPayload({ draft: true, body: null }), 'acme/widgets');
    expect(ctx).toMatchObject({ draft: true, body: '' });
  });

  it.each(['push', 'workflow_dispatch', ''])('calls the %s event unsupported', (event) => {
    expect(parseEventContext(event, {}, 'acme/widgets')).toMatchObject({
      kind: 'unsupported',
      eventName: event,
    });
  });

  it("names a merge queue group's head commit as needing a skipped check, and nothing when it has none", () => {
    const group = { merge_group: { head_sha: HEAD.toUpperCase(), head_ref: 'gh-readonly-queue/main/pr-12' } };
    expect(parseEventContext('merge_group', group, 'acme/widgets')).toMatchObject({
      kind: 'unsupported',
      eventName: 'merge_group',
      skippedCheckSha: HEAD,
    });
    const broken = parseEventContext('merge_group', { merge_group: {} }, 'acme/widgets');
    expect(broken.kind).toBe('unsupported');
    expect(broken).not.toHaveProperty('skippedCheckSha');
  });

  it('rejects a pull_request payload without shas, naming the field', () => {
    const payload = prPayload();
    (payload.pull_request.head as { sha?: string }).sha = 'main';
    expect(() => parseEventContext('pull_request', payload, 'acme/widgets')).toThrow(
      /pull_request\.head\.sha/,
    );
  });
});

describe('readActionContext', () => {
  it('reads the event file named by GITHUB_EVENT_PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffray-ctx-'));
    const path = join(dir, 'event.json');
    writeFileSync(path, JSON.stringify(prPayload()));
    const ctx = readActionContext({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path,
      GITHUB_REPOSITORY: 'acme/widgets',
    });
    expect(ctx).toMatchObject({ kind: 'pull_request', number: 12 });
  });

  it('does not need an event file for unsupported events', () => {
    expect(readActionContext({ GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'acme/widgets' }).kind).toBe(
      'unsupported',
    );
  });
});

describe('secretlessReason', () => {
  const context = (event: string, payload: object) =>
    parseEventContext(event, payload, 'acme/widgets') as PullRequestContext;
  const byDependabot = { ...prPayload(), sender: { login: 'dependabot[bot]' } };

  it('names the fork or Dependabot as why a pull_request run has no secrets', () => {
    expect(secretlessReason(context('pull_request', prPayload({ headRepo: 'someone/widgets' })))).toMatch(
      /comes from a fork/,
    );
    expect(context('pull_request', byDependabot).sender).toBe('dependabot[bot]');
    expect(secretlessReason(context('pull_request', byDependabot))).toMatch(
      /triggered by Dependabot.*add ANTHROPIC_API_KEY to the Dependabot secrets/,
    );
  });

  it('has no reason where GitHub gives the secrets: a same-repository PR by a person, any pull_request_target', () => {
    expect(secretlessReason(context('pull_request', { ...prPayload(), sender: { login: 'octocat' } }))).toBe(
      undefined,
    );
    expect(secretlessReason(context('pull_request_target', byDependabot))).toBeUndefined();
    expect(
      secretlessReason(context('pull_request_target', prPayload({ headRepo: 'someone/widgets' }))),
    ).toBeUndefined();
  });
});
