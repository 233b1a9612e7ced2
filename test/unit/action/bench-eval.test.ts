/**
 * `diffray eval --bench` offline: the downloader against a local HTTP server serving files this test makes
 * (checked by hash, cached), and the Martian run over a two-PR fixture in its format with a fake reviewer
 * and a fake judge: scores, the published table, the comparability mark, the per-PR cache an interrupted
 * run resumes from, progress and money. SWE-PRBench's run is tested in bench-swe.test.ts.
 */
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadPinned, preparePrRepo, resultCache, sha256 } from '../../../action/adapters/bench-data.js';
import { execGitRunner } from '../../../action/adapters/git-process.js';
import {
  runBenchEval,
  renderBenchEval,
  type BenchEvalDeps,
  type PrResult,
} from '../../../action/bench-eval.js';
import type { BenchSource, JudgePrompt } from '../../../action/core/findings/bench.js';
import type { ModelRequest } from '../../../action/ports.js';
import { closeNow, listenOnLoopback } from '../../fakes/server.js';

const MARTIAN_FILE = JSON.stringify([
  {
    pr_title: 'Pagination',
    url: 'https://github.com/acme/api/pull/1',
    comments: [{ comment: 'Negative offset is passed to slicing.' }, { comment: 'member may be None.' }],
  },
  {
    pr_title: 'Cache keys',
    url: 'https://github.com/acme/api/pull/2',
    comments: [{ comment: 'hash() is randomized.' }],
  },
]);
const DASHBOARD = JSON.stringify({
  models: { judge_key: { prs: [{ tool_metrics: { other: { tp: 2, fp: 2, fn: 1 } } }] } },
  tool_display_names: { other: 'Other Tool' },
});
const FILES: Record<string, string> = {
  '/rev/golden/one.json': MARTIAN_FILE,
  '/rev/dashboard.json': DASHBOARD,
};

let baseUrl = '';
const served: string[] = [];
const server = createServer((req, res) => {
  served.push(req.url ?? '');
  const body = FILES[req.url ?? ''];
  if (body === undefined) return void res.writeHead(404).end();
  res.writeHead(200).end(body);
});
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'diffray-bench-'));
  dirs.push(d);
  return d;
};
beforeAll(async () => {
  baseUrl = `${await listenOnLoopback(server)}/rev`;
});
afterAll(async () => {
  await closeNow(server);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the pinned downloader', () => {
  it('fetches a file, checks its hash and serves it from the cache the next time', async () => {
    const cacheDir = tempDir();
    const file = { path: 'golden/one.json', sha256: sha256(MARTIAN_FILE) };
    served.length = 0;
    expect(await downloadPinned(baseUrl, file, { cacheDir })).toBe(MARTIAN_FILE);
    expect(await downloadPinned(baseUrl, file, { cacheDir })).toBe(MARTIAN_FILE);
    expect(served).toEqual(['/rev/golden/one.json']);
  });

  it('keeps a file without a known hash by its URL, which names the pinned commit', async () => {
    const cacheDir = tempDir();
    served.length = 0;
    expect(await downloadPinned(baseUrl, { path: 'golden/one.json' }, { cacheDir })).toBe(MARTIAN_FILE);
    expect(await downloadPinned(baseUrl, { path: 'golden/one.json' }, { cacheDir })).toBe(MARTIAN_FILE);
    expect(served).toEqual(['/rev/golden/one.json']);
  });

  it('refuses a file whose hash is not the pinned one, and a missing file', async () => {
    const cacheDir = tempDir();
    await expect(
      downloadPinned(baseUrl, { path: 'golden/one.json', sha256: '0'.repeat(64) }, { cacheDir }),
    ).rejects.toThrow(/is not the pinned 0{64}/);
    await expect(
      downloadPinned(baseUrl, { path: 'nope.json', sha256: '0'.repeat(64) }, { cacheDir }),
    ).rejects.toThrow(/HTTP 404/);
  });
});

const PROMPT: JudgePrompt = { system: 'Be precise.', template: 'G: {golden_comment}\nC: {candidate}' };
/** Which golden each finding title names: the fake judge matches a pair when the candidate quotes it. */
const FINDINGS: Record<number, { title: string; body: string }[]> = {
  1: [
    { title: 'Negative offset', body: 'Negative offset is passed to slicing.' },
    { title: 'Unused import', body: 'os is unused.' },
  ],
  2: [],
};

function deps(cacheDir: string, source: BenchSource) {
  const reviews: number[] = [];
  const judged: ModelRequest[] = [];
  const progress: string[] = [];
  const d: BenchEvalDeps = {
    load: (file) => downloadPinned(baseUrl, file, { cacheDir }),
    judgePrompt: () => Promise.resolve(PROMPT),
    review: (pr) => {
      reviews.push(pr.number);
      return Promise.resolve({ findings: FINDINGS[pr.number] ?? [], costUsd: 0.5 });
    },
    judge: (request) => {
      judged.push(request);
      const [g, c] = request.user.slice(3).split('\nC: ');
      const match = c!.includes(g!);
      return Promise.resolve({
        ok: true,
        text: `\`\`\`json\n{"reasoning": "r", "match": ${match}, "confidence": 0.9}\n\`\`\``,
        usage: { input: 1_000, cacheWrite: 0, cacheRead: 0, output: 100 },
      });
    },
    cache: resultCache<PrResult>(cacheDir),
    progress: (line) => progress.push(line),
  };
  return { d, reviews, judged, progress, source };
}

const martianSource: BenchSource = {
  name: 'martian',
  baseUrl: '',
  revision: 'f'.repeat(40),
  date: '2026-03-05',
  files: {
    golden: [{ path: 'golden/one.json', sha256: sha256(MARTIAN_FILE) }],
    table: { path: 'dashboard.json', sha256: sha256(DASHBOARD) },
  },
  publishedJudge: { model: 'claude-opus-4-5-20251101', tableKey: 'judge_key' },
};

describe('diffray eval --bench', () => {
  it('scores a two-PR Martian fixture with one judge call per pair, beside the published table', async () => {
    const { d, judged, progress } = deps(tempDir(), martianSource);
    const report = await runBenchEval(d, {
      source: martianSource,
      model: 'claude-sonnet-4-5',
      judgeModel: 'claude-opus-4-5-20251101',
      promptHash: 'p1',
    });
    // PR 1: 2 goldens × 2 findings = 4 judge calls, at temperature 0; PR 2: no findings, no call.
    expect(judged).toHaveLength(4);
    expect(judged[0]).toMatchObject({
      model: 'claude-opus-4-5-20251101',
      system: 'Be precise.',
      temperature: 0,
    });
    expect(report.result).toMatchObject({ prs: 2, tp: 1, fp: 1, fn: 2 });
    expect(report.result.precision).toBe(0.5);
    expect(report.comparable).toBe(true);
    expect(report.published).toMatchObject({ judge: 'claude-opus-4-5-20251101', date: '2026-03-05' });
    expect(report.published!.rows[0]).toMatchObject({ tool: 'Other Tool', tp: 2, fp: 2, fn: 1 });
    expect(progress[0]).toMatch(
      /^\[1\/2\] https:\/\/github.com\/acme\/api\/pull\/1: 1 TP, 1 FP, 1 FN · spent \$/,
    );
    const text = renderBenchEval(report);
    expect(text).toContain('diffray: P 50.0 %, R 33.3 %, F1 40.0 % (1 TP, 1 FP, 2 FN)');
    expect(text).toContain('Published table (2026-03-05, judge claude-opus-4-5-20251101):');
    expect(text).toMatch(/Other Tool +P +50\.0 %/);
    expect(text).not.toContain('NOT COMPARABLE');
    expect(text).toMatch(/Spent: \$1\.00 on reviews, \$0\.\d\d on the judge/);
  });

  it('marks a run with another judge non-comparable', async () => {
    const { d } = deps(tempDir(), martianSource);
    const report = await runBenchEval(d, {
      source: martianSource,
      model: 'm',
      judgeModel: 'claude-haiku-4-5',
      promptHash: 'p1',
    });
    expect(report.comparable).toBe(false);
    expect(renderBenchEval(report)).toContain('NOT COMPARABLE');
  });

  it('resumes from the per-PR cache: a second run reviews and judges nothing already done', async () => {
    const cacheDir = tempDir();
    const first = deps(cacheDir, martianSource);
    await runBenchEval(first.d, {
      source: martianSource,
      model: 'm',
      judgeModel: 'j',
      promptHash: 'p1',
      limit: 1,
    });
    const again = deps(cacheDir, martianSource);
    const report = await runBenchEval(again.d, {
      source: martianSource,
      model: 'm',
      judgeModel: 'j',
      promptHash: 'p1',
    });
    expect(first.reviews).toEqual([1]);
    expect(again.reviews).toEqual([2]);
    expect(again.progress[0]).toContain('(cached)');
    expect(report.result.prs).toBe(2);
    // Another prompt is another run.
    const changed = deps(cacheDir, martianSource);
    await runBenchEval(changed.d, { source: martianSource, model: 'm', judgeModel: 'j', promptHash: 'p2' });
    expect(changed.reviews).toEqual([1, 2]);
  });

  it('keeps a PR whose review fails out of the score, says so, and does not cache it', async () => {
    const cacheDir = tempDir();
    const { d, progress } = deps(cacheDir, martianSource);
    d.review = () => Promise.reject(new Error('clone failed'));
    const report = await runBenchEval(d, {
      source: martianSource,
      model: 'm',
      judgeModel: 'j',
      promptHash: 'p1',
    });
    expect(report.result.prs).toBe(0);
    expect(progress[0]).toContain('failed (clone failed)');
    expect(renderBenchEval(report)).toContain('2 PRs failed and are left out');
  });
});

describe('the PR repository', () => {
  it('is a partial clone with the PR head fetched by number and its merge base as base', async () => {
    const root = tempDir();
    const sh = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd,
        encoding: 'utf8',
      }).trim();
    const work = join(root, 'work');
    sh(root, 'init', '--quiet', '--initial-branch=main', work);
    writeFileSync(join(work, 'a.txt'), 'one\n');
    sh(work, 'add', '.');
    sh(work, 'commit', '--quiet', '-m', 'base');
    const base = sh(work, 'rev-parse', 'HEAD');
    sh(work, 'checkout', '--quiet', '-b', 'feature');
    writeFileSync(join(work, 'a.txt'), 'two\n');
    sh(work, 'commit', '--quiet', '-am', 'change');
    const head = sh(work, 'rev-parse', 'HEAD');
    sh(work, 'checkout', '--quiet', 'main');
    writeFileSync(join(work, 'b.txt'), 'later\n');
    sh(work, 'add', '.');
    sh(work, 'commit', '--quiet', '-m', 'main moves on');
    const origin = join(root, 'origin.git');
    sh(root, 'clone', '--quiet', '--bare', work, origin);
    sh(origin, 'update-ref', 'refs/pull/7/head', head);
    sh(origin, 'config', 'uploadpack.allowFilter', 'true');

    const pr = { id: 'x', cloneUrl: `file://${origin}`, number: 7, title: '', body: '', goldens: [] };
    const dir = join(root, 'clone');
    expect(await preparePrRepo(execGitRunner, pr, dir)).toEqual({ baseSha: base, headSha: head });
    expect(sh(dir, 'config', 'remote.origin.partialclonefilter')).toBe('blob:none');
    // The second PR of the same repository reuses the clone.
    expect(await preparePrRepo(execGitRunner, pr, dir)).toEqual({ baseSha: base, headSha: head });
  });
});
