/**
 * The bundled action across pushes (incremental range, finding lifecycle, dismissals), the validation pass,
 * the per-PR budget with its coverage receipt, and the overload fallback, all against the fake GitHub
 * (REST + GraphQL review threads) and the fake Anthropic API.
 */
import { describe, expect, it } from 'vitest';
import { buildSystemPrompt } from '../../action/core/plan/prompt.js';
import { parseDiff } from '../../action/core/input/diff.js';
import { estimateDiffTokens } from '../../action/core/plan/priority.js';
import { estimateTokens } from '../../action/core/plan/tokens.js';
import { findingsFor, modelFinding, userText } from '../fakes/anthropic.js';
import { isContentCreating, threadNodeId, type FakeGitHub } from '../fakes/github.js';
import { APP_HEAD, CLAMP_SWAPPED, OFF_BY_ONE, startTwoFindingPr, UTIL_HEAD } from './fixtures.js';
import { makePrRepo, OWNER, PR_NUMBER, pushToPr, REPO, type StartPrOptions } from './harness.js';

const EXTRA = 'export const retries = Number(process.env.RETRIES);\n';
const EXTRA_FINDING = modelFinding({
  path: 'src/extra.ts',
  line: 1,
  severity: 'medium',
  title: 'NaN when RETRIES is unset',
  quote: 'export const retries = Number(process.env.RETRIES);',
});

const UTIL_FIXED = [
  'export function clamp(n: number, lo: number, hi: number): number {',
  '  return Math.min(hi, Math.max(lo, n));',
  '}',
  '',
].join('\n');

/** The shared PR, where every run of the action is expected to succeed (a failure shows its log). */
async function setup(opts: Partial<StartPrOptions> = {}) {
  const pr = await startTwoFindingPr(opts);
  const run = async () => {
    const result = await pr.run();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    return result;
  };
  return { ...pr, run };
}

const summaryOf = (github: FakeGitHub) => github.issueComments[0]!.body;
const threadOf = (github: FakeGitHub, path: string) =>
  github.reviewComments.find((c) => c.path === path && c.in_reply_to_id === undefined)!;

describe('a PR across pushes', () => {
  it('reviews only the file a second push changed, replies in the fixed thread, and re-posts nothing', async () => {
    const { repo, github, anthropic, run } = await setup();
    await run();
    expect(github.reviewComments).toHaveLength(2);
    const firstHead = repo.headSha;
    const clampThread = threadOf(github, 'src/util.ts');

    pushToPr(repo, { 'src/util.ts': UTIL_FIXED }, { message: 'fix clamp' });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(() => ({ findings: [] }));
    const requestsBefore = anthropic.reviewRequests().length;
    const githubBefore = github.requests.length;
    const second = await run();

    const sent = anthropic.reviewRequests().slice(requestsBefore);
    expect(sent).toHaveLength(1);
    expect(userText(sent[0]!.body)).toContain('## src/util.ts');
    expect(userText(sent[0]!.body)).not.toContain('src/app.ts');

    expect(github.repliesTo(clampThread.id)).toHaveLength(1);
    expect(github.repliesTo(clampThread.id)[0]!.body).toContain(`Fixed in ${repo.headSha.slice(0, 7)}`);
    expect(github.repliesTo(threadOf(github, 'src/app.ts').id)).toHaveLength(0);

    const summary = summaryOf(github);
    expect(summary).toContain(`0 new · 1 still open · 1 fixed since ${firstHead.slice(0, 7)}`);
    expect(summary).toContain(`Reviewed changes pushed since ${firstHead.slice(0, 7)}`);
    expect(summary).toContain('1 file unchanged since the last review');

    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments.filter((c) => c.in_reply_to_id === undefined)).toHaveLength(2);
    const writes = github.requests.slice(githubBefore).filter(isContentCreating);
    expect(writes.map((r) => r.path)).toEqual([`/repos/${OWNER}/${REPO}/check-runs`, '/graphql']);
    // The high finding in the untouched file is still open: the new head's check does not turn green.
    expect(second.outputs.conclusion).toBe('failure');
  });

  it('sends, of a file the push touched, only the PR hunks it changed, and still covers every line', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `export const v${i + 1} = ${i + 1};`);
    const edit = (changes: Record<number, string>) =>
      lines.map((l, i) => changes[i + 1] ?? l).join('\n') + '\n';
    const PR_EDITS = { 2: "export const v2 = 'start change';", 38: "export const v38 = 'end change';" };
    const { repo, github, anthropic, run } = await setup({
      base: { 'src/values.ts': edit({}) },
      head: { 'src/values.ts': edit(PR_EDITS) },
      script: () => ({ findings: [] }),
    });
    await run();
    expect(userText(anthropic.reviewRequests()[0]!.body)).toContain('start change');

    pushToPr(repo, { 'src/values.ts': edit({ ...PR_EDITS, 36: "export const v36 = 'pushed';" }) });
    github.setHead(repo.headSha, repo.diff);
    const before = anthropic.reviewRequests().length;
    const second = await run();

    const sent = anthropic.reviewRequests().slice(before);
    expect(sent).toHaveLength(1);
    const listing = userText(sent[0]!.body);
    expect(listing).toContain("'pushed'");
    expect(listing).toContain("'end change'"); // the same PR hunk as the pushed line
    expect(listing).not.toContain("'start change'"); // a PR hunk the push left alone
    expect(summaryOf(github)).toContain('Reviewed 6 of 6 changed lines in 1 of 1 file.');
    expect(second.outputs.conclusion).toBe('success');
  });

  it('replies in every fixed thread with one mutation: a fixing push makes at most 3 content-creating requests', async () => {
    const { repo, github, anthropic, run } = await setup();
    await run();
    const threads = [threadOf(github, 'src/app.ts'), threadOf(github, 'src/util.ts')];
    const githubBefore = github.requests.length;

    // Both findings fixed, and a new one raised in the same push: check, review and replies, no more.
    pushToPr(repo, {
      'src/app.ts': APP_HEAD.replace('items.length + 1', 'items.length'),
      'src/util.ts': UTIL_FIXED,
      'src/extra.ts': EXTRA,
    });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor(EXTRA_FINDING));
    await run();

    for (const thread of threads) {
      expect(github.repliesTo(thread.id).map((c) => c.body)).toEqual([
        expect.stringContaining(`Fixed in ${repo.headSha.slice(0, 7)}`),
      ]);
    }
    const writes = github.requests.slice(githubBefore).filter(isContentCreating);
    expect(writes.map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/check-runs`,
      `/repos/${OWNER}/${REPO}/pulls/${PR_NUMBER}/reviews`,
      '/graphql',
    ]);
    const mutation = writes[2]!.body as { query: string; variables: Record<string, string> };
    expect(mutation.query.match(/addPullRequestReviewThreadReply/g)).toHaveLength(2);
    expect(Object.values(mutation.variables)).toEqual(
      expect.arrayContaining(threads.map((t) => threadNodeId(t.id))),
    );
    expect(summaryOf(github)).toContain('1 new · 0 still open · 2 fixed since');
  });

  it('still replies in the other threads when one was deleted in the meantime, with a warning and no failure', async () => {
    const { repo, github, anthropic, run } = await setup();
    await run();
    const [app, util] = [threadOf(github, 'src/app.ts'), threadOf(github, 'src/util.ts')];

    pushToPr(repo, {
      'src/app.ts': APP_HEAD.replace('items.length + 1', 'items.length'),
      'src/util.ts': UTIL_FIXED,
    });
    github.setHead(repo.headSha, repo.diff);
    github.deleteThreadBeforeNextMutation(app.id);
    anthropic.setScript(() => ({ findings: [] }));
    const second = await run();

    expect(github.repliesTo(util.id)).toHaveLength(1);
    expect(github.reviewComments.some((c) => c.id === app.id)).toBe(false);
    expect(second.stdout).toMatch(
      /::warning::GitHub refused the "fixed" reply in 1 of 2 review thread\(s\): Could not resolve/,
    );
    expect(second.outputs.conclusion).toBe('success');
    expect(summaryOf(github)).toContain('0 new · 0 still open · 2 fixed since');
  });

  it.each([
    ['disabled', 'HTTP 404 Not Found - https://docs.github.com/graphql'],
    ['forbidden', 'Resource not accessible by personal access token'],
  ] as const)(
    'reviews without thread state when GitHub refuses the review-threads query (GraphQL %s): one warning, the summary says what was not checked, the step passes',
    async (how, reason) => {
      const { repo, github, anthropic, run } = await setup();
      await run();
      const util = threadOf(github, 'src/util.ts');
      // A person resolves the app.ts thread, which this run cannot see.
      github.resolveThread(threadOf(github, 'src/app.ts').id);

      pushToPr(repo, { 'src/util.ts': UTIL_FIXED }, { message: 'fix clamp' });
      github.setHead(repo.headSha, repo.diff);
      github.refuseGraphql(how);
      anthropic.setScript(() => ({ findings: [] }));
      const second = await run();

      const warnings = second.stdout.split('\n').filter((l) => l.includes('review threads'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`(GitHub refused to list the review threads: ${reason})`);
      expect(warnings[0]).toMatch(
        /^::warning::Could not read the pull request's review threads \(.+\): reviewed without them/,
      );
      expect(second.stdout).not.toMatch(/::error::/);
      // No reply without the thread ids; the fix itself is still seen from the code.
      expect(github.repliesTo(util.id)).toHaveLength(0);
      const summary = summaryOf(github);
      expect(summary).toContain('0 new · 1 still open · 1 fixed since');
      expect(summary).toMatch(
        /Review threads not read \(GitHub refused the query: .+\): findings dismissed in their threads \(resolved, or a `@diffray dismiss` reply\) were not checked, and fixed findings got no reply in their threads\./,
      );
      expect(github.checkRuns.at(-1)!.output?.summary).toContain('Review threads not read');
      expect(github.checkRuns.at(-1)).toMatchObject({ status: 'completed' });
    },
  );

  it('reviews the whole PR after a force-push and says why', async () => {
    const { repo, github, anthropic, run } = await setup();
    await run();
    const firstHead = repo.headSha;

    pushToPr(repo, { 'src/util.ts': UTIL_FIXED }, { force: true });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(findingsFor(OFF_BY_ONE));
    const before = anthropic.reviewRequests().length;
    await run();

    const sent = anthropic.reviewRequests().slice(before);
    expect(sent.map((r) => userText(r.body)).join('\n')).toContain('## src/app.ts');
    expect(sent.map((r) => userText(r.body)).join('\n')).toContain('## src/util.ts');
    expect(summaryOf(github)).toMatch(
      new RegExp(
        `Reviewed the whole pull request \\(\\w+\\.\\.${repo.headSha.slice(0, 7)}\\): the last reviewed head ${firstHead.slice(0, 7)} (is no longer in the branch history \\(force-push or rebase\\)|could not be fetched)`,
      ),
    );
    expect(github.reviews).toHaveLength(1);
  });

  it('never raises a finding again once its thread is resolved or a reply dismisses it', async () => {
    const { repo, github, anthropic, run } = await setup();
    await run();
    github.resolveThread(threadOf(github, 'src/app.ts').id);
    github.replyAsUser(threadOf(github, 'src/util.ts').id, '@diffray dismiss we clamp elsewhere');

    // Both files change above the flagged lines; the model raises both findings again, one line lower.
    pushToPr(repo, {
      'src/app.ts': `// counts\n${APP_HEAD}`,
      'src/util.ts': `// clamps\n${UTIL_HEAD}`,
    });
    github.setHead(repo.headSha, repo.diff);
    anthropic.setScript(
      findingsFor(
        { ...OFF_BY_ONE, line: (OFF_BY_ONE.line as number) + 1 },
        { ...CLAMP_SWAPPED, line: (CLAMP_SWAPPED.line as number) + 1 },
      ),
    );
    const before = anthropic.reviewRequests().length;
    const second = await run();

    // The second run did review both files (and so was given both findings again).
    const sent = anthropic
      .reviewRequests()
      .slice(before)
      .map((r) => userText(r.body));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain('## src/app.ts');
    expect(sent[0]).toContain('## src/util.ts');
    expect(github.reviews).toHaveLength(1);
    const summary = summaryOf(github);
    expect(summary).toContain('0 new · 0 still open · 0 fixed since');
    expect(summary).toContain('2 dismissed');
    expect(summary).not.toContain('Off-by-one in count');
    expect(summary).not.toContain('clamp arguments swapped');
    expect(second.outputs.conclusion).toBe('success');
  });
});

describe('a run that cannot read what earlier runs left on the PR', () => {
  it('stops before posting: nothing raised again, the summary kept, a neutral check and a failed step', async () => {
    const { github, anthropic, run } = await startTwoFindingPr();
    expect((await run()).code).toBe(0);
    const summary = summaryOf(github);
    const requests = anthropic.requests.length;

    // GitHub's edge answers 502 to the summary's listing, past the client's two retries.
    github.failNext('GET', new RegExp(`/issues/${PR_NUMBER}/comments$`), 502, 3);
    const second = await run();

    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(
      /::error::Could not read what earlier runs left on the pull request \(GitHub refused to list the PR comments: HTTP 502/,
    );
    expect(anthropic.requests).toHaveLength(requests);
    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments).toHaveLength(2);
    expect(github.issueComments.map((c) => c.body)).toEqual([summary]);
    expect(github.checkRuns).toHaveLength(2);
    expect(github.checkRuns[1]).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      output: { title: 'Review did not complete' },
    });
  });
});

describe('truer findings', () => {
  it('grades every finding in one request with the marked diff and the PR text, and drops the low scores', async () => {
    const { github, anthropic, run } = await setup();
    anthropic.setConfirmScript((request, count) => {
      const text = userText(request);
      return {
        verdicts: Array.from({ length: count }, (_, index) => {
          const block = text.split(`[${index}] `)[1] ?? '';
          const intended = block.startsWith('high') && block.includes('Off-by-one');
          return { index, score: intended ? 30 : 90, reason: intended ? 'length + 1 is intended' : 'real' };
        }),
      };
    });
    const result = await run();

    expect(anthropic.reviewRequests()).toHaveLength(1);
    const checks = anthropic.confirmRequests();
    expect(checks).toHaveLength(1);
    // Correctness findings are graded by the review model, every severity of them.
    expect(checks[0]!.body.model).toBe(anthropic.reviewRequests()[0]!.body.model);
    const shown = userText(checks[0]!.body);
    expect(shown).toContain('Off-by-one in count');
    expect(shown).toContain('clamp arguments swapped');
    expect(shown).toMatch(/^>\s*7\+ {2}const total = items\.length \+ 1;$/m);
    expect(shown).toContain('<untrusted_pr_description>');
    expect(checks[0]!.body.tools[0]!.input_schema).toMatchObject({
      properties: { verdicts: { items: { required: ['index', 'score', 'reason'] } } },
    });

    expect(github.reviewComments.map((c) => c.path)).toEqual(['src/util.ts']);
    expect(summaryOf(github)).toContain('1 finding dropped by validation (score below 80 of 100');
    expect(result.outputs.conclusion).toBe('success');
  });

  it('keeps the findings when the validation request fails, and says so in the summary', async () => {
    const { github, anthropic, run } = await setup();
    anthropic.setConfirmScript(() => ({ status: 400, type: 'invalid_request_error', message: 'bad' }));
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(github.reviewComments.map((c) => c.path).sort()).toEqual(['src/app.ts', 'src/util.ts']);
    expect(summaryOf(github)).toMatch(/Validation failed for 2 findings \(.*\): kept unchecked\./);
  });
});

describe('budget, coverage and routing', () => {
  it('reviews the riskiest file within the budget, lists the rest, and concludes neutral with the coverage line', async () => {
    const body = (name: string) =>
      Array.from({ length: 40 }, (_, i) => `export const ${name}${i} = compute(${i}, "${name}");`).join(
        '\n',
      ) + '\n';
    const head = { 'src/auth/session.ts': body('session'), 'src/misc/format.ts': body('format') };
    // A budget with room for the instructions and one of the two (equally large) files.
    const probe = makePrRepo({ base: { 'README.md': '# x\n' }, head });
    const files = parseDiff(probe.diff).filter((f) => f.path.startsWith('src/'));
    probe.cleanup();
    const system = estimateTokens(buildSystemPrompt({}));
    const perFile = Math.max(...files.map(estimateDiffTokens));
    const budget = system + perFile + Math.floor(perFile / 2);
    const { github, anthropic, run } = await setup({
      base: { 'README.md': '# x\n', '.diffray.yml': `budget:\n  max-input-tokens: ${budget}\n` },
      head,
      script: () => ({ findings: [] }),
    });
    const result = await run();

    const sent = anthropic
      .reviewRequests()
      .map((r) => userText(r.body))
      .join('\n');
    expect(sent).toContain('## src/auth/session.ts');
    expect(sent).not.toContain('src/misc/format.ts');
    const summary = summaryOf(github);
    expect(summary).toMatch(/over-budget\*\* \(1\): `src\/misc\/format\.ts/);
    expect(summary).toContain('Reviewed 40 of 80 changed lines in 1 of 2 files; skipped: 1 over budget');
    const check = github.checkRuns[0]!;
    expect(check.conclusion).toBe('neutral');
    expect(check.output?.summary).toContain('Reviewed 40 of 80 changed lines in 1 of 2 files');
    expect(result.outputs.conclusion).toBe('neutral');
  });

  it('finishes the review with the fallback model when the configured one stays overloaded, and says so', async () => {
    const findings = findingsFor(OFF_BY_ONE, CLAMP_SWAPPED);
    const { github, anthropic, run } = await setup({
      script: (req, n) => (req.model === 'claude-sonnet-4-5' ? { status: 529 } : findings(req, n)),
    });
    const result = await run();

    const models = anthropic.reviewRequests().map((r) => r.body.model);
    expect(models.filter((m) => m === 'claude-sonnet-4-5').length).toBeGreaterThan(1);
    expect(models.at(-1)).toBe('claude-haiku-4-5');
    expect(github.reviewComments).toHaveLength(2);
    const summary = summaryOf(github);
    expect(summary).toContain(
      'claude-sonnet-4-5 was overloaded (HTTP 529 after retries), so claude-haiku-4-5 finished the review',
    );
    expect(summary).toContain('`claude-haiku-4-5`');
    expect(result.outputs.conclusion).toBe('failure');
  }, 60_000);
});
