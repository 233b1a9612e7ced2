/**
 * Runs the bundled action (dist/index.js) the way the runner does: `node` with INPUT_* variables (hyphens
 * kept), the GITHUB_* environment, an event file, and a real git repository as the workspace whose
 * `origin` is a local bare repository (so fetching missing commits works like on GitHub).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startFakeAnthropic,
  type FakeAnthropic,
  type FakeAnthropicOptions,
  type Script,
} from '../fakes/anthropic.js';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../fakes/github.js';
import { RUNNER_INPUTS } from '../support/action-inputs.js';
import { addCommits, cloneBranch, commitAll, git, gitEnv, initOrigin, writeFiles } from '../support/git.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = join(ROOT, 'dist/index.js');
export const OWNER = 'acme';
export const REPO = 'widgets';
export const PR_NUMBER = 7;

/**
 * The Node that runs the bundle: the test's own by default; CI sets DIFFRAY_E2E_NODE to a Node 24 binary
 * too, since action.yml runs on node24 and the bundle must work on both.
 */
export const BUNDLE_NODE = process.env.DIFFRAY_E2E_NODE || process.execPath;

export interface PrRepo {
  dir: string;
  /** The bare repository standing in for GitHub's. */
  origin: string;
  /** The repository the PR's commits are made in before they are pushed to `origin`. */
  seed: string;
  workspace: string;
  baseSha: string;
  headSha: string;
  /** The PR's diff as GitHub would show it (merge base → head). */
  diff: string;
  cleanup(): void;
}

/** The diff GitHub shows for a PR: from the merge base, not from the base branch's tip. */
function prDiff(seed: string, baseSha: string, headSha: string): string {
  const mergeBase = git(seed, 'merge-base', baseSha, headSha).trim();
  return git(seed, 'diff', '--no-color', '--find-renames', mergeBase, headSha);
}

/**
 * A PR: `base` files on main, `head` changes on a feature branch, then one more commit on main (so the
 * base sha is not the merge base). The workspace is a clone of the feature branch, `--depth 1` by
 * default like actions/checkout, so the base must be fetched.
 */
export function makePrRepo(opts: {
  base: Record<string, string>;
  head: Record<string, string | null>;
  shallow?: boolean;
  /** Names the temporary directory, for finding it while a run is inspected. */
  tmpPrefix?: string;
}): PrRepo {
  const dir = mkdtempSync(join(tmpdir(), opts.tmpPrefix ?? 'diffray-e2e-'));
  const { origin, seed } = initOrigin(dir);
  writeFiles(seed, opts.base);
  commitAll(seed, 'base');
  git(seed, 'checkout', '-q', '-b', 'feature');
  writeFiles(seed, opts.head);
  const headSha = commitAll(seed, 'feature');
  git(seed, 'checkout', '-q', 'main');
  writeFiles(seed, { 'UNRELATED.md': 'a later change on main\n' });
  const baseSha = commitAll(seed, 'main moves on');
  git(seed, 'remote', 'add', 'origin', origin);
  git(seed, 'push', '-q', 'origin', 'main', 'feature');

  const workspace = join(dir, 'workspace');
  cloneBranch(origin, workspace, 'feature', opts.shallow);
  return {
    dir,
    origin,
    seed,
    workspace,
    baseSha,
    headSha,
    diff: prDiff(seed, baseSha, headSha),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A new push to the PR: `files` committed on the feature branch (or, with `force`, the feature commit
 * rewritten with them, as a rebase or amend + force-push does), pushed to origin, and the workspace
 * re-cloned at depth 1 like actions/checkout on the next run. Updates `repo` in place.
 */
export function pushToPr(
  repo: PrRepo,
  files: Record<string, string | null>,
  opts: { force?: boolean; message?: string } = {},
): void {
  const { seed } = repo;
  git(seed, 'checkout', '-q', 'feature');
  writeFiles(seed, files);
  repo.headSha = opts.force
    ? commitAll(seed, opts.message ?? 'feature (rewritten)', '--amend')
    : commitAll(seed, opts.message ?? 'another push');
  git(seed, 'push', '-q', ...(opts.force ? ['--force'] : []), 'origin', 'feature');
  git(seed, 'checkout', '-q', 'main');
  repo.diff = prDiff(seed, repo.baseSha, repo.headSha);
  rmSync(repo.workspace, { recursive: true, force: true });
  cloneBranch(repo.origin, repo.workspace, 'feature');
}

/** The base branch moves on by `count` commits (pushed), leaving the merge base that far below the base. */
export function advanceBase(repo: PrRepo, count: number): void {
  addCommits(repo.seed, 'main', count, 'MAIN.md');
  git(repo.seed, 'push', '-q', 'origin', 'main');
  repo.baseSha = git(repo.seed, 'rev-parse', 'main').trim();
}

export function pullRequestEvent(
  repo: PrRepo,
  overrides: { fork?: boolean; draft?: boolean; title?: string; body?: string; sender?: string } = {},
) {
  const full = `${OWNER}/${REPO}`;
  return {
    action: 'synchronize',
    number: PR_NUMBER,
    pull_request: {
      number: PR_NUMBER,
      title: overrides.title ?? 'Add widget parsing',
      body: overrides.body ?? 'Parses widgets.',
      html_url: `https://github.com/${full}/pull/${PR_NUMBER}`,
      draft: overrides.draft ?? false,
      base: { sha: repo.baseSha, ref: 'main', repo: { full_name: full } },
      head: {
        sha: repo.headSha,
        ref: 'feature',
        repo: { full_name: overrides.fork ? `forker/${REPO}` : full },
      },
    },
    repository: { full_name: full },
    sender: { login: overrides.sender ?? 'octocat' },
  };
}

export interface ActionResult {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  jobSummary: string;
}

export interface RunOptions {
  repo: PrRepo;
  githubUrl: string;
  anthropicUrl: string;
  inputs?: Record<string, string>;
  event?: unknown;
  eventName?: string;
  env?: Record<string, string>;
  /** Another bundle than dist/index.js (the bench builds its own). */
  bundle?: string;
  /** Extra node flags (e.g. `--cpu-prof`) for profiling a run. */
  nodeArgs?: string[];
  /** Each stdout line as it arrives, with the time since spawn (for profiling). */
  onLine?: (ms: number, line: string) => void;
  /** The action's process, once spawned (to signal it as the runner does on cancellation). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Spawns `node dist/index.js` with the runner's environment and collects outputs and the job summary. */
export async function runAction(opts: RunOptions): Promise<ActionResult> {
  const runDir = mkdtempSync(join(opts.repo.dir, 'run-'));
  const eventPath = join(runDir, 'event.json');
  const outputPath = join(runDir, 'output.txt');
  const summaryPath = join(runDir, 'summary.md');
  const temp = join(runDir, 'tmp');
  mkdirSync(temp);
  writeFileSync(eventPath, JSON.stringify(opts.event ?? pullRequestEvent(opts.repo)));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const inputs = { ...RUNNER_INPUTS, ...opts.inputs };
  const env: Record<string, string> = {
    ...gitEnv(runDir),
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: opts.eventName ?? 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_WORKSPACE: opts.repo.workspace,
    GITHUB_API_URL: opts.githubUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: opts.repo.headSha,
    GITHUB_RUN_ID: '1',
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: temp,
    ANTHROPIC_BASE_URL: opts.anthropicUrl,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...opts.env,
  };
  const spawned = performance.now();
  const child = spawn(BUNDLE_NODE, [...(opts.nodeArgs ?? []), opts.bundle ?? BUNDLE], {
    cwd: opts.repo.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  opts.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    stdout += text;
    if (opts.onLine)
      for (const line of text.split('\n')) if (line) opts.onLine(performance.now() - spawned, line);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  // Bounded: a run that hangs is killed after 15 minutes.
  const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    jobSummary: readFileSync(summaryPath, 'utf8'),
  };
}

/** A PR with a fake GitHub that shows its diff and a fake Anthropic that answers with a script. */
export interface PrUnderTest {
  repo: PrRepo;
  github: FakeGitHub;
  anthropic: FakeAnthropic;
  /** Runs the bundled action on the PR against the two fakes. */
  run(opts?: Omit<RunOptions, 'repo' | 'githubUrl' | 'anthropicUrl'>): Promise<ActionResult>;
  /** Stops the fakes and deletes the repositories. */
  close(): Promise<void>;
}

export interface StartPrOptions {
  base: Record<string, string>;
  head: Record<string, string | null>;
  script: Script;
  github?: Pick<FakeGitHubOptions, 'denied' | 'rejectLines' | 'personalToken' | 'prAuthor'>;
  anthropic?: FakeAnthropicOptions;
}

export async function startPr(opts: StartPrOptions): Promise<PrUnderTest> {
  const repo = makePrRepo({ base: opts.base, head: opts.head });
  const github = await startFakeGitHub({
    owner: OWNER,
    repo: REPO,
    pullNumber: PR_NUMBER,
    diff: repo.diff,
    headSha: repo.headSha,
    baseSha: repo.baseSha,
    ...opts.github,
  });
  const anthropic = await startFakeAnthropic(opts.script, opts.anthropic);
  return {
    repo,
    github,
    anthropic,
    run: (runOpts = {}) =>
      runAction({ ...runOpts, repo, githubUrl: github.url, anthropicUrl: anthropic.url }),
    close: async () => {
      await Promise.all([github.close(), anthropic.close()]);
      repo.cleanup();
    },
  };
}

/** GITHUB_OUTPUT uses heredoc blocks: `name<<ghadelimiter_<uuid>\nvalue\nghadelimiter_<uuid>`. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm;
  for (const m of text.matchAll(re)) outputs[m[1]!] = m[3]!;
  return outputs;
}

/** Lines of a source file, numbered from 1, for building findings that point at real lines. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`fixture has no line containing ${needle}`);
  return index + 1;
}
