/**
 * Real git repositories for tests and the benchmarks: a fixed identity and no system or user config, so
 * what a test builds does not depend on the machine it runs on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** The environment for git and for anything that runs git: `home` keeps the user's own config out. */
export function gitEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, ...GIT_IDENTITY };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv(cwd), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Writes `files` below `dir`, creating folders; `null` deletes the file. */
export function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (content === null) rmSync(full, { force: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
}

/** Stages everything in `dir`, commits it (`flags` such as `--amend` go to `git commit`) and returns the sha. */
export function commitAll(dir: string, message: string, ...flags: string[]): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', ...flags, '-m', message);
  return git(dir, 'rev-parse', 'HEAD').trim();
}

/**
 * Below `dir`: a bare `origin` that, like GitHub, serves any commit asked for by sha, and an empty `seed`
 * repository on `main` to build the history in before pushing it there.
 */
export function initOrigin(dir: string): { origin: string; seed: string } {
  const origin = join(dir, 'origin.git');
  const seed = join(dir, 'seed');
  mkdirSync(seed);
  git(dir, 'init', '-q', '--bare', '-b', 'main', origin);
  git(origin, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  git(seed, 'init', '-q', '-b', 'main');
  return { origin, seed };
}

/** Clones `branch` of `origin` into `workspace`: at depth 1 like actions/checkout, unless `shallow` is false. */
export function cloneBranch(origin: string, workspace: string, branch: string, shallow = true): void {
  const depth = shallow ? ['--depth', '1'] : [];
  git(dirname(workspace), 'clone', '-q', ...depth, '--branch', branch, `file://${origin}`, workspace);
}

/** `count` commits on `branch`, checked out in `repo`, in one `git fast-import` (thousands in well under a second). */
export function addCommits(repo: string, branch: string, count: number, file: string): void {
  const parent = git(repo, 'rev-parse', branch).trim();
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = `${file} ${i}\n`;
    const message = `commit ${i} on ${branch}\n`;
    lines.push(
      `commit refs/heads/${branch}`,
      `committer Test <test@example.com> ${1_700_000_000 + i} +0000`,
      `data ${Buffer.byteLength(message)}`,
      message.trimEnd(),
      ...(i === 0 ? [`from ${parent}`] : []),
      `M 100644 inline ${file}`,
      `data ${Buffer.byteLength(content)}`,
      content.trimEnd(),
      '',
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: repo,
    input: `${lines.join('\n')}\n`,
    env: gitEnv(repo),
  });
  git(repo, 'reset', '-q', '--hard', branch);
}
