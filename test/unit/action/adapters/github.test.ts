/**
 * The GitHub port's batched writes against the fake GitHub over HTTP: check annotations in updates of at most
 * 50 (GitHub appends them), and the replies in fixed threads as one GraphQL mutation whose refused fields do
 * not stop the others. Also pins the fake to what GitHub refuses, since the e2e tests trust it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubPort } from '../../../../action/adapters/github.js';
import { createGitHubClient } from '../../../../action/adapters/github-client.js';
import { SUMMARY_MARKER } from '../../../../action/core/constants.js';
import { findingMarker } from '../../../../action/core/output/markers.js';
import { PermissionError, type GitHubPort } from '../../../../action/ports.js';
import type { CheckAnnotation } from '../../../../action/core/types.js';
import { isContentCreating, startFakeGitHub, threadNodeId, type FakeGitHub } from '../../../fakes/github.js';

const DIFF = [
  'diff --git a/src/a.ts b/src/a.ts',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,1 +1,4 @@',
  ' export const a = 1;',
  '+export const b = 2;',
  '+export const c = 3;',
  '+export const d = 4;',
  '',
].join('\n');
const PR = 7;
const log = { info: () => {}, warning: () => {}, debug: () => {} };

const fakes: FakeGitHub[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

async function setup(denied: ('checks' | 'pull-requests')[] = [], timeoutMs?: number) {
  const github = await startFakeGitHub({
    owner: 'acme',
    repo: 'widgets',
    pullNumber: PR,
    diff: DIFF,
    denied,
  });
  fakes.push(github);
  const client = createGitHubClient({
    token: 't',
    baseUrl: github.url,
    log,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  const port = createGitHubPort({ client, owner: 'acme', repo: 'widgets', log });
  return { github, client, port };
}

function annotation(line: number): CheckAnnotation {
  return {
    path: 'src/a.ts',
    start_line: line,
    end_line: line,
    annotation_level: 'notice',
    title: `n${line}`,
    message: 'm',
  };
}

/** Three findings posted inline by an earlier run: three threads, listed back with their node ids. */
async function postThreads(github: FakeGitHub, port: GitHubPort) {
  const comments = [2, 3, 4].map((line) => ({
    fingerprint: `fp${line}`,
    comment: {
      path: 'src/a.ts',
      line,
      side: 'RIGHT' as const,
      body: `finding\n\n${findingMarker(`${line}`.repeat(16))}`,
    },
  }));
  await port.createReview(PR, { commitId: 'h'.repeat(40), body: 'review', comments });
  const threads = await port.listReviewThreads(PR);
  expect(threads.map((t) => t.threadId)).toEqual(github.reviewComments.map((c) => threadNodeId(c.id)));
  return threads;
}

describe('completeCheckRun', () => {
  it('sends 120 annotations as updates of 50, 50 and 20, the first completing the check, all with its output', async () => {
    const { github, port } = await setup();
    const id = await port.createCheckRun('h'.repeat(40));
    const annotations = Array.from({ length: 120 }, (_, i) => annotation(i + 1));
    await port.completeCheckRun(id, {
      conclusion: 'failure',
      output: { title: 'T', summary: 'S', text: 'X' },
      annotations,
    });

    const updates = github.requests.filter((r) => r.method === 'PATCH');
    const bodies = updates.map((r) => r.body as { status?: string; output: { annotations: unknown[] } });
    expect(bodies.map((b) => b.output.annotations.length)).toEqual([50, 50, 20]);
    expect(bodies[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    for (const b of bodies) expect(b.output).toMatchObject({ title: 'T', summary: 'S', text: 'X' });
    expect(github.checkRuns[0]!.annotations).toEqual(annotations);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', output: { title: 'T', summary: 'S' } });
    expect(github.writes()).toHaveLength(1);
  });

  it('completes with no annotation in one update', async () => {
    const { github, port } = await setup();
    const id = await port.createCheckRun('h'.repeat(40));
    await port.completeCheckRun(id, {
      conclusion: 'success',
      output: { title: 'T', summary: 'S' },
      annotations: [],
    });
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });
});

describe('replyInThreads', () => {
  it('replies in every thread with one mutation request, in the order given', async () => {
    const { github, port } = await setup();
    const threads = await postThreads(github, port);
    const before = github.requests.length;

    const result = await port.replyInThreads(
      threads.map((t) => t.threadId),
      'Fixed in abc1234.',
    );

    expect(result).toEqual({ replied: threads.map((t) => t.threadId), failed: [] });
    const sent = github.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent.filter(isContentCreating)).toHaveLength(1);
    const firsts = github.reviewComments.filter((c) => c.in_reply_to_id === undefined);
    for (const first of firsts)
      expect(github.repliesTo(first.id).map((c) => c.body)).toEqual(['Fixed in abc1234.']);
    const replies = github.reviewComments.filter((c) => c.in_reply_to_id !== undefined);
    expect(replies.map((c) => c.in_reply_to_id)).toEqual(firsts.map((c) => c.id));
  });

  it('reports a thread deleted since it was listed and still replies in the others', async () => {
    const { github, port } = await setup();
    const threads = await postThreads(github, port);
    const deleted = github.reviewComments[1]!.id;
    github.deleteThreadBeforeNextMutation(deleted);

    const result = await port.replyInThreads(
      threads.map((t) => t.threadId),
      'Fixed.',
    );

    expect(result.replied).toEqual([threads[0]!.threadId, threads[2]!.threadId]);
    expect(result.failed).toEqual([
      {
        threadId: threadNodeId(deleted),
        reason: `Could not resolve to a node with the global id of '${threadNodeId(deleted)}'`,
      },
    ]);
  });

  it('counts the replies that ran when GitHub cuts the mutation short (HTTP 500), once, without a retry', async () => {
    const { github, port } = await setup();
    const threads = await postThreads(github, port);
    github.cutNextMutationAfter(1);
    const before = github.requests.length;

    const result = await port.replyInThreads(
      threads.map((t) => t.threadId),
      'Fixed.',
    );

    expect(github.requests.length - before).toBe(1);
    expect(result.replied).toEqual([threads[0]!.threadId]);
    expect(result.failed.map((f) => f.threadId)).toEqual([threads[1]!.threadId, threads[2]!.threadId]);
    const replies = github.reviewComments.filter((c) => c.in_reply_to_id !== undefined);
    expect(replies).toHaveLength(1);
  });

  it('sends nothing for no thread', async () => {
    const { github, port } = await setup();
    expect(await port.replyInThreads([], 'Fixed.')).toEqual({ replied: [], failed: [] });
    expect(github.requests).toHaveLength(0);
  });

  it('names the missing permission when GitHub refuses every reply for it', async () => {
    const { port } = await setup(['pull-requests']);
    await expect(port.replyInThreads([threadNodeId(1), threadNodeId(2)], 'Fixed.')).rejects.toBeInstanceOf(
      PermissionError,
    );
  });
});

describe('upsertSummaryComment', () => {
  const bot = { login: 'github-actions[bot]', type: 'Bot' as const };
  const summary = (id: number, text: string) => ({ id, body: `${SUMMARY_MARKER}\n${text}`, user: bot });

  it('updates the oldest summary and deletes the duplicates overlapping runs left', async () => {
    const { github, port } = await setup();
    github.issueComments.push(summary(1, 'first'), summary(2, 'raced'), summary(3, 'raced again'));
    const existing = await port.listExistingFindingMarkers(PR);
    expect(existing.summary).toMatchObject({ id: 1, duplicates: [2, 3] });
    await port.upsertSummaryComment(PR, `${SUMMARY_MARKER}\nnow`, existing.summary);

    expect(github.issueComments.map((c) => [c.id, c.body.split('\n')[1]])).toEqual([[1, 'now']]);
    expect(github.writes()).toHaveLength(0);
  });

  it('looks again before creating one: a summary another run created meanwhile is updated, not doubled', async () => {
    const { github, port } = await setup();
    const existing = await port.listExistingFindingMarkers(PR);
    expect(existing.summary).toBeUndefined();
    github.issueComments.push(summary(5, 'created by a concurrent run'));
    await port.upsertSummaryComment(PR, `${SUMMARY_MARKER}\nthis run`, existing.summary);

    expect(github.issueComments.map((c) => [c.id, c.body.split('\n')[1]])).toEqual([[5, 'this run']]);
    expect(github.writes()).toHaveLength(0);
  });

  it('creates the summary anew when the one found was deleted since, and still deletes its duplicates', async () => {
    const { github, port } = await setup();
    github.issueComments.push(summary(1, 'first'), summary(2, 'raced'));
    const existing = await port.listExistingFindingMarkers(PR);
    github.issueComments.splice(0, 1);
    await port.upsertSummaryComment(PR, `${SUMMARY_MARKER}\nthis run`, existing.summary);

    expect(github.issueComments.map((c) => c.body.split('\n')[1])).toEqual(['this run']);
    expect(github.writes()).toHaveLength(1);
  });
});

describe('a request GitHub never answers', () => {
  it('is abandoned after the time limit and retried, instead of holding the job', async () => {
    const { github, port } = await setup([], 300);
    github.hangOnce('POST', /\/check-runs$/);
    const id = await port.createCheckRun('a'.repeat(40));

    expect(github.checkRuns.map((r) => r.id)).toEqual([id]);
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});

describe('currentHead', () => {
  it("reads the PR's head as GitHub has it now, and follows a push", async () => {
    const { github, port } = await setup();
    github.setHead('a'.repeat(40), DIFF);
    expect(await port.currentHead(PR)).toBe('a'.repeat(40));
    github.setHead('b'.repeat(40), DIFF);
    expect(await port.currentHead(PR)).toBe('b'.repeat(40));
  });

  it('rejects when GitHub does not answer it (the engine then goes on as if the head had not moved)', async () => {
    const { port } = await setup();
    await expect(port.currentHead(PR)).rejects.toThrow();
  });
});

describe('the fake GitHub refuses what GitHub refuses', () => {
  it('51 annotations in one check-run update (422)', async () => {
    const { client, port } = await setup();
    const id = await port.createCheckRun('h'.repeat(40));
    await expect(
      client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        owner: 'acme',
        repo: 'widgets',
        check_run_id: id,
        output: {
          title: 'T',
          summary: 'S',
          annotations: Array.from({ length: 51 }, (_, i) => annotation(i + 1)),
        },
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('an output without its summary (422)', async () => {
    const { client, port } = await setup();
    const id = await port.createCheckRun('h'.repeat(40));
    // Octokit's types require the summary too: the route is given untyped to send what they would refuse.
    const route: string = `PATCH /repos/acme/widgets/check-runs/${id}`;
    await expect(
      client.request(route, { output: { title: 'T', annotations: [annotation(2)] } }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it.each([
    [
      'another mutation',
      'mutation ($t: ID!) { r0: minimizeComment(input: { subjectId: $t }) { minimizedComment { isMinimized } } }',
    ],
    [
      'a reply without its body',
      'mutation ($t: ID!) { r0: addPullRequestReviewThreadReply(input: { pullRequestReviewThreadId: $t }) { comment { id } } }',
    ],
    [
      'an unknown input field',
      'mutation ($t: ID!) { r0: addPullRequestReviewThreadReply(input: { pullRequestReviewThreadId: $t, body: "x", inReplyTo: $t }) { comment { id } } }',
    ],
    [
      'an unset variable',
      'mutation ($t: ID!, $b: String!) { r0: addPullRequestReviewThreadReply(input: { pullRequestReviewThreadId: $t, body: $b }) { comment { id } } }',
    ],
  ])('a mutation document with %s, as a whole (data null)', async (_name, document) => {
    const { github, client, port } = await setup();
    const [thread] = await postThreads(github, port);
    const error = await client.graphql(document, { t: thread!.threadId }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'GraphqlResponseError', data: null });
    expect(github.reviewComments.filter((c) => c.in_reply_to_id !== undefined)).toHaveLength(0);
  });

  it('classifies a GraphQL query as a read and a mutation as content-creating', () => {
    const post = (query: string) => ({
      method: 'POST',
      path: '/graphql',
      query: new URLSearchParams(),
      body: { query },
    });
    expect(isContentCreating(post('query ($pr: Int!) { repository { id } }'))).toBe(false);
    expect(isContentCreating(post('{ viewer { login } }'))).toBe(false);
    expect(isContentCreating(post('# replies\n  mutation ($b: String!) { r0: x }'))).toBe(true);
  });
});
