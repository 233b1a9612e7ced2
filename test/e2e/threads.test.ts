/**
 * Threads follow the code, end to end with the bundled action: a push that fixes a finding replies in its
 * thread and resolves it (GraphQL `resolveReviewThread`, in the same mutation as the reply), unless a
 * person has replied there or the config says not to; a thread longer than a page of comments is read in
 * full, so a late `@diffray dismiss` counts; and with a personal access token diffray still knows its own
 * comments by their marker and the token's login.
 */
import { describe, expect, it } from 'vitest';
import { findingsFor } from '../fakes/anthropic.js';
import { isContentCreating, PAT_USER, type FakeGitHub } from '../fakes/github.js';
import { APP_BASE, APP_HEAD, CLAMP_SWAPPED, OFF_BY_ONE, startTwoFindingPr, UTIL_HEAD } from './fixtures.js';
import { OWNER, pushToPr, REPO, type StartPrOptions } from './harness.js';

const UTIL_FIXED =
  'export function clamp(n: number, lo: number, hi: number): number {\n  return Math.min(hi, Math.max(lo, n));\n}\n';

async function setup(opts: Partial<StartPrOptions> = {}) {
  const pr = await startTwoFindingPr(opts);
  return pr;
}

const threadOf = (github: FakeGitHub, path: string) =>
  github.reviewComments.find((c) => c.path === path && c.in_reply_to_id === undefined)!;

describe('a fixed finding', () => {
  it("has its thread replied to and resolved in one mutation, within the run's three writes", async () => {
    const { repo, github, anthropic, run } = await setup();
    expect((await run()).code).toBe(0);
    const util = threadOf(github, 'src/util.ts');
    const app = threadOf(github, 'src/app.ts');

    pushToPr(repo, { 'src/util.ts': UTIL_FIXED });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(() => ({ findings: [] }));
    const before = github.requests.length;
    const second = await run();

    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(github.repliesTo(util.id).map((c) => c.body)).toEqual([expect.stringContaining('Fixed in')]);
    expect([...github.resolvedByAction]).toEqual([util.id]);
    expect(github.resolvedByAction.has(app.id)).toBe(false);
    const writes = github.requests.slice(before).filter(isContentCreating);
    expect(writes.map((r) => r.path)).toEqual([`/repos/${OWNER}/${REPO}/check-runs`, '/graphql']);
    expect(String((writes[1]!.body as { query: string }).query)).toContain('resolveReviewThread');

    // The resolved thread of a fixed finding is housekeeping: a regression is raised again.
    pushToPr(repo, { 'src/util.ts': UTIL_HEAD });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor(CLAMP_SWAPPED));
    await run();
    const summary = github.issueComments[0]!.body;
    expect(summary).toMatch(/1 new · 1 still open · 0 fixed since/);
    expect(summary).not.toContain('dismissed');
  });

  it('keeps the thread open when a person replied in it, and when the config says not to resolve', async () => {
    for (const variant of ['replied', 'config'] as const) {
      const { repo, github, anthropic, run } = await setup(
        variant === 'config'
          ? { base: { 'src/app.ts': APP_BASE, '.diffray.yml': 'resolve-fixed-threads: false\n' } }
          : {},
      );
      expect((await run()).code).toBe(0);
      const util = threadOf(github, 'src/util.ts');
      if (variant === 'replied') github.replyAsUser(util.id, 'Good catch, fixing it.');

      pushToPr(repo, { 'src/util.ts': UTIL_FIXED });
      github.setHead(repo.headSha, repo.diff);
      anthropic.setScript(() => ({ findings: [] }));
      const second = await run();
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(github.repliesTo(util.id).filter((c) => c.body.includes('Fixed in'))).toHaveLength(1);
      expect(github.resolvedByAction.size).toBe(0);
      expect(github.resolvedThreads.has(util.id)).toBe(false);
    }
  });
});

describe('a long thread', () => {
  it('is read in full: a dismissal after 130 other comments still counts', async () => {
    const { repo, github, anthropic, run } = await setup();
    expect((await run()).code).toBe(0);
    const app = threadOf(github, 'src/app.ts');
    for (let i = 0; i < 130; i++) github.replyAsUser(app.id, `discussion ${i}`, i % 2 ? 'alice' : 'bob');
    github.replyAsUser(app.id, '@diffray dismiss agreed with the team: total is documented');

    pushToPr(repo, { 'src/app.ts': `// counts\n${APP_HEAD}` });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor({ ...OFF_BY_ONE, line: (OFF_BY_ONE.line as number) + 1 }));
    const second = await run();

    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(github.reviews).toHaveLength(1);
    const threadReads = github.requests.filter(
      (r) => r.path === '/graphql' && String((r.body as { query: string }).query).includes('node(id:'),
    );
    expect(threadReads.length).toBeGreaterThanOrEqual(1);
    const summary = github.issueComments[0]!.body;
    expect(summary).toContain('1 dismissed');
  });
});

describe('a dismiss reply read at the next push', () => {
  it("counts only from someone who may command diffray: not an outsider's, not the PR author's (nor their resolving it)", async () => {
    const { repo, github, anthropic, run } = await setup();
    expect((await run()).code).toBe(0);
    const app = threadOf(github, 'src/app.ts');
    github.replyAsUser(app.id, '@diffray dismiss spam', 'drive-by', { association: 'NONE' });
    // The PR's author may ask questions in diffray's threads, never dismiss (as with the command itself).
    github.replyAsUser(app.id, '@diffray dismiss not mine', 'octocat', { association: 'CONTRIBUTOR' });

    pushToPr(repo, { 'src/app.ts': `// counts\n${APP_HEAD}` });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor({ ...OFF_BY_ONE, line: (OFF_BY_ONE.line as number) + 1 }));
    const second = await run();

    expect(second.code, second.stdout + second.stderr).toBe(0);
    const threadQueries = github.requests.filter(
      (r) => r.path === '/graphql' && String((r.body as { query: string }).query).includes('reviewThreads'),
    );
    expect(String((threadQueries.at(-1)!.body as { query: string }).query)).toContain('authorAssociation');
    const summary = github.issueComments[0]!.body;
    expect(summary).not.toContain('dismissed');
    expect(summary).toMatch(/2 still open/);

    // The PR's author resolving the thread (GitHub lets them, without write access) dismisses nothing.
    github.resolveThread(app.id, 'octocat');
    pushToPr(repo, { 'src/app.ts': `// counts\n// still\n${APP_HEAD}` });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor({ ...OFF_BY_ONE, line: (OFF_BY_ONE.line as number) + 2 }));
    expect((await run()).code).toBe(0);
    expect(github.issueComments[0]!.body).not.toContain('dismissed');

    // A member's dismissal in the same thread counts at the push after it.
    github.replyAsUser(app.id, '@diffray dismiss documented behaviour', 'maintainer', {
      association: 'MEMBER',
    });
    pushToPr(repo, { 'src/app.ts': `// counts\n// still\n// twice\n${APP_HEAD}` });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor({ ...OFF_BY_ONE, line: (OFF_BY_ONE.line as number) + 3 }));
    expect((await run()).code).toBe(0);
    expect(github.issueComments[0]!.body).toContain('1 dismissed');
  });
});

describe('with a personal access token', () => {
  it("recognises diffray's own comments and threads by their marker and the token's login", async () => {
    const { repo, github, anthropic, run } = await setup({ github: { personalToken: true } });
    // The Checks API refuses a personal access token: the step fails, the review and summary are posted.
    await run();
    expect(github.reviewComments.every((c) => c.user.login === PAT_USER.login)).toBe(true);
    expect(github.reviews).toHaveLength(1);
    github.replyAsUser(threadOf(github, 'src/util.ts').id, '@diffray dismiss not in this PR');
    // Someone else copies a marker into their own comment: it is not diffray's.
    github.commentAsUser(`${github.issueComments[0]!.body}`, 'mallory', { association: 'NONE' });

    pushToPr(repo, { 'src/util.ts': `// clamps\n${UTIL_HEAD}` });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor({ ...CLAMP_SWAPPED, line: (CLAMP_SWAPPED.line as number) + 1 }));
    await run();

    // Nothing posted again: the earlier comments were recognised as diffray's, and the dismissal counted.
    expect(github.reviews).toHaveLength(1);
    const summary = github.issueComments.find((c) => c.user.login === PAT_USER.login)!.body;
    expect(summary).toContain('1 dismissed');
    expect(github.issueComments.find((c) => c.user.login === 'mallory')!.body).not.toContain('1 dismissed');
  });
});
