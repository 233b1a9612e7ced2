/**
 * Running git: one process per command, spawned directly, in an environment that never prompts and
 * authenticates fetches from the GitHub server with the action's token (`fetchAuthEnv`); `GitError` says
 * what a failed command's stderr names.
 */
import { spawn } from 'node:child_process';
import { githubServerUrl } from '../core/constants.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs git; output is never echoed to the log (it can hold code). */
export type GitRunner = (args: string[]) => Promise<GitResult>;

/**
 * Runs a git command that reads `input` on stdin and hands each stdout chunk to `onStdout` as it arrives
 * (`cat-file --batch`: hundreds of files in one process, each usable as soon as git has written it).
 */
export type GitStreamer = (
  args: string[],
  input: string,
  onStdout: (chunk: Buffer) => void,
) => Promise<{ exitCode: number; stderr: string }>;

function gitEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/**
 * Git config, in the environment of the git processes, that authenticates their fetches from the GitHub
 * server (`GITHUB_SERVER_URL`) with the action's token. `actions/checkout` with `persist-credentials: false` (as the README's
 * workflow has it) leaves no credentials in the checkout, and a private repository's base commit cannot be
 * fetched without them. The header is scoped to the server's URL, so the token goes to no other host; an
 * empty value first resets a header the checkout may have persisted (git would send both). The
 * environment, not the command line: arguments are visible to every user of the machine (`ps`), a
 * process's environment only to its own user, who already has the token in ours. Entries the caller's
 * environment already has (`GIT_CONFIG_COUNT`) are kept.
 */
export function fetchAuthEnv(token: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const n = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  const serverUrl = githubServerUrl(env);
  const key = `http.${serverUrl.replace(/\/+$/, '')}/.extraheader`;
  const credentials = Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
  return {
    GIT_CONFIG_COUNT: String(n + 2),
    [`GIT_CONFIG_KEY_${n}`]: key,
    [`GIT_CONFIG_VALUE_${n}`]: '',
    [`GIT_CONFIG_KEY_${n + 1}`]: key,
    [`GIT_CONFIG_VALUE_${n + 1}`]: `AUTHORIZATION: basic ${credentials}`,
  };
}

/**
 * Spawns `git` directly (no shell, no PATH lookup of our own): git is run dozens of times per review, and
 * a wrapper that resolves the executable on every call adds a file-system round trip to each.
 */
function spawnGit(
  cwd: string,
  args: string[],
  opts: { input?: string; onStdout?: (chunk: Buffer) => void; env?: Record<string, string> },
): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: gitEnv(opts.env ?? {}),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      child.kill();
      reject(error);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!opts.onStdout) return void out.push(chunk);
      try {
        opts.onStdout(chunk);
      } catch (error) {
        fail(error as Error);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => fail(new Error(`could not run git: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (child.stdin) {
      // git may exit before reading all of its input (a bad argument): its exit code says why, not EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** `env`: added to git's environment (`fetchAuthEnv`). */
export function execGitRunner(cwd: string, env: Record<string, string> = {}): GitRunner {
  return async (args) => {
    const result = await spawnGit(cwd, args, { env });
    return { exitCode: result.exitCode, stdout: result.stdout.toString('utf8'), stderr: result.stderr };
  };
}

export function execGitStreamer(cwd: string): GitStreamer {
  return async (args, input, onStdout) => {
    const result = await spawnGit(cwd, args, { input, onStdout });
    return { exitCode: result.exitCode, stderr: result.stderr };
  };
}

export class GitError extends Error {
  constructor(operation: string, result: Pick<GitResult, 'exitCode' | 'stderr'>) {
    // git's first stderr line names the problem (bad revision, no remote); it never carries file content.
    const first = result.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit code ${result.exitCode}`;
    super(`git ${operation} failed: ${first.trim().slice(0, 300)}`);
    this.name = 'GitError';
  }
}
