/**
 * How the bundled action handles a model that fails, against the fake Anthropic. The PR changes one code
 * file and one doc, so it is two requests: `c1` (src/app.ts, the configured model, sent first and alone)
 * and `tc1` (docs/guide.md, the cheap triage model). That shows both what a failure does to its own request
 * and whether the other one is still sent.
 *
 * A 429 with retry-after and a 529 recovering through the SDK's retries: test/e2e/action.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/index.js';
import { findingsFor, userText, type FakeReply, type MessagesRequest } from '../fakes/anthropic.js';
import type { FakeGitHub } from '../fakes/github.js';
import { APP_HEAD, CLAMP_SWAPPED, OFF_BY_ONE, startTwoFindingPr } from './fixtures.js';

const CONFIGURED_MODEL = 'claude-sonnet-4-5';

/** Answers the code request with `answer`, the doc request with no findings. */
function startCodeAndDocPr(answer: (request: MessagesRequest) => FakeReply) {
  return startTwoFindingPr({
    base: { 'src/app.ts': '', 'docs/guide.md': '# Guide\n' },
    head: { 'src/app.ts': APP_HEAD, 'docs/guide.md': '# Guide\n\nParsing trims each part.\n' },
    script: (request) => (request.model === CONFIGURED_MODEL ? answer(request) : { findings: [] }),
  });
}

function summaryOf(github: FakeGitHub): string {
  expect(github.issueComments).toHaveLength(1);
  return github.issueComments[0]!.body;
}

/** The summary's "Failed requests" entries of the two chunks these PRs make (`c1`, and `tc1` for the doc). */
function failedRequestLines(summary: string): string[] {
  return summary.split('\n').filter((l) => /^- `t?c1` /.test(l));
}

/** Tool input that is no findings list at all (a model that misread the tool). */
const MALFORMED: FakeReply = { toolInput: { issues: [{ path: 'src/app.ts', severity: 'urgent' }] } };

/** The retry carries the rejected call and the schema error back as an error tool result. */
const isCorrection = (request: MessagesRequest) => request.messages.length > 1;

describe('a model that answers with malformed findings', () => {
  it('is asked once more, then the request is reported as failed, never as no findings', async () => {
    const { github, anthropic, run } = await startCodeAndDocPr(() => MALFORMED);
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const code = anthropic.reviewRequests().filter((r) => r.body.model === CONFIGURED_MODEL);
    expect(code).toHaveLength(2);
    expect(JSON.stringify(code[1]!.body.messages.at(-1))).toMatch(
      /"is_error":true.*invalid tool input at findings/,
    );
    // A malformed answer is not fatal: the other request is still sent.
    expect(anthropic.reviewRequests()).toHaveLength(3);

    const summary = summaryOf(github);
    expect(summary).toContain('### Failed requests (1)');
    expect(summary).toContain("- `c1` (1 file): the model's findings were malformed twice");
    expect(summary).toMatch(
      /\*\*request-failed\*\* \(1\): `src\/app\.ts \(the model's findings were malformed twice/,
    );
    expect(summary).not.toContain('Fallback model');
    expect(result.jobSummary).toContain('**request-failed** (1): `src/app.ts');
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(github.checkRuns[0]!.output?.title).toContain('1 of 2 review requests failed');
    expect(result.outputs).toMatchObject({ conclusion: 'neutral', 'findings-count': '0' });
  });

  it('uses the findings of a valid second answer', async () => {
    const valid = findingsFor(OFF_BY_ONE);
    const { github, anthropic, run } = await startCodeAndDocPr((request) =>
      isCorrection(request) ? valid(request, 0) : MALFORMED,
    );
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(anthropic.reviewRequests().filter((r) => r.body.model === CONFIGURED_MODEL)).toHaveLength(2);
    expect(github.reviewComments.map((c) => `${c.path}:${c.line}`)).toEqual([
      `src/app.ts:${OFF_BY_ONE.line}`,
    ]);
    const summary = summaryOf(github);
    expect(summary).not.toContain('Failed requests');
    expect(summary).not.toContain('Fallback model');
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(result.outputs).toMatchObject({ conclusion: 'failure', 'findings-count': '1' });
  });
});

describe('a model answer with one bad finding among good ones', () => {
  it('keeps the good findings, cuts the oversize one to the limit, drops the unusable one, and says so', async () => {
    // A prompt-injected model can write a body far over the limit; before, that failed the whole answer.
    const oversize = { ...OFF_BY_ONE, body: `Overlong. ${'x'.repeat(50_000)}` };
    const { github, anthropic, run } = await startTwoFindingPr({
      script: (request) => ({
        findings: userText(request).includes('## src/app.ts')
          ? [oversize, { ...OFF_BY_ONE, line: 0, title: 'No usable line' }, CLAMP_SWAPPED]
          : [],
      }),
    });
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    // One answer, no correction request.
    expect(anthropic.reviewRequests()).toHaveLength(1);
    expect(github.reviewComments.map((c) => `${c.path}:${c.line}`).sort()).toEqual([
      `src/app.ts:${OFF_BY_ONE.line}`,
      `src/util.ts:${CLAMP_SWAPPED.line}`,
    ]);
    const cut = github.reviewComments.find((c) => c.path === 'src/app.ts')!;
    expect(cut.body).toContain('Overlong. xxx');
    expect(cut.body).not.toContain('x'.repeat(LIMITS.findingBodyChars));
    const note = "1 finding dropped from the model's answers (no valid line); 1 finding kept after a repair";
    expect(summaryOf(github)).toContain(note);
    expect(summaryOf(github)).not.toContain('Failed requests');
    expect(github.checkRuns[0]!.output?.summary).toContain(note);
    expect(result.stdout).toMatch(/::warning::Request c1: 1 finding dropped from the model's answers/);
    expect(result.outputs).toMatchObject({ conclusion: 'failure', 'findings-count': '2' });
  });
});

describe('errors the model API answers with', () => {
  it.each([
    {
      what: 'a spend-cap 429 (no retry-after)',
      reply: { status: 429 } as FakeReply,
      error: /Anthropic API HTTP 429, rate_limit_error, request id \S+: spend or quota limit reached/,
    },
    {
      what: 'a 401',
      reply: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
      error: /Anthropic API HTTP 401, authentication_error, request id \S+: check anthropic-api-key/,
    },
  ])(
    'are not retried after $what, no later request is sent, and the step fails',
    async ({ reply, error }) => {
      const { github, anthropic, run } = await startCodeAndDocPr(() => reply);
      const result = await run();

      // Everything is posted first; then the step fails, naming the cause, so a bad key is not a grey check
      // nobody looks at.
      expect(result.code, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`::error::The review could not run: ${error.source}`));
      // The PR-wide overview of this split PR (2 requests) went first, to the cheap model.
      expect(anthropic.textRequests()).toHaveLength(1);
      expect(anthropic.reviewRequests()).toHaveLength(1);
      const summary = summaryOf(github);
      expect(summary).toContain('### Failed requests (2)');
      const failed = failedRequestLines(summary);
      expect(failed).toHaveLength(2);
      expect(failed[0]).toMatch(/^- `c1` \(1 file\): /);
      expect(failed[0]).toMatch(error);
      expect(failed[1]).toMatch(/^- `tc1` \(1 file\): not sent: /);
      expect(failed[1]).toMatch(error);
      expect(summary).not.toContain('sk-ant-');
      expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
      expect(github.checkRuns[0]!.output?.title).toContain('2 of 2 review requests failed');
      expect(result.outputs).toMatchObject({ conclusion: 'neutral', 'findings-count': '0' });
    },
  );
  it("stop only the refused model after a 403: the other model's request is still sent, the step fails", async () => {
    const { github, anthropic, run } = await startCodeAndDocPr(() => ({
      status: 403,
      type: 'permission_error',
      message: 'not allowed',
    }));
    const result = await run();

    expect(anthropic.reviewRequests()).toHaveLength(2);
    const failed = failedRequestLines(summaryOf(github));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^- `c1` \(1 file\): Anthropic API HTTP 403, permission_error, .*may not use this model/,
    );
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::The review could not run: Anthropic API HTTP 403/);
  });

  it('fail only their own request after a 400 (a bad or too large request): the rest is reviewed, the step passes', async () => {
    const { github, anthropic, run } = await startCodeAndDocPr(() => ({
      status: 400,
      type: 'invalid_request_error',
      message: 'prompt is too long',
    }));
    const result = await run();

    expect(anthropic.reviewRequests()).toHaveLength(2);
    const summary = summaryOf(github);
    expect(summary).toContain('### Failed requests (1)');
    expect(summary).toMatch(/- `c1` \(1 file\): Anthropic API HTTP 400, invalid_request_error/);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/::error::/);
  });
});
