import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  modelFinding,
  startFakeAnthropic,
  userText,
  type FakeAnthropic,
  type Script,
} from '../fakes/anthropic.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import {
  BUNDLE_NODE,
  lineOf,
  makePrRepo,
  OWNER,
  PR_NUMBER,
  pullRequestEvent,
  REPO,
  ROOT,
  runAction,
  type PrRepo,
} from './harness.js';

const APP_BASE = [
  'export function parse(input: string): string[] {',
  '  return input.split(",");',
  '}',
  '',
  'export function count(items: string[]): number {',
  '  return items.length;',
  '}',
  '',
].join('\n');

const APP_HEAD = [
  'export function parse(input: string): string[] {',
  '  const parts = input.split(",");',
  '  return parts.map((p) => p.trim());',
  '}',
  '',
  'export function count(items: string[]): number {',
  '  const total = items.length + 1;',
  '  return total;',
  '}',
  '',
].join('\n');

const UTIL_HEAD = [
  'export function clamp(n: number, lo: number, hi: number): number {',
  '  return Math.min(lo, Math.max(hi, n));',
  '}',
  '',
].join('\n');

const OFF_BY_ONE = modelFinding({
  path: 'src/app.ts',
  line: lineOf(APP_HEAD, 'items.length + 1'),
  severity: 'high',
  category: 'correctness',
  title: 'Off-by-one in count',
  body: 'count() adds 1 to the length, so every caller sees one item too many.',
  quote: '  const total = items.length + 1;',
});
const CLAMP_SWAPPED = modelFinding({
  path: 'src/util.ts',
  line: lineOf(UTIL_HEAD, 'Math.min(lo'),
  severity: 'medium',
  title: 'clamp arguments swapped',
  body: 'min and max are applied the wrong way round.',
  quote: '  return Math.min(lo, Math.max(hi, n));',
});

/** The fake model answers with the scripted findings for the files present in the request. */
function findingsFor(...findings: Record<string, unknown>[]): Script {
  return (request) => ({ findings: findings.filter((f) => userText(request).includes(String(f.path))) });
}

const open: { close(): Promise<void> }[] = [];
const repos: PrRepo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const r of repos.splice(0)) r.cleanup();
});

async function setup(opts: {
  head?: Record<string, string | null>;
  base?: Record<string, string>;
  script?: Script;
  denied?: ('checks' | 'pull-requests')[];
  rejectLines?: { path: string; line: number }[];
}): Promise<{ repo: PrRepo; github: FakeGitHub; anthropic: FakeAnthropic }> {
  const repo = makePrRepo({
    base: opts.base ?? { 'src/app.ts': APP_BASE, 'README.md': '# widgets\n' },
    head: opts.head ?? { 'src/app.ts': APP_HEAD, 'src/util.ts': UTIL_HEAD },
  });
  repos.push(repo);
  const github = await startFakeGitHub({
    owner: OWNER,
    repo: REPO,
    pullNumber: PR_NUMBER,
    diff: repo.diff,
    ...(opts.denied ? { denied: opts.denied } : {}),
    ...(opts.rejectLines ? { rejectLines: opts.rejectLines } : {}),
  });
  const anthropic = await startFakeAnthropic(opts.script ?? findingsFor(OFF_BY_ONE, CLAMP_SWAPPED));
  open.push(github, anthropic);
  return { repo, github, anthropic };
}

const execFileAsync = promisify(execFile);

const urls = (github: FakeGitHub, anthropic: FakeAnthropic) => ({
  githubUrl: github.url,
  anthropicUrl: anthropic.url,
});

describe('the bundled action on a pull_request event', () => {
  it('reviews a small PR from a depth-1 checkout in one model call and posts review, summary and check', async () => {
    const { repo, github, anthropic } = await setup({});
    const result = await runAction({ repo, ...urls(github, anthropic) });

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
    const { repo, github, anthropic } = await setup({
      head,
      script: (req) => ({
        findings: userText(req).includes('src/gen/mod3.ts')
          ? [modelFinding({ path: 'src/gen/mod3.ts', line: 10, severity: 'low', title: 'Magic number' })]
          : [],
      }),
    });
    const result = await runAction({ repo, ...urls(github, anthropic) });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(anthropic.requests.length).toBeGreaterThan(1);
    for (let i = 0; i < 8; i++) {
      expect(anthropic.requests.some((r) => userText(r.body).includes(`src/gen/mod${i}.ts`))).toBe(true);
    }
    expect(github.reviewComments.map((c) => `${c.path}:${c.line}`)).toEqual(['src/gen/mod3.ts:10']);
    expect(result.outputs.conclusion).toBe('success');
  });

  it('recovers from a 429 with retry-after, a 529, a GitHub secondary rate limit and one rejected comment', async () => {
    const rejected = { path: 'src/util.ts', line: CLAMP_SWAPPED.line as number };
    const findings = findingsFor(OFF_BY_ONE, CLAMP_SWAPPED);
    const { repo, github, anthropic } = await setup({
      rejectLines: [rejected],
      script: (req, n) =>
        n === 0 ? { status: 429, retryAfter: 1 } : n === 1 ? { status: 529 } : findings(req, n),
    });
    github.secondaryRateLimitOnce('POST', /\/issues\/\d+\/comments$/, 1);
    const result = await runAction({ repo, ...urls(github, anthropic) });

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
    const { repo, github, anthropic } = await setup({});
    const result = await runAction({
      repo,
      ...urls(github, anthropic),
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

  it('posts nothing new on a second run on the same head and updates the summary in place', async () => {
    const { repo, github, anthropic } = await setup({});
    const first = await runAction({ repo, ...urls(github, anthropic) });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const summaryId = github.issueComments[0]!.id;
    const requestsBefore = github.requests.length;

    const second = await runAction({ repo, ...urls(github, anthropic) });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments).toHaveLength(2);
    expect(github.issueComments).toHaveLength(1);
    const secondRun = github.requests.slice(requestsBefore);
    expect(
      secondRun.some((r) => r.method === 'PATCH' && r.path.endsWith(`/issues/comments/${summaryId}`)),
    ).toBe(true);
    expect(secondRun.filter((r) => r.method === 'POST' && r.path !== '/graphql').map((r) => r.path)).toEqual([
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
    const { repo, github, anthropic } = await setup({
      head,
      script: (req) => ({
        findings: userText(req).includes('src/config.ts')
          ? [
              modelFinding({
                path: 'src/config.ts',
                line: 2,
                title: 'Label constant',
                body: `The label ${canary} is unused.`,
              }),
            ]
          : [],
      }),
    });
    const result = await runAction({
      repo,
      ...urls(github, anthropic),
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
    const { repo, github, anthropic } = await setup({ denied: ['checks'] });
    const result = await runAction({ repo, ...urls(github, anthropic) });

    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('checks: write');
    expect(github.reviews).toHaveLength(1);
    expect(github.issueComments).toHaveLength(1);
  });

  it('ends a non-PR event with a notice and exit 0', async () => {
    const { repo, github, anthropic } = await setup({});
    const result = await runAction({
      repo,
      ...urls(github, anthropic),
      eventName: 'push',
      event: { ref: 'refs/heads/main' },
    });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/::notice.*push/);
    expect(github.requests).toHaveLength(0);
    expect(anthropic.requests).toHaveLength(0);
  });
});

describe('diffray review (local CLI)', () => {
  it('reviews the range between a base ref and HEAD with the same engine and prints JSON findings', async () => {
    const repo = makePrRepo({
      base: { 'src/a.ts': 'export const a = 1;\n' },
      head: { 'src/a.ts': 'export const a = 1;\nexport const b = a / 0;\n' },
      shallow: false,
    });
    repos.push(repo);
    const anthropic = await startFakeAnthropic((req) => ({
      findings: userText(req).includes('src/a.ts')
        ? [modelFinding({ path: 'src/a.ts', line: 2, severity: 'high', title: 'Division by zero' })]
        : [],
    }));
    open.push(anthropic);
    const result = await execFileAsync(
      BUNDLE_NODE,
      [`${ROOT}/bin/diffray.js`, 'review', '--base', 'origin/main', '--format', 'json'],
      {
        cwd: repo.workspace,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: repo.dir,
          ANTHROPIC_API_KEY: 'sk-ant-local',
          ANTHROPIC_BASE_URL: anthropic.url,
        },
      },
    ).catch((e: { code: number; stdout: string; stderr: string }) => e);

    expect('code' in result ? result.code : 0).toBe(1); // a high finding reaches the default --fail-on high
    const out = JSON.parse(result.stdout) as {
      conclusion: string;
      findings: { path: string; line: number; title: string }[];
    };
    expect(out.conclusion).toBe('failure');
    expect(out.findings).toMatchObject([{ path: 'src/a.ts', line: 2, title: 'Division by zero' }]);
    expect(anthropic.reviewRequests()).toHaveLength(1);
  });
});
