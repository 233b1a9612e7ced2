/**
 * Spawns an action bundle as the runner does (the e2e harness's `runAction`, with the bundle path as a
 * parameter): INPUT_* with hyphens, GITHUB_* variables, an event file, the workspace as cwd.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  OWNER,
  parseOutputs,
  pullRequestEvent,
  REPO,
  type ActionResult,
  type PrRepo,
} from '../../test/e2e/harness.js';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export async function runBundle(opts: {
  bundle: string;
  repo: PrRepo;
  githubUrl: string;
  anthropicUrl: string;
  inputs?: Record<string, string>;
  /** Extra node flags (e.g. `--cpu-prof`) for profiling a run. */
  nodeArgs?: string[];
  /** Each stdout line as it arrives, with the time since spawn (for profiling). */
  onLine?: (ms: number, line: string) => void;
}): Promise<ActionResult> {
  const runDir = mkdtempSync(join(opts.repo.dir, 'run-'));
  const eventPath = join(runDir, 'event.json');
  const outputPath = join(runDir, 'output.txt');
  const summaryPath = join(runDir, 'summary.md');
  const temp = join(runDir, 'tmp');
  mkdirSync(temp);
  writeFileSync(eventPath, JSON.stringify(pullRequestEvent(opts.repo)));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const inputs = {
    'anthropic-api-key': 'sk-ant-bench-key-000000000000',
    'github-token': 'ghs_benchtoken00000000000000000000000',
    'api-key': '',
    'api-url': '',
    model: 'claude-sonnet-4-5',
    'fail-on': 'high',
    'max-comments': '20',
    'config-file': '.diffray.yml',
    exclude: '',
    'sarif-file': '',
    ...opts.inputs,
  };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: runDir,
    ...GIT_ENV,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
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
  };
  const spawned = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.bundle], {
    cwd: opts.repo.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
