/**
 * The action's slowest local step, making the base and head commits and their merge base available (a
 * fetch on a depth-1 checkout), depends on nothing but the event payload. The entry starts it here,
 * before the rest of the bundle is even evaluated, so git fetches while the action loads.
 */
import { readFileSync } from 'node:fs';
import { createGitPort } from './adapters/git.js';
import { execGitRunner, execGitStreamer, fetchAuthEnv, type GitRunner } from './adapters/git-process.js';
import type { GitPort, Logger } from './ports.js';

const SHA = /^[0-9a-f]{40,64}$/;

/** Holds log lines until the action's own logger takes over (after secrets are masked), then forwards. */
export class DeferredLogger implements Logger {
  private target: Logger | undefined;
  private held: [keyof Logger, string][] = [];

  info(message: string): void {
    this.emit('info', message);
  }
  warning(message: string): void {
    this.emit('warning', message);
  }
  debug(message: string): void {
    this.emit('debug', message);
  }

  /** Writes what was held, in order, and everything after, to `logger`. */
  attach(logger: Logger): void {
    this.target = logger;
    for (const [level, message] of this.held) logger[level](message);
    this.held = [];
  }

  private emit(level: keyof Logger, message: string): void {
    if (this.target) this.target[level](message);
    else this.held.push([level, message]);
  }
}

export interface EarlyGit {
  /** The checkout git runs in (the action must be reviewing the same one to use this port). */
  workspace: string;
  /** The git port, whose `mergeBase` for the PR's base and head is the one already under way. */
  git: GitPort;
  log: DeferredLogger;
  /** Settles once git is fetching, or has the merge base without fetching: the action may load meanwhile. */
  ready: Promise<void>;
}

/**
 * Starts `mergeBase(base, head)` for a same-repository pull request event (a fork's PR on `pull_request`
 * gets no secrets and is skipped: no fetch for nothing). Anything unexpected (another event, a payload
 * that does not parse) starts nothing: the action then reads and reports it the usual way.
 */
export function startMergeBase(env: NodeJS.ProcessEnv): EarlyGit | undefined {
  const pr = sameRepositoryPr(env);
  if (!pr) return undefined;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const log = new DeferredLogger();
  let fetching = () => {};
  const fetchStarted = new Promise<void>((resolve) => (fetching = resolve));
  // The one input read before readInputs (action-yml.test.ts allows exactly this): the fetch starting
  // here needs the token on a private repository checked out without persisted credentials.
  const token = env['INPUT_GITHUB-TOKEN']?.trim();
  const runner = execGitRunner(workspace, token ? fetchAuthEnv(token, env) : {});
  const run: GitRunner = (args) => {
    const result = runner(args);
    if (args.includes('fetch')) fetching();
    return result;
  };
  const port = createGitPort({ run, stream: execGitStreamer(workspace), log });
  const mergeBase = port.mergeBase(pr.base, pr.head);
  mergeBase.catch(() => undefined); // the action awaits it; a failure is reported there
  return {
    workspace,
    log,
    git: {
      ...port,
      mergeBase: (base, head) =>
        base === pr.base && head === pr.head ? mergeBase : port.mergeBase(base, head),
    },
    ready: Promise.race([mergeBase.then(noop, noop), fetchStarted]),
  };
}

function noop(): void {}

function sameRepositoryPr(env: NodeJS.ProcessEnv): { base: string; head: string } | undefined {
  if (env.GITHUB_EVENT_NAME !== 'pull_request' && env.GITHUB_EVENT_NAME !== 'pull_request_target') {
    return undefined;
  }
  try {
    const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as {
      pull_request?: {
        base?: { sha?: unknown; repo?: { full_name?: unknown } | null };
        head?: { sha?: unknown; repo?: { full_name?: unknown } | null };
      };
    };
    const { base, head } = payload.pull_request ?? {};
    const [baseSha, headSha] = [base?.sha, head?.sha];
    if (typeof baseSha !== 'string' || typeof headSha !== 'string') return undefined;
    if (!SHA.test(baseSha) || !SHA.test(headSha)) return undefined;
    const baseRepo = base?.repo?.full_name;
    if (typeof baseRepo !== 'string' || head?.repo?.full_name !== baseRepo) return undefined;
    return { base: baseSha, head: headSha };
  } catch {
    return undefined;
  }
}
