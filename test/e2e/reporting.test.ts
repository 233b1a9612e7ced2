/**
 * The bundled action reporting to a REAL diffray-api (createApp + SQLite file + node-server on 127.0.0.1),
 * with fake GitHub and fake Anthropic: hosted config fetched and merged (the repository file tightens,
 * never loosens), the review sent to POST /v1/reviews after GitHub has it, `results-url` pointing at the
 * review's page, outages as warnings that change nothing on GitHub, and the key masked.
 *
 * Not covered here: the API hanging past the action's 10 s timeout (it would cost 10-20 s per run); the
 * adapter's timeout is covered with a short timeout in test/unit/action/adapters/results-api.test.ts.
 */
import { afterAll, describe, it } from 'vitest';
import { findingsFor, modelFinding, type Script } from '../fakes/anthropic.js';
import { getReview } from '../../api/db/index.js';
import { startApi, type RunningApi } from './api-harness.js';
import {
  lineOf,
  OWNER,
  PR_NUMBER,
  pullRequestEvent,
  REPO,
  startPr,
  type ActionResult,
  type PrUnderTest,
} from './harness.js';

/**
 * Each group runs its action runs concurrently (each spawns the bundle, git and a fake server): on a loaded
 * 2-core runner a group's runs share the CPU, so a run can take longer than the default 30 s.
 */
const GROUP = { timeout: 120_000 };

const REPOSITORY = `${OWNER}/${REPO}`;

const APP_BASE = ['export function total(items: number[]): number {', '  return 0;', '}', ''].join('\n');
const APP_HEAD = [
  'export function total(items: number[]): number {',
  '  let sum = 0;',
  '  for (let i = 0; i <= items.length; i++) sum += items[i]!;',
  '  return sum;',
  '}',
  '',
].join('\n');

/** A medium finding: under the harness's default `fail-on: high`, it only fails the check if config says so. */
const MEDIUM = modelFinding({
  path: 'src/app.ts',
  line: lineOf(APP_HEAD, 'i <= items.length'),
  severity: 'medium',
  category: 'correctness',
  title: 'Loop reads one past the end',
  body: 'The loop condition uses <= so the last iteration reads an undefined element.',
  quote: '  for (let i = 0; i <= items.length; i++) sum += items[i]!;',
});

interface Setup extends PrUnderTest {
  api: RunningApi;
}

/**
 * Each test owns its repository and servers, so the tests run concurrently (an action run mostly waits on
 * the GitHub client's pacing of content-creating requests, not on the CPU).
 */
type OnFinished = (fn: () => Promise<void>) => void;

async function setup(
  onFinished: OnFinished,
  opts: { repoConfig?: string; accountConfig?: string; script?: Script } = {},
): Promise<Setup> {
  const cleanups: (() => Promise<void> | void)[] = [];
  onFinished(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  const pr = await startPr({
    base: {
      'src/app.ts': APP_BASE,
      ...(opts.repoConfig === undefined ? {} : { '.diffray.yml': opts.repoConfig }),
    },
    head: { 'src/app.ts': APP_HEAD },
    script: opts.script ?? findingsFor(MEDIUM),
  });
  cleanups.push(pr.close);
  const api = await startApi();
  cleanups.push(() => api.cleanup());
  if (opts.accountConfig !== undefined) await api.putConfig(opts.accountConfig);
  return { ...pr, api };
}

/** A run that reports to the results API. */
function run(s: Setup, extra: { env?: Record<string, string>; event?: object } = {}) {
  return s.run({ inputs: { 'api-key': s.api.actionKey, 'api-url': s.api.url }, ...extra });
}

const logsOf = (r: ActionResult) => r.stdout + r.stderr;
const warnings = (r: ActionResult) => r.stdout.split('\n').filter((l) => l.startsWith('::warning'));
const apiCalls = (api: RunningApi) =>
  api.logs.map((l) => `${String(l.method)} ${String(l.path)} ${String(l.status)}`);

/** The GitHub side of a run, to compare runs with and without the results API. */
function githubSide(s: Setup, r: ActionResult) {
  return {
    code: r.code,
    conclusion: r.outputs.conclusion,
    findings: r.outputs['findings-count'],
    reviews: s.github.reviews.map((rv) => ({ event: rv.event, comments: rv.comments })),
    comments: s.github.reviewComments.map((c) => `${c.path}:${c.line}`),
    summaries: s.github.issueComments.length,
    checks: s.github.checkRuns.map((c) => `${c.status}/${String(c.conclusion)}/${c.annotations.length}`),
  };
}

/** One run of the same PR with no `api-key`, shared by the tests that compare against it. */
const atEnd: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of atEnd.splice(0)) await fn();
});
let baseline: Promise<{ result: ActionResult; side: ReturnType<typeof githubSide> }> | undefined;
function withoutApi() {
  baseline ??= (async () => {
    const s = await setup((fn) => atEnd.push(fn));
    const result = await s.run();
    return { result, side: githubSide(s, result) };
  })();
  return baseline;
}

describe.concurrent('hosted config from the results API', GROUP, () => {
  it('is fetched with the action key and applied: account fail-on medium fails the check on a medium finding', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished, { accountConfig: 'fail-on: medium\n' });
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    expect(apiCalls(s.api)).toContain('GET /v1/config 200');
    const configCall = s.api.logs.find((l) => l.path === '/v1/config' && l.method === 'GET');
    expect(configCall?.accountId).toBe(s.api.accountId);
    expect(s.github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(result.outputs.conclusion).toBe('failure');
    expect(warnings(result)).toEqual([]);
  });

  it('without the results API the same PR passes (the input fail-on is high)', async ({ expect }) => {
    const { result, side } = await withoutApi();

    expect(result.code, logsOf(result)).toBe(0);
    expect(side).toMatchObject({ conclusion: 'success', findings: '1', checks: ['completed/success/1'] });
  });

  it('the repository file cannot loosen the account config (fail-on and min-severity stay at the floor)', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished, {
      accountConfig: 'fail-on: medium\nmin-severity: low\n',
      repoConfig: 'fail-on: critical\nmin-severity: critical\n',
    });
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    expect(result.outputs['findings-count']).toBe('1');
    expect(s.github.reviewComments).toHaveLength(1);
    expect(s.github.checkRuns[0]!.conclusion).toBe('failure');
    expect(warnings(result).join('\n')).toMatch(/hosted config holds fail-on, min-severity: \.diffray\.yml/);
  });

  it('names the held keys even when the run stops early (a draft skipped before any review)', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished, {
      accountConfig: 'fail-on: medium\n',
      repoConfig: 'fail-on: critical\n',
    });
    const result = await run(s, { event: pullRequestEvent(s.repo, { draft: true }) });

    expect(result.code, logsOf(result)).toBe(0);
    expect(s.anthropic.requests).toHaveLength(0);
    expect(s.github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(warnings(result).join('\n')).toMatch(/hosted config holds fail-on: \.diffray\.yml/);
  });

  it('the repository file can tighten the account config', async ({ expect, onTestFinished }) => {
    const s = await setup(onTestFinished, {
      accountConfig: 'fail-on: critical\n',
      repoConfig: 'fail-on: medium\n',
    });
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    expect(s.github.checkRuns[0]!.conclusion).toBe('failure');
  });
});

describe.concurrent('a repository the account disabled', GROUP, () => {
  it('gets a neutral "Disabled by the account" check, no model call, no review and no summary', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished, { repoConfig: 'enabled: true\n' });
    await s.api.putConfig('enabled: false\n', REPOSITORY);
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    expect(s.anthropic.requests).toHaveLength(0);
    expect(s.github.checkRuns).toHaveLength(1);
    expect(s.github.checkRuns[0]).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      output: { title: 'Disabled by the account' },
    });
    expect(s.github.checkRuns[0]!.output?.summary).toMatch(/^Disabled by the account: its hosted config/);
    expect(s.github.reviews).toEqual([]);
    expect(s.github.issueComments).toEqual([]);
    expect(apiCalls(s.api).filter((call) => call.startsWith('POST /v1/reviews'))).toEqual([]);
    // The repository's file cannot outvote the account.
    expect(warnings(result).join('\n')).toMatch(/hosted config holds enabled: \.diffray\.yml/);
  });

  it('is reviewed again once its per-repository config enables it under an account default that disables', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished, { accountConfig: 'enabled: false\n' });
    await s.api.putConfig('enabled: true\n', REPOSITORY);
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    expect(s.anthropic.reviewRequests().length).toBeGreaterThan(0);
    expect(s.github.reviews).toHaveLength(1);
    expect(s.github.checkRuns[0]!.conclusion).toBe('success');
  });
});

describe.concurrent('the review reported to POST /v1/reviews', GROUP, () => {
  it('after the GitHub review is posted; results-url is the review page; readable with findings', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished);
    let githubReviewsAtUpload: number | undefined;
    s.api.onRequest = (r) => {
      if (r.method === 'POST' && r.path === '/v1/reviews') githubReviewsAtUpload = s.github.reviews.length;
    };
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    expect(githubReviewsAtUpload).toBe(1);
    expect(apiCalls(s.api).filter((c) => c.startsWith('POST /v1/reviews'))).toEqual(['POST /v1/reviews 201']);

    const url = result.outputs['results-url']!;
    expect(url).toMatch(new RegExp(`^${s.api.url}/reviews/[^/]+$`));
    const id = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    // The summary comment on the PR links to it.
    expect(s.github.issueComments[0]!.body).toContain(`[Full results](${url})`);
    // So does the workflow run's job summary.
    expect(result.jobSummary).toContain(`[Full results](${url})`);

    const review = await s.api.get(`/v1/reviews/${encodeURIComponent(id)}`);
    expect(review.status).toBe(200);
    expect(review.json).toMatchObject({
      id,
      url,
      repository: REPOSITORY,
      pullRequest: PR_NUMBER,
      headSha: s.repo.headSha,
      conclusion: 'success',
      findings: [
        {
          path: 'src/app.ts',
          line: MEDIUM.line,
          severity: 'medium',
          category: 'correctness',
          title: 'Loop reads one past the end',
          body: MEDIUM.body,
        },
      ],
    });
    // The action's key may write reviews but not read them back.
    expect((await s.api.get(`/v1/reviews/${encodeURIComponent(id)}`, s.api.actionKey)).status).toBe(403);
  });
});

describe.concurrent('the walkthrough in the report', GROUP, () => {
  it('reaches the review page as prose: the code the model quoted stripped and masked', async ({
    expect,
    onTestFinished,
  }) => {
    const quoted = '  for (let i = 0; i <= items.length; i++) sum += items[i]!;';
    const s = await setup(onTestFinished, {
      script: () => ({
        findings: [MEDIUM],
        walkthrough: {
          overview: `total() now sums the items.\n\n\`\`\`ts\n${quoted}\n\`\`\``,
          files: [{ path: 'src/app.ts', summary: `Sums with ${quoted.trim()} in a loop.` }],
        },
      }),
    });
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    const sent = s.api.requests.find((r) => r.method === 'POST' && r.path === '/v1/reviews')!;
    expect(sent.body).not.toContain('items.length; i++');
    const url = result.outputs['results-url']!;
    const id = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    const stored = await getReview(s.api.db, { accountId: s.api.accountId, id, now: new Date() });
    expect(stored?.walkthrough?.overview).toEqual(['total() now sums the items. [code omitted]']);
    expect(stored?.walkthrough?.files).toEqual([
      { path: 'src/app.ts', summary: expect.stringMatching(/^Sums with .* in a loop\.$/) },
    ]);
    expect(JSON.stringify(stored?.walkthrough)).not.toContain('items.length; i++');
  });
});

describe.concurrent('an API outage is a warning; GitHub is unaffected', GROUP, () => {
  it('the server is down (connection refused)', async ({ expect, onTestFinished }) => {
    const expected = (await withoutApi()).side;
    const s = await setup(onTestFinished);
    await s.api.stop();
    const result = await run(s);

    expect(githubSide(s, result), logsOf(result)).toEqual(expected);
    expect(result.outputs['results-url']).toBe('');
    expect(warnings(result).join('\n')).toMatch(/diffray results API: config fetch failed/);
    expect(warnings(result).join('\n')).toMatch(/diffray results API: report upload failed/);
  });

  it('the server answers 503 to everything', async ({ expect, onTestFinished }) => {
    const expected = (await withoutApi()).side;
    const s = await setup(onTestFinished);
    s.api.mode = 'unavailable';
    const result = await run(s);

    expect(githubSide(s, result), logsOf(result)).toEqual(expected);
    expect(result.outputs['results-url']).toBe('');
    expect(warnings(result).join('\n')).toMatch(/config fetch answered HTTP 503/);
    expect(warnings(result).join('\n')).toMatch(/report upload answered HTTP 503/);
    expect(s.api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/config',
      'POST /v1/reviews',
    ]);
  });

  it('only the upload fails: the hosted config still applies and the check still completes', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished, { accountConfig: 'fail-on: medium\n' });
    s.api.mode = { unavailable: (method, path) => method === 'POST' && path === '/v1/reviews' };
    const result = await run(s);

    expect(result.code, logsOf(result)).toBe(0);
    expect(s.github.reviews).toHaveLength(1);
    expect(s.github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(result.outputs['results-url']).toBe('');
    expect(warnings(result)).toHaveLength(1);
    expect(warnings(result)[0]).toMatch(/report upload answered HTTP 503/);
  });
});

describe.concurrent('the API key', GROUP, () => {
  it('is masked: it appears in the logs only in the ::add-mask:: command, also with step debug on', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await setup(onTestFinished, { accountConfig: 'fail-on: medium\n' });
    const before = s.api.requests.length;
    const result = await run(s, { env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' } });
    const fromAction = s.api.requests.slice(before);

    expect(result.code, logsOf(result)).toBe(0);
    const lines = logsOf(result).split('\n');
    const withKey = lines.filter((l) => l.includes(s.api.actionKey));
    // The runner consumes `::add-mask::` lines and replaces the value with *** in everything printed after.
    expect(withKey).toEqual([`::add-mask::${s.api.actionKey}`]);
    expect(logsOf(result)).not.toContain(s.api.adminKey);
    // It travelled only in the Authorization header, never in a URL or the API's log.
    expect(fromAction.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/config', 'POST /v1/reviews']);
    for (const r of fromAction) {
      expect(r.authorization).toBe(`Bearer ${s.api.actionKey}`);
      expect(r.url).not.toContain(s.api.actionKey);
    }
    expect(JSON.stringify(s.api.logs)).not.toContain(s.api.actionKey);
  });
});
