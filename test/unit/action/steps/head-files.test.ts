import { describe, expect, it } from 'vitest';
import type { GitPort, WorkspacePort } from '../../../../action/ports.js';
import { createHeadReader, readsHead } from '../../../../action/steps/head-files.js';
import type { EngineDeps } from '../../../../action/steps/run-context.js';
import { addedFile, makeFile, makeHunk } from '../input-fixtures.js';

const HEAD = 'c'.repeat(40);
const APP = 'line 1\nline 2 changed\nline 3\n';
const app = makeFile('src/app.ts', [makeHunk(1, [' line 1', '-line 2', '+line 2 changed', ' line 3'])]);
const gone = makeFile('src/gone.ts', [makeHunk(1, ['-old'])], { status: 'deleted' });

/** A git port answering from `files` (path → text; an Error to fail), recording what it is asked. */
function fakeGit(files: Record<string, string | Error | undefined>) {
  const batches: string[][] = [];
  const singles: string[] = [];
  const answer = (path: string) => {
    const value = files[path];
    return value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  };
  const git = {
    showFile: (rev: string, path: string) => {
      expect(rev).toBe(HEAD);
      singles.push(path);
      return answer(path);
    },
    showFiles: (rev: string, paths: readonly string[]) => {
      expect(rev).toBe(HEAD);
      batches.push([...paths]);
      return paths.map(answer);
    },
  } as unknown as GitPort;
  return { git, batches, singles };
}

const workspaceWith = (files: Record<string, string>): WorkspacePort => ({
  readFile: (path) => Promise.resolve(files[path]),
});
const deps = (git: GitPort, workspace?: WorkspacePort) => ({ git, workspace }) as unknown as EngineDeps;

describe('createHeadReader', () => {
  it('reads the prefetched files in one batch, and each file once', async () => {
    const { git, batches, singles } = fakeGit({ 'src/app.ts': APP, 'src/b.ts': 'b\n' });
    const read = createHeadReader(deps(git), HEAD, [app], {
      prefetch: ['src/app.ts', 'src/b.ts', 'src/app.ts'],
    });
    expect(batches).toEqual([['src/app.ts', 'src/b.ts']]);
    expect(await read('src/app.ts')).toBe(APP);
    expect(await read('src/b.ts')).toBe('b\n');
    expect(await read('src/other.ts')).toBeUndefined();
    expect(await read('src/other.ts')).toBeUndefined();
    expect(singles).toEqual(['src/other.ts']);
  });

  it('takes the checkout’s copy when git fails and the copy is the head’s version', async () => {
    const { git } = fakeGit({ 'src/app.ts': new Error('git cat-file --batch failed') });
    const read = createHeadReader(deps(git, workspaceWith({ 'src/app.ts': APP })), HEAD, [app], {
      prefetch: ['src/app.ts'],
    });
    expect(await read('src/app.ts')).toBe(APP);
  });

  it('rejects (unreadable, not deleted) when git fails and the checkout holds another version', async () => {
    const { git } = fakeGit({ 'src/app.ts': new Error('git cat-file --batch failed') });
    const stale = workspaceWith({ 'src/app.ts': 'line 1\nline 2\nline 3\n' });
    const read = createHeadReader(deps(git, stale), HEAD, [app]);
    await expect(read('src/app.ts')).rejects.toThrow('git cat-file --batch failed');
  });

  it('rejects when git has nothing for a file the diff shows at the head (too large, say)', async () => {
    const { git } = fakeGit({});
    const read = createHeadReader(deps(git), HEAD, [app], { prefetch: ['src/app.ts'] });
    await expect(read('src/app.ts')).rejects.toThrow('src/app.ts could not be read at the head commit');
  });

  it('answers undefined for a file deleted by the diff or absent from the head', async () => {
    const { git } = fakeGit({});
    const read = createHeadReader(deps(git, workspaceWith({ 'src/gone.ts': 'old\n' })), HEAD, [app, gone]);
    expect(await read('src/gone.ts')).toBeUndefined();
    expect(await read('src/never.ts')).toBeUndefined();
  });

  it('passes on a failure for a path outside the diff', async () => {
    const { git } = fakeGit({ 'src/other.ts': new Error('git cat-file --batch failed') });
    const read = createHeadReader(deps(git), HEAD, [app]);
    await expect(read('src/other.ts')).rejects.toThrow('git cat-file --batch failed');
  });
});

describe('readsHead', () => {
  it('is true for files changed in place with hunks, false for added, deleted, binary and hunkless ones', () => {
    expect(readsHead(app)).toBe(true);
    expect(readsHead({ ...app, status: 'renamed', oldPath: 'src/old.ts' })).toBe(true);
    expect(readsHead(addedFile('src/new.ts', ['x']))).toBe(false);
    expect(readsHead(gone)).toBe(false);
    expect(readsHead({ ...app, binary: true, hunks: [] })).toBe(false);
    expect(readsHead({ ...app, status: 'renamed', hunks: [] })).toBe(false);
    expect(readsHead({ ...app, submodule: true })).toBe(false);
  });
});
