/**
 * The workspace adapter reads context lines for the model from the runner's checkout. actions/checkout
 * leaves the token in `.git/config` (persist-credentials defaults to true) and a PR can add symlinks, so
 * every escape route is exercised here on a real directory tree with real symlinks.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspacePort, MAX_CONTEXT_FILE_BYTES } from '../../../../action/adapters/workspace.js';
import type { WorkspacePort } from '../../../../action/ports.js';

const TOKEN_LINE = '\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==';
const OUTSIDE_SECRET = 'outside-the-workspace';

let dir: string;
let root: string;
let outside: string;
let port: WorkspacePort;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffray-workspace-'));
  root = join(dir, 'workspace');
  outside = join(dir, 'outside');
  mkdirSync(join(root, 'src/nested'), { recursive: true });
  mkdirSync(join(root, '.git'), { recursive: true });
  mkdirSync(join(root, '.github/workflows'), { recursive: true });
  mkdirSync(join(root, 'vendor/lib/.git'), { recursive: true });
  mkdirSync(outside);

  writeFileSync(join(root, 'src/app.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'src/nested/deep.ts'), 'export const deep = true;\n');
  writeFileSync(join(root, '.gitignore'), 'node_modules\n');
  writeFileSync(join(root, '.github/workflows/ci.yml'), 'on: pull_request\n');
  writeFileSync(join(root, '.git/config'), `[http "https://github.com/"]\n${TOKEN_LINE}\n`);
  writeFileSync(join(root, 'vendor/lib/.git/config'), `${TOKEN_LINE}\n`);
  // A submodule or worktree checkout has a `.git` FILE pointing at the real git dir.
  writeFileSync(join(root, 'vendor/.git'), 'gitdir: ../.git/modules/vendor\n');
  writeFileSync(join(outside, 'secret.txt'), `${OUTSIDE_SECRET}\n`);

  // Symlinks a PR could add (git stores them as links, checkout recreates them).
  symlinkSync(join(outside, 'secret.txt'), join(root, 'src/abs-link.ts'));
  symlinkSync('../../outside/secret.txt', join(root, 'src/rel-link.ts'));
  symlinkSync(outside, join(root, 'src/outdir'));
  symlinkSync('../.git/config', join(root, 'src/git-config-link.ts'));
  symlinkSync('../.git', join(root, 'src/gitdir'));
  symlinkSync('app.ts', join(root, 'src/inside-link.ts'));
  symlinkSync('missing.ts', join(root, 'src/dangling.ts'));
  symlinkSync('/etc/passwd', join(root, 'passwd'));

  port = createWorkspacePort(root);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createWorkspacePort.readFile', () => {
  it('reads files inside the workspace by repository-relative path', async () => {
    expect(await port.readFile('src/app.ts')).toBe('export const a = 1;\n');
    expect(await port.readFile('src/nested/deep.ts')).toBe('export const deep = true;\n');
    expect(await port.readFile('./src/app.ts')).toBe('export const a = 1;\n');
    expect(await port.readFile('src/nested/../app.ts')).toBe('export const a = 1;\n');
  });

  it('reads dot-files that merely start with .git (.gitignore, .github/)', async () => {
    expect(await port.readFile('.gitignore')).toBe('node_modules\n');
    expect(await port.readFile('.github/workflows/ci.yml')).toBe('on: pull_request\n');
  });

  it('follows a symlink that stays inside the workspace', async () => {
    expect(await port.readFile('src/inside-link.ts')).toBe('export const a = 1;\n');
  });

  it('works when the workspace path itself goes through a symlink', async () => {
    const linkedRoot = join(dir, 'linked-workspace');
    symlinkSync(root, linkedRoot);
    const viaLink = createWorkspacePort(linkedRoot);
    expect(await viaLink.readFile('src/app.ts')).toBe('export const a = 1;\n');
    expect(await viaLink.readFile('.git/config')).toBeUndefined();
    expect(await viaLink.readFile('src/rel-link.ts')).toBeUndefined();
  });

  it.each([
    '.git/config',
    '.git',
    '.GIT/config',
    '.Git/config',
    './.git/config',
    'src/../.git/config',
    'src/nested/../../.git/config',
    'vendor/lib/.git/config',
    'vendor/.git',
    '.git/../.git/config',
  ])('refuses the git directory: %s', async (path) => {
    expect(await port.readFile(path)).toBeUndefined();
  });

  it('refuses a symlink into .git (file or directory)', async () => {
    expect(await port.readFile('src/git-config-link.ts')).toBeUndefined();
    expect(await port.readFile('src/gitdir/config')).toBeUndefined();
  });

  it.each(['../outside/secret.txt', 'src/../../outside/secret.txt', '..', '../', 'src/../..'])(
    'refuses ../ traversal: %s',
    async (path) => {
      expect(await port.readFile(path)).toBeUndefined();
    },
  );

  it('refuses absolute paths, even ones inside the workspace', async () => {
    expect(await port.readFile(join(outside, 'secret.txt'))).toBeUndefined();
    expect(await port.readFile(join(root, 'src/app.ts'))).toBeUndefined();
    expect(await port.readFile(join(root, '.git/config'))).toBeUndefined();
    expect(await port.readFile('/etc/passwd')).toBeUndefined();
  });

  it('refuses symlinks that point outside the workspace (absolute, relative, via a directory)', async () => {
    expect(await port.readFile('src/abs-link.ts')).toBeUndefined();
    expect(await port.readFile('src/rel-link.ts')).toBeUndefined();
    expect(await port.readFile('src/outdir/secret.txt')).toBeUndefined();
    expect(await port.readFile('passwd')).toBeUndefined();
  });

  it('answers undefined for what is not a readable regular file', async () => {
    expect(await port.readFile('')).toBeUndefined();
    expect(await port.readFile('.')).toBeUndefined();
    expect(await port.readFile('src')).toBeUndefined();
    expect(await port.readFile('src/missing.ts')).toBeUndefined();
    expect(await port.readFile('src/dangling.ts')).toBeUndefined();
    expect(await port.readFile('src/app.ts\0.png')).toBeUndefined();
  });

  it.skipIf(process.platform === 'win32')(
    'refuses a FIFO without blocking on it (an open for reading would wait for a writer forever)',
    async () => {
      execFileSync('mkfifo', [join(root, 'src/pipe.ts')]);
      expect(await port.readFile('src/pipe.ts')).toBeUndefined();
    },
    5_000,
  );

  it('never returns anything it refused: no read of the token or the outside file gets through', async () => {
    const attempts = [
      '.git/config',
      'src/git-config-link.ts',
      'src/gitdir/config',
      'src/rel-link.ts',
      'src/abs-link.ts',
      'src/outdir/secret.txt',
      '../outside/secret.txt',
      join(outside, 'secret.txt'),
    ];
    const read = await Promise.all(attempts.map((p) => port.readFile(p)));
    const joined = read.filter((r) => r !== undefined).join('\n');
    expect(joined).not.toContain('AUTHORIZATION');
    expect(joined).not.toContain(OUTSIDE_SECRET);
  });

  it('caps the file size: a file over the limit is not read, one at the limit is', async () => {
    writeFileSync(join(root, 'src/at-limit.txt'), 'a'.repeat(64));
    writeFileSync(join(root, 'src/over-limit.txt'), 'a'.repeat(65));
    const small = createWorkspacePort(root, { maxBytes: 64 });
    expect(await small.readFile('src/at-limit.txt')).toBe('a'.repeat(64));
    expect(await small.readFile('src/over-limit.txt')).toBeUndefined();
  });

  it('has a default cap of 1 MiB', async () => {
    expect(MAX_CONTEXT_FILE_BYTES).toBe(1024 * 1024);
    writeFileSync(join(root, 'src/huge.txt'), Buffer.alloc(MAX_CONTEXT_FILE_BYTES + 1, 0x61));
    writeFileSync(join(root, 'src/big.txt'), Buffer.alloc(MAX_CONTEXT_FILE_BYTES, 0x61));
    expect(await port.readFile('src/huge.txt')).toBeUndefined();
    expect((await port.readFile('src/big.txt'))?.length).toBe(MAX_CONTEXT_FILE_BYTES);
  });
});
