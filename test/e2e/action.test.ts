import { describe, expect, it } from 'vitest';
import { findingsFor, modelFinding, userText } from '../fakes/anthropic.js';
import { isContentCreating } from '../fakes/github.js';
import { APP_HEAD, CLAMP_SWAPPED, OFF_BY_ONE, startTwoFindingPr } from './fixtures.js';
import { OWNER, PR_NUMBER, pullRequestEvent, REPO } from './harness.js';

describe('the bundled action on a pull_request event', () => {
  it('reviews a small PR from a depth-1 checkout in one model call and posts review, summary and check', async () => {
    const { repo, github, anthropic, run } = await startTwoFindingPr();
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(anthropic.reviewRequests()).toHaveLength(1);
    const request = anthropic.reviewRequests()[0]!.body;
    expect(request.tool_choice).toEqual({ type: 'tool', name: request.tools[0]!.name });
    expect(request.system[0]!.cache_control).toEqual({ type: 'ephemeral' });

    expect(github.reviews).toHaveLength(1);
    expect(github.reviews[0]!.event).toBe('COMMENT');
    expect(github.reviews[0]!.commit_id).toBe(repo.headSha);
    const placed = github.reviewComments.map((c) => `${c.path}:${c.line}`).sort();
    expect(placed).toEqual([`src/app.ts:${OFF_BY_ONE.line}`, `src/util.ts:${CLAMP_SWAPPED.line}`]);

    expect(github.issueComments).toHaveLength(1);
    expect(github.issueComments[0]!.body).toContain('<!-- diffray:summary -->');
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({
      name: 'diffray',
      head_sha: repo.headSha,
      status: 'completed',
      conclusion: 'failure',
      // "Details" on the check leads to this workflow run's log (GITHUB_RUN_ID 1 in the harness).
      details_url: `https://github.com/${OWNER}/${REPO}/actions/runs/1`,
      external_id: '1',
    });
    expect(github.checkRuns[0]!.annotations).toHaveLength(2);

    expect(github.writes().length).toBeLessThanOrEqual(3);
    expect(result.outputs).toMatchObject({ 'findings-count': '2', conclusion: 'failure', 'results-url': '' });
    expect(result.jobSummary).toContain('Off-by-one in count');
  });

  it('splits a large PR into several model requests and reviews every file', async () => {
    const big = (i: number) =>
      Array.from(
        { length: 1500 },
        (_, n) => `export const value_${i}_${n} = compute(${n}, "${'x'.repeat(40)}");`,
      ).join('\n') + '\n';
    const head = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`src/gen/mod${i}.ts`, big(i)]));
    const { github, anthropic, run } = await startTwoFindingPr({
      head,
      script: findingsFor(
        modelFinding({ path: 'src/gen/mod3.ts', line: 10, severity: 'low', title: 'Magic number' }),
      ),
    });
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(anthropic.requests.length).toBeGreaterThan(1);
    for (let i = 0; i < 8; i++) {
      expect(anthropic.requests.some((r) => userText(r.body).includes(`src/gen/mod${i}.ts`))).toBe(true);
    }
    expect(github.reviewComments.map((c) => `${c.path}:${c.line}`)).toEqual(['src/gen/mod3.ts:10']);
    expect(result.outputs.conclusion).toBe('success');
  });

  it('annotates every one of 60 findings in batches of at most 50, the first completing the check', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => `export const limit${i} = ${i * 7};`);
    const findings = lines.map((text, i) =>
      modelFinding({
        path: 'src/limits.ts',
        line: i + 1,
        severity: i % 2 === 0 ? 'medium' : 'low',
        title: `Magic number ${i}`,
        quote: text,
      }),
    );
    const { github, run } = await startTwoFindingPr({
      head: { 'src/limits.ts': `${lines.join('\n')}\n` },
      script: findingsFor(...findings),
    });
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const check = github.checkRuns[0]!;
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(check.annotations).toHaveLength(60);
    const annotated = (check.annotations as { start_line: number }[]).map((a) => a.start_line);
    expect(new Set(annotated)).toEqual(new Set(findings.map((f) => f.line)));

    const updates = github.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/check-runs/'));
    const sent = updates.map((r) => r.body as { status?: string; output: { annotations: unknown[] } });
    expect(sent.map((b) => b.output.annotations.length)).toEqual([50, 10]);
    expect(sent[0]!.status).toBe('completed');
    const { annotations: _first, ...output } = sent[0]!.output;
    expect(sent[1]!.output).toMatchObject(output);
    expect(check.output).toMatchObject(output);
    // Inline comments stay at max-comments (20); the updates add no content-creating request.
    expect(github.reviewComments).toHaveLength(20);
    expect(github.writes().map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/check-runs`,
      `/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}/reviews`,
      `/repos/${OWNER}/${REPO}/issues/${PR_NUMBER}/comments`,
    ]);
  });

  it('recovers from a 429 with retry-after, a 529, a GitHub secondary rate limit and one rejected comment', async () => {
    const rejected = { path: 'src/util.ts', line: CLAMP_SWAPPED.line as number };
    const findings = findingsFor(OFF_BY_ONE, CLAMP_SWAPPED);
    const { github, anthropic, run } = await startTwoFindingPr({
      github: { rejectLines: [rejected] },
      script: (req, n) =>
        n === 0 ? { status: 429, retryAfter: 1 } : n === 1 ? { status: 529 } : findings(req, n),
    });
    github.secondaryRateLimitOnce('POST', /\/issues\/\d+\/comments$/, 1);
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(anthropic.reviewRequests()).toHaveLength(3);
    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments.map((c) => c.path)).toEqual(['src/app.ts']);
    expect(github.issueComments).toHaveLength(1);
    const summary = github.issueComments[0]!.body;
    expect(summary).toContain('clamp arguments swapped');
    expect(github.checkRuns[0]!.status).toBe('completed');
  });

  it('skips a fork PR without the Anthropic key: a notice, exit 0, a neutral check, no model call', async () => {
    const { repo, github, anthropic, run } = await startTwoFindingPr();
    const result = await run({
      inputs: { 'anthropic-api-key': '' },
      event: pullRequestEvent(repo, { fork: true }),
    });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/::notice.*fork/);
    expect(anthropic.requests).toHaveLength(0);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(result.outputs.conclusion).toBe('neutral');
    expect(result.jobSummary).toContain('fork');
    expect(github.reviews).toHaveLength(0);
  });

  it('skips a Dependabot run without the Anthropic key the same way, saying where the key goes', async () => {
    const { repo, github, anthropic, run } = await startTwoFindingPr();
    const result = await run({
      inputs: { 'anthropic-api-key': '' },
      event: pullRequestEvent(repo, { sender: 'dependabot[bot]' }),
    });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/::notice.*Dependabot.*Dependabot secrets/);
    expect(anthropic.requests).toHaveLength(0);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(github.checkRuns[0]!.output?.title).toBe('Not reviewed: Dependabot run without the Anthropic key');
  });

  it('fails the step when a same-repository PR by a person has no Anthropic key (the workflow is wrong)', async () => {
    const { anthropic, run } = await startTwoFindingPr();
    const result = await run({ inputs: { 'anthropic-api-key': '' } });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::anthropic-api-key is required/);
    expect(anthropic.requests).toHaveLength(0);
  });

  it('posts nothing new on a second run on the same head and updates the summary in place', async () => {
    const { github, run } = await startTwoFindingPr();
    const first = await run();
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const summaryId = github.issueComments[0]!.id;
    const requestsBefore = github.requests.length;

    const second = await run();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments).toHaveLength(2);
    expect(github.issueComments).toHaveLength(1);
    const secondRun = github.requests.slice(requestsBefore);
    expect(
      secondRun.some((r) => r.method === 'PATCH' && r.path.endsWith(`/issues/comments/${summaryId}`)),
    ).toBe(true);
    expect(secondRun.filter(isContentCreating).map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/check-runs`,
    ]);
    expect(second.outputs['findings-count']).toBe('2');
  });

  it('keeps a planted AWS key from the model and both the key and a canary out of the logs, even in debug', async () => {
    const awsKey = 'AKIA' + 'Q3EGRJ7PLMX2VB5N';
    const canary = 'CANARY_' + 'b81f0c9e4d2a47f6';
    const head = {
      'src/app.ts': APP_HEAD,
      'src/config.ts': [
        `export const AWS_ACCESS_KEY_ID = "${awsKey}";`,
        `export const label = "${canary}";`,
        'export const region = "eu-west-1";',
        '',
      ].join('\n'),
    };
    const { github, anthropic, run } = await startTwoFindingPr({
      head,
      script: findingsFor(
        modelFinding({
          path: 'src/config.ts',
          line: 2,
          title: 'Label constant',
          body: `The label ${canary} is unused.`,
        }),
      ),
    });
    const result = await run({
      env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' },
    });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(anthropic.requests.length).toBeGreaterThan(0);
    expect(anthropic.allSentText()).not.toContain(awsKey);
    expect(anthropic.allSentText()).toContain(canary);
    const logs = result.stdout + result.stderr;
    expect(logs).not.toContain(awsKey);
    expect(logs).not.toContain(canary);
    const secretComment = github.reviewComments.find((c) => c.path === 'src/config.ts' && c.line === 1);
    expect(secretComment?.body).toMatch(/secret/i);
    expect(JSON.stringify(github.requests.map((r) => r.body))).not.toContain(awsKey);
  });

  it('names the missing checks permission, fails the step, and still posts the review and summary', async () => {
    const { github, run } = await startTwoFindingPr({ github: { denied: ['checks'] } });
    const result = await run();

    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('checks: write');
    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments).toHaveLength(1);
  });

  it('says a personal access token cannot write the check, fails the step, and still posts the review', async () => {
    const { github, run } = await startTwoFindingPr({ github: { personalToken: true } });
    const result = await run();

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /only a GitHub App's token may write check runs, and github-token holds another kind \(a personal access token\?\)/,
    );
    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments).toHaveLength(1);
  });

  it("on pull_request_target, reviews and warns when the job has the PR's code checked out", async () => {
    const { repo, github, run } = await startTwoFindingPr();
    // The workspace holds the PR's head: a workflow that checked out the head in a privileged job.
    const risky = await run({ eventName: 'pull_request_target', env: { GITHUB_SHA: repo.baseSha } });

    expect(risky.code, risky.stdout + risky.stderr).toBe(0);
    expect(risky.stdout).toMatch(
      /::warning title=Untrusted code checked out in a privileged job::This pull_request_target job checked out the pull request's head commit/,
    );
    expect(github.reviews).toHaveLength(1);

    // The event's own commit checked out (the default checkout): no warning.
    const safe = await run({ eventName: 'pull_request_target', env: { GITHUB_SHA: repo.headSha } });
    expect(safe.code, safe.stdout + safe.stderr).toBe(0);
    expect(safe.stdout).not.toContain('Untrusted code checked out');
  });

  it('does not review a head the PR has left (a re-run of an older run): a notice and a neutral check', async () => {
    const { repo, github, anthropic, run } = await startTwoFindingPr();
    github.setHead('f'.repeat(40), repo.diff);
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/::notice.*Outdated run: the pull request's head is now fffffff/);
    expect(anthropic.requests).toHaveLength(0);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(github.checkRuns[0]!.output?.title).toBe('Not reviewed');
    expect(github.reviews).toHaveLength(0);
    expect(github.issueComments).toHaveLength(0);
    expect(result.outputs.conclusion).toBe('neutral');
  });

  it('posts nothing when the PR moves on during the review (a newer run may already have posted)', async () => {
    // A push lands while the model works: the fake GitHub's PR head moves when the review request arrives.
    let pushed = () => {};
    const review = findingsFor(OFF_BY_ONE, CLAMP_SWAPPED);
    const { repo, github, anthropic, run } = await startTwoFindingPr({
      script: (request, n) => {
        pushed();
        return review(request, n);
      },
    });
    pushed = () => github.setHead('e'.repeat(40), repo.diff);
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(anthropic.reviewRequests()).toHaveLength(1);
    expect(result.stdout).toMatch(
      /::notice.*Outdated run: the pull request's head moved to eeeeeee while this run reviewed/,
    );
    expect(github.reviews).toHaveLength(0);
    expect(github.issueComments).toHaveLength(0);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(github.checkRuns[0]!.output?.title).toBe('Not reviewed');
    expect(result.outputs.conclusion).toBe('neutral');
  });

  it("reviews as usual when GitHub cannot say the PR's current head", async () => {
    const { github, anthropic, run } = await startTwoFindingPr();
    github.headSha = undefined; // GET /pulls/:n answers 404
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(github.requests.some((r) => r.method === 'GET' && /\/pulls\/\d+$/.test(r.path))).toBe(true);
    expect(anthropic.reviewRequests()).toHaveLength(1);
    expect(github.reviews).toHaveLength(1);
  });

  it('completes the check as cancelled when the runner cancels the run mid-review, and posts nothing else', async () => {
    // The model never answers in time: the run is waiting on it when the runner sends SIGINT.
    const { github, anthropic, run } = await startTwoFindingPr({ anthropic: { firstTokenMs: 600_000 } });
    const result = await run({
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (anthropic.requests.length === 0) return;
          clearInterval(poll);
          child.kill('SIGINT');
        }, 10);
        child.once('exit', () => clearInterval(poll));
      },
    });

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::The run was cancelled \(SIGINT\) before the review was posted/);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(github.checkRuns[0]!.output?.title).toBe('Cancelled');
    expect(github.reviews).toHaveLength(0);
    expect(github.issueComments).toHaveLength(0);
  });

  it("marks a merge queue group's commit skipped, so a required diffray check does not block the queue", async () => {
    const { github, anthropic, run } = await startTwoFindingPr();
    const groupHead = 'c'.repeat(40);
    const result = await run({
      eventName: 'merge_group',
      event: {
        merge_group: { head_sha: groupHead, head_ref: 'gh-readonly-queue/main/pr-7', base_ref: 'main' },
      },
    });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/::notice.*merge queue/);
    expect(anthropic.requests).toHaveLength(0);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({
      head_sha: groupHead,
      status: 'completed',
      conclusion: 'skipped',
    });
    expect(github.writes().map((r) => r.path)).toEqual(['/repos/acme/widgets/check-runs']);
  });

  it('ends a non-PR event with a notice and exit 0', async () => {
    const { github, anthropic, run } = await startTwoFindingPr();
    const result = await run({
      eventName: 'push',
      event: { ref: 'refs/heads/main' },
    });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/::notice.*push/);
    expect(github.requests).toHaveLength(0);
    expect(anthropic.requests).toHaveLength(0);
  });
});
