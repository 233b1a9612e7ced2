import { StringDecoder } from 'node:string_decoder';
import type { HistoryCommit } from '../core/findings/eval.js';
import { DiffStreamParser, GIT_DIFF_ARGS, parseDiff } from '../core/input/diff.js';
import { shortSha } from '../core/text.js';
import type { GitPort, Logger } from '../ports.js';
import { batchable, createObjectReader, type CatFileAnswer } from './git-objects.js';
import { GitError, type GitRunner, type GitStreamer } from './git-process.js';

/**
 * Deepening steps when the merge base is not reachable in a shallow clone. Bounded: past the last one the
 * run stops and says how to provide the history (a full fetch of a large repository can take minutes).
 */
export const FETCH_DEPTHS = [50, 200, 1000] as const;
/** Files read with `showFile` (config, guidelines, head files) larger than this are treated as absent. */
const MAX_SHOW_BYTES = 1_048_576;
const SHA = /^[0-9a-f]{40,64}$/;

/** The merge base lies deeper than the bounded fetches reach: the message says how to get further. */
export class HistoryTooDeepError extends Error {
  constructor(base: string, head: string) {
    const deepest = FETCH_DEPTHS[FETCH_DEPTHS.length - 1]!;
    super(
      `The merge base of the base ${shortSha(base)} and the head ${shortSha(head)} is more than ${deepest} commits ` +
        `behind one of them, deeper than diffray fetches. Check out the full history (actions/checkout with ` +
        `fetch-depth: 0), or rebase the branch on its base.`,
    );
    this.name = 'HistoryTooDeepError';
  }
}

/**
 * GitPort over the git CLI (in the runner's directory), fetching missing commits from `origin` only when
 * they are absent. With `stream`, files are read in batches through one `cat-file --batch` process
 * (git-objects.ts); without it (or for a path `--batch` cannot name), with up to three `cat-file` calls each.
 */
export function createGitPort(opts: {
  run: GitRunner;
  stream?: GitStreamer;
  log: Logger;
  remote?: string;
}): GitPort {
  const { run, log } = opts;
  const remote = opts.remote ?? 'origin';
  const reader = opts.stream ? createObjectReader(opts.stream) : undefined;

  async function must(operation: string, args: string[]): Promise<string> {
    const result = await run(args);
    if (result.exitCode !== 0) throw new GitError(operation, result);
    return result.stdout;
  }

  async function hasCommit(sha: string): Promise<boolean> {
    return (await run(['cat-file', '-e', `${sha}^{commit}`])).exitCode === 0;
  }

  /**
   * One `git merge-base`: it fails alike when a commit is absent (exit 128) and when a shallow history
   * does not reach a common ancestor (exit 1); either way the caller fetches and asks again.
   */
  async function tryMergeBase(base: string, head: string): Promise<string | undefined> {
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
      // A CI checkout lives for one job: no background maintenance or gc after the fetch (a process each).
      '-c',
      'maintenance.auto=false',
      '-c',
      'gc.auto=0',
      'fetch',
      '--no-tags',
      '--no-recurse-submodules',
      ...args,
    ]);
    // A failed deepening step is not fatal: the next, deeper one may still succeed.
    if (result.exitCode !== 0) log.debug(new GitError('fetch', result).message);
  }

  /** Without the batch reader, or for a name it cannot take: size, type, then content, one process each. */
  async function showFileByParts(spec: string): Promise<string | undefined> {
    const size = await run(['cat-file', '-s', spec]);
    if (size.exitCode !== 0) return undefined;
    if (Number(size.stdout.trim()) > MAX_SHOW_BYTES) return undefined;
    const type = await run(['cat-file', '-t', spec]);
    if (type.stdout.trim() !== 'blob') return undefined;
    return must('cat-file', ['cat-file', 'blob', spec]);
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
      // Forgetting actions/checkout is the usual cause, and git's own answer would not say so.
      if ((await run(['rev-parse', '--git-dir'])).exitCode !== 0) {
        throw new Error(
          'The workspace is not a git repository: add `uses: actions/checkout@v4` before diffray in the job ' +
            '(the default fetch-depth: 1 is enough)',
        );
      }
      for (const [name, sha] of [
        ['base', base],
        ['head', head],
      ] as const) {
        if (!(await hasCommit(sha)))
          throw new Error(
            `The ${name} commit ${sha} is not in the checkout and could not be fetched from ${remote}`,
          );
      }
      if (await isShallow()) throw new HistoryTooDeepError(base, head);
      throw new Error(`The base ${base} and head ${head} have no common ancestor`);
    },

    async diff(base, head) {
      return must('diff', [...GIT_DIFF_ARGS, base, head, '--']);
    },

    async diffFiles(base, head, onFiles) {
      const args = [...GIT_DIFF_ARGS, base, head, '--'];
      if (!opts.stream) {
        const files = parseDiff(await must('diff', args));
        if (files.length > 0) onFiles?.(files);
        return files;
      }
      // Parsed as git writes it: a thousand-file diff is mostly parsed by the time git is done.
      const parser = new DiffStreamParser(onFiles);
      const decoder = new StringDecoder('utf8');
      const result = await opts.stream(args, '', (chunk) => parser.push(decoder.write(chunk)));
      if (result.exitCode !== 0) throw new GitError('diff', result);
      parser.push(decoder.end());
      return parser.end();
    },

    async ensureCommit(sha) {
      if (!SHA.test(sha)) return false;
      if (await hasCommit(sha)) return true;
      log.info(`Fetching commit ${shortSha(sha)} from ${remote}`);
      await fetch([`--depth=${FETCH_DEPTHS[0]}`, remote, sha]);
      return hasCommit(sha);
    },

    async checkedOut() {
      const sha = (await run(['rev-parse', '--verify', '--quiet', 'HEAD'])).stdout.trim();
      if (!SHA.test(sha)) return undefined;
      // The object itself: a shallow checkout's HEAD has its parents grafted away, but its object names them.
      const commit = await run(['cat-file', 'commit', sha]);
      if (commit.exitCode !== 0) return undefined;
      const end = commit.stdout.indexOf('\n\n');
      const header = end < 0 ? commit.stdout : commit.stdout.slice(0, end);
      return { sha, parents: [...header.matchAll(/^parent ([0-9a-f]{40,64})$/gm)].map((m) => m[1]!) };
    },

    async isAncestor(ancestor, descendant) {
      for (const sha of [ancestor, descendant]) if (!SHA.test(sha)) return false;
      return (await run(['merge-base', '--is-ancestor', ancestor, descendant])).exitCode === 0;
    },

    async firstParentHistory(ref, max): Promise<HistoryCommit[]> {
      if (ref.startsWith('-')) throw new Error(`not a git revision: ${ref}`);
      const out = await must('log', [
        'log',
        '--first-parent',
        `--max-count=${Math.max(1, Math.floor(max))}`,
        '--format=%H %P%x09%s',
        '--end-of-options',
        ref,
      ]);
      return out
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const tab = line.indexOf('\t');
          const [sha = '', ...parents] = line.slice(0, tab).split(' ').filter(Boolean);
          return { sha, parents, subject: line.slice(tab + 1) };
        });
    },

    async showFile(rev, path) {
      const spec = fileSpec(rev, path);
      if (!reader || !batchable(spec)) return showFileByParts(spec);
      return blobText(await reader.read(spec, MAX_SHOW_BYTES));
    },

    showFiles(rev, paths) {
      const specs = paths.map((path) => fileSpec(rev, path));
      if (!reader) return specs.map(showFileByParts);
      const batch = specs.filter(batchable);
      const answers = reader.readMany(batch, MAX_SHOW_BYTES);
      let next = 0;
      return specs.map((spec) => (batchable(spec) ? answers[next++]!.then(blobText) : showFileByParts(spec)));
    },
  };
}

function fileSpec(rev: string, path: string): string {
  return `${rev}:${path.replace(/^\.\//, '')}`;
}

function blobText(answer: CatFileAnswer): string | undefined {
  return answer.kind === 'blob' ? answer.text : undefined;
}
