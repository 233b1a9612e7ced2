import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { githubServerUrl } from '../core/constants.js';
import type { HistoryCommit } from '../core/findings/eval.js';
import { DiffStreamParser, GIT_DIFF_ARGS, parseDiff } from '../core/input/diff.js';
import { shortSha } from '../core/text.js';
import type { GitPort, Logger } from '../ports.js';

/**
 * Deepening steps when the merge base is not reachable in a shallow clone. Bounded: past the last one the
 * run stops and says how to provide the history (a full fetch of a large repository can take minutes).
 */
export const FETCH_DEPTHS = [50, 200, 1000] as const;
/** Files read with `showFile` (config, guidelines, head files) larger than this are treated as absent. */
const MAX_SHOW_BYTES = 1_048_576;
const SHA = /^[0-9a-f]{40,64}$/;

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

/** One object as `git cat-file --batch` answered for it. */
export type CatFileAnswer =
  | { kind: 'blob'; text: string }
  | { kind: 'missing' }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'not-a-blob'; type: string };

const BATCH_HEADER = /^[0-9a-f]{40,64} ([a-z]+) (\d+)$/;

/**
 * Incremental parser of `git cat-file --batch` output for a list of requests, in order: each answer is
 * `<oid> <type> <size>\n<content>\n` or `<name> missing\n` (or `ambiguous`). Content over the request's
 * byte limit is skipped as it streams by, never held; blobs are decoded as UTF-8.
 */
export class CatFileBatchParser {
  private pending: Buffer = Buffer.alloc(0);
  private next = 0;
  /** The object being read: its header is parsed, `left` content bytes (+ LF) are still to come. */
  private current: { type: string; size: number; keep: boolean; parts: Buffer[]; left: number } | undefined;

  constructor(
    private readonly limits: readonly number[],
    private readonly onAnswer: (index: number, answer: CatFileAnswer) => void,
  ) {}

  /** Answers given so far. */
  get answered(): number {
    return this.next;
  }

  push(chunk: Buffer): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let pos = 0;
    while (pos < buf.length) {
      if (this.current) {
        const take = Math.min(this.current.left, buf.length - pos);
        if (this.current.keep && take > 0) this.current.parts.push(buf.subarray(pos, pos + take));
        this.current.left -= take;
        pos += take;
        if (this.current.left > 0) break;
        this.finishObject();
        continue;
      }
      const eol = buf.indexOf(10, pos);
      if (eol < 0) break;
      const line = buf.toString('latin1', pos, eol);
      pos = eol + 1;
      this.readHeader(line);
    }
    this.pending = pos < buf.length ? Buffer.from(buf.subarray(pos)) : Buffer.alloc(0);
  }

  private readHeader(line: string): void {
    if (this.next >= this.limits.length) throw new Error('git cat-file answered more than was asked');
    const header = BATCH_HEADER.exec(line);
    if (!header) {
      // `<name> missing` or `<name> ambiguous`: nothing usable under that name.
      this.onAnswer(this.next++, { kind: 'missing' });
      return;
    }
    const type = header[1]!;
    const size = Number(header[2]);
    const keep = type === 'blob' && size <= this.limits[this.next]!;
    // The content is followed by one LF, read (and dropped) with it.
    this.current = { type, size, keep, parts: [], left: size + 1 };
  }

  private finishObject(): void {
    const { type, size, keep, parts } = this.current!;
    this.current = undefined;
    const index = this.next++;
    if (type !== 'blob') return this.onAnswer(index, { kind: 'not-a-blob', type });
    if (!keep) return this.onAnswer(index, { kind: 'too-large', bytes: size });
    const content = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.onAnswer(index, { kind: 'blob', text: content.toString('utf8', 0, size) });
  }
}

/** `<rev>:<path>` names that `cat-file --batch` cannot take on its one-name-per-line input. */
function batchable(name: string): boolean {
  return !name.includes('\n') && !name.endsWith('\r');
}

interface ObjectReader {
  /** One object; names asked for in the same turn of the event loop share one process. */
  read(name: string, maxBytes: number): Promise<CatFileAnswer>;
  /** Many objects in one process started now, each promise settled as soon as git has written its answer. */
  readMany(names: readonly string[], maxBytes: number): Promise<CatFileAnswer>[];
}

/** Reads objects through `git cat-file --batch`: one process for many files instead of three per file. */
function createObjectReader(stream: GitStreamer): ObjectReader {
  type Request = {
    name: string;
    maxBytes: number;
    resolve: (a: CatFileAnswer) => void;
    reject: (e: Error) => void;
  };
  let queue: Request[] = [];

  function enqueue(name: string, maxBytes: number): Promise<CatFileAnswer> {
    return new Promise((resolve, reject) => queue.push({ name, maxBytes, resolve, reject }));
  }

  function flush(): void {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const parser = new CatFileBatchParser(
      batch.map((r) => r.maxBytes),
      (i, answer) => batch[i]!.resolve(answer),
    );
    const failRest = (error: Error) => {
      for (const r of batch.slice(parser.answered)) r.reject(error);
    };
    // --buffer: git writes in full blocks, not one flush per file (hundreds of small reads on our side).
    const args = ['cat-file', '--batch', '--buffer'];
    stream(args, batch.map((r) => `${r.name}\n`).join(''), (chunk) => parser.push(chunk))
      .then((result) => {
        if (parser.answered < batch.length) {
          failRest(
            new GitError('cat-file --batch', {
              exitCode: result.exitCode,
              stderr: result.stderr || 'the output ended early',
            }),
          );
        }
      })
      .catch((error: unknown) => failRest(error instanceof Error ? error : new Error(String(error))));
  }

  return {
    read(name, maxBytes) {
      if (queue.length === 0) setImmediate(flush);
      return enqueue(name, maxBytes);
    },
    readMany(names, maxBytes) {
      const answers = names.map((name) => enqueue(name, maxBytes));
      flush();
      return answers;
    },
  };
}

/**
 * GitPort over the git CLI in `cwd`, fetching missing commits from `origin` only when they are absent.
 * With `stream`, files are read in batches through one `cat-file --batch` process; without it (or for a
 * path `--batch` cannot name), with up to three `cat-file` calls each.
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

  /** The pre-batch way: size, type, then content, one process each. */
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
      log.info(`Fetching the last reviewed head ${shortSha(sha)} from ${remote}`);
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
