import { getExecOutput } from '@actions/exec';
import { GIT_DIFF_ARGS } from '../core/diff.js';
import type { GitPort, Logger, MergeCommit } from '../ports.js';

/** Deepening steps when the merge base is not reachable in a shallow clone; then --unshallow. */
export const FETCH_DEPTHS = [50, 200, 1000] as const;
/** Files read with `showFile` (config) larger than this are treated as absent. */
const MAX_SHOW_BYTES = 1_048_576;
const SHA = /^[0-9a-f]{40,64}$/;

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs git; output is never echoed to the log (it can hold code). */
export type GitRunner = (args: string[]) => Promise<GitResult>;

export function execGitRunner(cwd: string): GitRunner {
  return async (args) =>
    getExecOutput('git', args, {
      cwd,
      silent: true,
      ignoreReturnCode: true,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } as Record<string, string>,
    });
}

export class GitError extends Error {
  constructor(operation: string, result: GitResult) {
    // git's first stderr line names the problem (bad revision, no remote); it never carries file content.
    const first = result.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit code ${result.exitCode}`;
    super(`git ${operation} failed: ${first.trim().slice(0, 300)}`);
    this.name = 'GitError';
  }
}

/** GitPort over the git CLI in `cwd`, fetching missing commits from `origin` only when they are absent. */
export function createGitPort(opts: { run: GitRunner; log: Logger; remote?: string }): GitPort {
  const { run, log } = opts;
  const remote = opts.remote ?? 'origin';

  async function must(operation: string, args: string[]): Promise<string> {
    const result = await run(args);
    if (result.exitCode !== 0) throw new GitError(operation, result);
    return result.stdout;
  }

  async function hasCommit(sha: string): Promise<boolean> {
    return (await run(['cat-file', '-e', `${sha}^{commit}`])).exitCode === 0;
  }

  async function tryMergeBase(base: string, head: string): Promise<string | undefined> {
    if (!(await hasCommit(base)) || !(await hasCommit(head))) return undefined;
    const result = await run(['merge-base', base, head]);
    const sha = result.stdout.trim();
    return result.exitCode === 0 && SHA.test(sha) ? sha : undefined;
  }

  async function isShallow(): Promise<boolean> {
    return (await run(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
  }

  async function fetch(args: string[]): Promise<void> {
    const result = await run([
      '-c',
      'protocol.version=2',
      'fetch',
      '--no-tags',
      '--no-recurse-submodules',
      ...args,
    ]);
    // A failed deepening step is not fatal: the next step (or --unshallow) may still succeed.
    if (result.exitCode !== 0) log.debug(new GitError('fetch', result).message);
  }

  return {
    async resolveRef(ref) {
      if (ref.startsWith('-')) throw new Error(`not a git revision: ${ref}`);
      return (
        await must('rev-parse', ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])
      ).trim();
    },

    async mergeBase(base, head) {
      for (const sha of [base, head]) if (!SHA.test(sha)) throw new Error(`not a commit sha: ${sha}`);
      const found = await tryMergeBase(base, head);
      if (found) return found;
      for (const depth of FETCH_DEPTHS) {
        log.info(`Fetching base and head commits from ${remote} (depth ${depth})`);
        await fetch([`--depth=${depth}`, remote, base, head]);
        const mb = await tryMergeBase(base, head);
        if (mb) return mb;
      }
      log.info(`Fetching the full history from ${remote} to find the merge base`);
      await fetch((await isShallow()) ? ['--unshallow', remote, base, head] : [remote, base, head]);
      const mb = await tryMergeBase(base, head);
      if (mb) return mb;
      for (const [name, sha] of [
        ['base', base],
        ['head', head],
      ] as const) {
        if (!(await hasCommit(sha)))
          throw new Error(
            `The ${name} commit ${sha} is not in the checkout and could not be fetched from ${remote}`,
          );
      }
      throw new Error(`The base ${base} and head ${head} have no common ancestor`);
    },

    async diff(base, head) {
      return must('diff', [...GIT_DIFF_ARGS, base, head, '--']);
    },

    async ensureCommit(sha) {
      if (!SHA.test(sha)) return false;
      if (await hasCommit(sha)) return true;
      log.info(`Fetching the last reviewed head ${sha.slice(0, 7)} from ${remote}`);
      await fetch([`--depth=${FETCH_DEPTHS[0]}`, remote, sha]);
      return hasCommit(sha);
    },

    async isAncestor(ancestor, descendant) {
      for (const sha of [ancestor, descendant]) if (!SHA.test(sha)) return false;
      return (await run(['merge-base', '--is-ancestor', ancestor, descendant])).exitCode === 0;
    },

    async recentMerges(ref, max): Promise<MergeCommit[]> {
      if (ref.startsWith('-')) throw new Error(`not a git revision: ${ref}`);
      const out = await must('log', [
        'log',
        '--first-parent',
        '--merges',
        `--max-count=${Math.max(1, Math.floor(max))}`,
        '--format=%H %P%x09%s',
        '--end-of-options',
        ref,
      ]);
      return out
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const [shas = '', subject = ''] = line.split('\t');
          const [sha = '', parent = ''] = shas.split(' ');
          return { sha, parent, subject };
        });
    },

    async showFile(rev, path) {
      const spec = `${rev}:${path.replace(/^\.\//, '')}`;
      const size = await run(['cat-file', '-s', spec]);
      if (size.exitCode !== 0) return undefined;
      if (Number(size.stdout.trim()) > MAX_SHOW_BYTES) return undefined;
      const type = await run(['cat-file', '-t', spec]);
      if (type.stdout.trim() !== 'blob') return undefined;
      return must('cat-file', ['cat-file', 'blob', spec]);
    },
  };
}
