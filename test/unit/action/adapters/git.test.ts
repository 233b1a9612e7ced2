/**
 * The git adapter on real repositories: a bare `origin` and a depth-1 clone of the PR branch, as
 * actions/checkout leaves it. The runner is the production one (`execGitRunner`) wrapped to record every
 * git command, so the tests can count fetches and see their depths.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitPort, FETCH_DEPTHS, HistoryTooDeepError } from '../../../../action/adapters/git.js';
import { execGitRunner, fetchAuthEnv, type GitRunner } from '../../../../action/adapters/git-process.js';
import type { GitPort } from '../../../../action/ports.js';
import { addCommits, cloneBranch, commitAll, git, initOrigin, writeFiles } from '../../../support/git.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Fixture {
  workspace: string;
  baseSha: string;
  headSha: string;
  mergeBase: string;
  /** A commit on origin that is not in the base or head history. */
  otherSha: string;
}

const OLD_HISTORY = 300;

/**
 * main: ~300 old commits, M (with `.diffray.yml` "fail-on: medium"), then `mainCommits` more commits → base.
 * feature: M + one commit that changes `.diffray.yml` and src/app.ts → head.
 * side: M + one commit, pushed but unrelated. The workspace is a clone of `feature`.
 */
function makeRepo(opts: { mainCommits: number; shallow?: boolean }): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-git-'));
  dirs.push(dir);
  const { origin, seed } = initOrigin(dir);
  // Old history below the merge base, longer than the first fetch depth: a bounded fetch stays shallow.
  writeFiles(seed, { 'OLD.md': 'old\n' });
  commitAll(seed, 'root');
  addCommits(seed, 'main', OLD_HISTORY, 'OLD.md');
  writeFiles(seed, { '.diffray.yml': 'fail-on: medium\n', 'src/app.ts': 'export const a = 1;\n' });
  const mergeBase = commitAll(seed, 'M');

  git(seed, 'checkout', '-q', '-b', 'side');
  writeFiles(seed, { 'SIDE.md': 'side\n' });
  const otherSha = commitAll(seed, 'side');

  git(seed, 'checkout', '-q', '-b', 'feature', mergeBase);
  writeFiles(seed, { '.diffray.yml': 'fail-on: none\n', 'src/app.ts': 'export const a = 2;\n' });
  const headSha = commitAll(seed, 'feature');

  git(seed, 'checkout', '-q', 'main');
  addCommits(seed, 'main', opts.mainCommits, 'MAIN.md');
  const baseSha = git(seed, 'rev-parse', 'main').trim();
  git(seed, 'remote', 'add', 'origin', origin);
  git(seed, 'push', '-q', 'origin', 'main', 'feature', 'side');

  const workspace = join(dir, 'workspace');
  cloneBranch(origin, workspace, 'feature', opts.shallow);
  return { workspace, baseSha, headSha, mergeBase, otherSha };
}

/** The production runner, recording each command (first two args are `-c protocol.version=2` for fetch). */
function recordingPort(workspace: string): {
  port: GitPort;
  commands: string[][];
  fetches: () => string[][];
} {
  const commands: string[][] = [];
  const real = execGitRunner(workspace);
  const run: GitRunner = async (args) => {
    commands.push(args);
    return real(args);
  };
  const log = { info: () => {}, warning: () => {}, debug: () => {} };
  return {
    port: createGitPort({ run, log }),
    commands,
    fetches: () => commands.filter((args) => args.includes('fetch')),
  };
}

const isShallow = (workspace: string) => git(workspace, 'rev-parse', '--is-shallow-repository').trim();
const hasCommit = (workspace: string, sha: string) => {
  try {
    git(workspace, 'cat-file', '-e', `${sha}^{commit}`);
    return true;
  } catch {
    return false;
  }
};

describe('createGitPort on a depth-1 checkout', () => {
  it('fetches the missing base once and finds the merge base without unshallowing', async () => {
    const repo = makeRepo({ mainCommits: 3 });
    expect(hasCommit(repo.workspace, repo.baseSha)).toBe(false);
    const { port, fetches } = recordingPort(repo.workspace);

    expect(await port.mergeBase(repo.baseSha, repo.headSha)).toBe(repo.mergeBase);
    expect(fetches()).toHaveLength(1);
    const fetch = fetches()[0]!;
    expect(fetch).toContain(`--depth=${FETCH_DEPTHS[0]}`);
    expect(fetch.slice(-3)).toEqual(['origin', repo.baseSha, repo.headSha]);
    expect(isShallow(repo.workspace)).toBe('true');

    // The diff of the PR is merge base → head, computed locally.
    const diff = await port.diff(repo.mergeBase, repo.headSha);
    expect(diff).toContain('src/app.ts');
    expect(diff).toContain('+export const a = 2;');
    expect(diff).not.toContain('MAIN.md');
  });

  it('deepens in bounded steps when the base is further than the first depth from the merge base', async () => {
    const repo = makeRepo({ mainCommits: FETCH_DEPTHS[0] + 10 });
    const { port, fetches } = recordingPort(repo.workspace);

    expect(await port.mergeBase(repo.baseSha, repo.headSha)).toBe(repo.mergeBase);
    expect(fetches().map((f) => f.find((a) => a.startsWith('--depth=')))).toEqual([
      `--depth=${FETCH_DEPTHS[0]}`,
      `--depth=${FETCH_DEPTHS[1]}`,
    ]);
    expect(isShallow(repo.workspace)).toBe('true');
  });

  it('a later ensureCommit does not cut the history the merge base needed', async () => {
    const repo = makeRepo({ mainCommits: FETCH_DEPTHS[0] + 10 });
    const { port, fetches } = recordingPort(repo.workspace);
    await port.mergeBase(repo.baseSha, repo.headSha);

    expect(await port.ensureCommit(repo.otherSha)).toBe(true);
    const before = fetches().length;
    expect(await port.mergeBase(repo.baseSha, repo.headSha)).toBe(repo.mergeBase);
    expect(fetches()).toHaveLength(before);
    expect(await port.isAncestor(repo.mergeBase, repo.baseSha)).toBe(true);
  });

  it('stops after the deepest bounded fetch, saying how to provide the history, and never unshallows', async () => {
    const deepest = FETCH_DEPTHS[FETCH_DEPTHS.length - 1]!;
    const repo = makeRepo({ mainCommits: deepest + 5 });
    const { port, fetches } = recordingPort(repo.workspace);

    const error = await port.mergeBase(repo.baseSha, repo.headSha).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryTooDeepError);
    expect((error as Error).message).toBe(
      `The merge base of the base ${repo.baseSha.slice(0, 7)} and the head ${repo.headSha.slice(0, 7)} is ` +
        `more than ${deepest} commits behind one of them, deeper than diffray fetches. Check out the full ` +
        'history (actions/checkout with fetch-depth: 0), or rebase the branch on its base.',
    );
    const steps = fetches().map((f) => f.find((a) => a.startsWith('--depth=') || a === '--unshallow'));
    expect(steps).toEqual(FETCH_DEPTHS.map((d) => `--depth=${d}`));
    expect(isShallow(repo.workspace)).toBe('true');
  }, 30_000);

  it('fetches nothing when the commits are already present', async () => {
    const repo = makeRepo({ mainCommits: 3, shallow: false });
    const { port, fetches, commands } = recordingPort(repo.workspace);

    expect(await port.mergeBase(repo.baseSha, repo.headSha)).toBe(repo.mergeBase);
    expect(await port.ensureCommit(repo.baseSha)).toBe(true);
    expect(await port.ensureCommit(repo.otherSha)).toBe(true);
    expect(fetches()).toEqual([]);
    expect(commands.length).toBeGreaterThan(0);
  });

  it('does not fetch again once a first call brought the commits in', async () => {
    const repo = makeRepo({ mainCommits: 3 });
    const { port, fetches } = recordingPort(repo.workspace);
    await port.mergeBase(repo.baseSha, repo.headSha);
    const after = fetches().length;

    expect(await port.mergeBase(repo.baseSha, repo.headSha)).toBe(repo.mergeBase);
    expect(await port.ensureCommit(repo.baseSha)).toBe(true);
    expect(fetches()).toHaveLength(after);
  });

  it('ensureCommit fetches an absent commit from origin once, and answers false for one origin lacks', async () => {
    const repo = makeRepo({ mainCommits: 1 });
    const { port, fetches } = recordingPort(repo.workspace);

    expect(await port.ensureCommit(repo.otherSha)).toBe(true);
    expect(fetches()).toHaveLength(1);
    expect(await port.ensureCommit('0123456789abcdef0123456789abcdef01234567')).toBe(false);
    expect(fetches()).toHaveLength(2);
    expect(await port.ensureCommit('not-a-sha')).toBe(false);
    expect(await port.ensureCommit('--upload-pack=touch /tmp/pwned')).toBe(false);
    expect(fetches()).toHaveLength(2);
  });

  it('names the missing commit when origin does not have the base', async () => {
    const repo = makeRepo({ mainCommits: 1 });
    const { port, fetches } = recordingPort(repo.workspace);
    const gone = 'fedcba9876543210fedcba9876543210fedcba98';

    await expect(port.mergeBase(gone, repo.headSha)).rejects.toThrow(
      `The base commit ${gone} is not in the checkout and could not be fetched from origin`,
    );
    // Bounded: one fetch per depth, then it gives up.
    expect(fetches()).toHaveLength(FETCH_DEPTHS.length);
  });

  it('refuses anything but a commit sha as a merge-base argument (no option injection)', async () => {
    const repo = makeRepo({ mainCommits: 1 });
    const { port, commands } = recordingPort(repo.workspace);
    await expect(port.mergeBase('--upload-pack=touch /tmp/x', repo.headSha)).rejects.toThrow(
      /not a commit sha/,
    );
    await expect(port.mergeBase(repo.baseSha, 'HEAD')).rejects.toThrow(/not a commit sha/);
    await expect(port.resolveRef('--output=/tmp/x')).rejects.toThrow(/not a git revision/);
    expect(commands).toEqual([]);
  });
});

describe('showFile', () => {
  it('reads the config file as it is at the base commit, not as the PR changed it', async () => {
    const repo = makeRepo({ mainCommits: 2 });
    const { port } = recordingPort(repo.workspace);
    await port.mergeBase(repo.baseSha, repo.headSha);

    expect(await port.showFile(repo.baseSha, '.diffray.yml')).toBe('fail-on: medium\n');
    expect(await port.showFile(repo.baseSha, './.diffray.yml')).toBe('fail-on: medium\n');
    expect(await port.showFile(repo.headSha, '.diffray.yml')).toBe('fail-on: none\n');
  });

  it('answers undefined for a missing path, a directory, or a file over 1 MiB', async () => {
    const repo = makeRepo({ mainCommits: 1, shallow: false });
    writeFileSync(join(repo.workspace, 'big.txt'), Buffer.alloc(1_048_577, 0x61));
    git(repo.workspace, 'add', 'big.txt');
    git(repo.workspace, 'commit', '-q', '-m', 'big');
    const sha = git(repo.workspace, 'rev-parse', 'HEAD').trim();
    const { port } = recordingPort(repo.workspace);

    expect(await port.showFile(repo.baseSha, 'no-such.yml')).toBeUndefined();
    expect(await port.showFile(repo.baseSha, 'src')).toBeUndefined();
    expect(await port.showFile(sha, 'big.txt')).toBeUndefined();
    expect(await port.showFile(sha, 'src/app.ts')).toBe('export const a = 2;\n');
  });
});

describe('checkedOut', () => {
  it("names the working tree's commit and the parents its object lists, even in a depth-1 clone", async () => {
    const repo = makeRepo({ mainCommits: 1 });
    const origin = join(repo.workspace, '..', 'origin.git');
    // A merge of the PR head into the base, as GitHub's refs/pull/N/merge, cloned at depth 1.
    const seed = join(repo.workspace, '..', 'seed');
    git(seed, 'checkout', '-q', '-b', 'pull-merge', repo.baseSha);
    git(seed, 'merge', '-q', '--no-edit', repo.headSha);
    const merge = git(seed, 'rev-parse', 'HEAD').trim();
    git(seed, 'push', '-q', 'origin', 'pull-merge');
    const checkout = join(repo.workspace, '..', 'merge-checkout');
    cloneBranch(origin, checkout, 'pull-merge');

    expect(await recordingPort(checkout).port.checkedOut()).toEqual({
      sha: merge,
      parents: [repo.baseSha, repo.headSha],
    });
    expect(await recordingPort(repo.workspace).port.checkedOut()).toEqual({
      sha: repo.headSha,
      parents: [repo.mergeBase],
    });
  });

  it('answers undefined in a repository without commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diffray-git-'));
    dirs.push(dir);
    git(dir, 'init', '-q');
    expect(await recordingPort(dir).port.checkedOut()).toBeUndefined();
  });
});

describe('fetchAuthEnv', () => {
  const header = `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_abc').toString('base64')}`;

  it('resets any persisted header for the server, then sets the token, scoped to that server only', () => {
    expect(fetchAuthEnv('ghs_abc', { GITHUB_SERVER_URL: 'https://github.com/' })).toEqual({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_1: header,
    });
  });

  it('scopes the header to github.com when the runner names no server', () => {
    expect(fetchAuthEnv('ghs_abc', {}).GIT_CONFIG_KEY_1).toBe('http.https://github.com/.extraheader');
  });

  it('keeps the config entries the environment already passes to git', () => {
    const env = fetchAuthEnv('ghs_abc', {
      GITHUB_SERVER_URL: 'https://ghe.example.com',
      GIT_CONFIG_COUNT: '2',
    });
    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: '4',
      GIT_CONFIG_KEY_2: 'http.https://ghe.example.com/.extraheader',
      GIT_CONFIG_VALUE_3: header,
    });
    expect(Object.keys(env)).not.toContain('GIT_CONFIG_KEY_0');
  });
});
