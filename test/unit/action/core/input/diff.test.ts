import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GIT_DIFF_ARGS,
  parseDiff,
  parseHunks,
  rightSideLines,
} from '../../../../../action/core/input/diff.js';
import type { DiffFile } from '../../../../../action/core/types.js';

const numbered = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

/** The same tricky change set, committed twice in a throwaway repository and diffed with real git. */
class FixtureRepo {
  readonly dir = mkdtempSync(join(tmpdir(), 'diffray-diff-'));

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: this.dir, GIT_CONFIG_GLOBAL: '/dev/null' },
    });
  }

  write(path: string, content: string | Buffer): void {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), content);
  }

  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
  }

  /** Records a submodule pointer without a real submodule; the empty directory keeps `add -A` from dropping it. */
  bumpGitlink(path: string, sha: string): void {
    mkdirSync(join(this.dir, path), { recursive: true });
    this.git('update-index', '--add', '--cacheinfo', `160000,${sha},${path}`);
    this.git('commit', '-q', '-m', `bump ${path}`);
  }
}

const multi = numbered(60);
const renamed = numbered(20, 'moved');

function buildRepo(): FixtureRepo {
  const repo = new FixtureRepo();
  repo.git('init', '-q', '-b', 'main');
  repo.git('config', 'user.email', 'test@example.com');
  repo.git('config', 'user.name', 'test');
  repo.git('config', 'core.autocrlf', 'false');
  repo.write('src/multi.ts', `${multi.join('\n')}\n`);
  repo.write('gone.txt', 'bye\nfor now\n');
  repo.write('old/name.ts', `${renamed.join('\n')}\n`);
  repo.write('pure/a.txt', `${numbered(10, 'same').join('\n')}\n`);
  repo.write('img.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0]));
  repo.write('noeol.txt', 'first\nlast');
  repo.write('crlf.txt', 'one\r\ntwo\r\nthree\r\n');
  repo.write('ünï/файл.ts', 'export const a = 1;\n');
  repo.write('dir with space/my file.ts', 'let x = 1;\n');
  repo.write('tab\tname.txt', 'q\n');
  repo.write('script.sh', '#!/bin/sh\necho hi\n');
  repo.write('patch.txt', '-- a/looks-like-a-header\nkeep\n');
  repo.commit('base');
  repo.bumpGitlink('vendor/lib', '1111111111111111111111111111111111111111');

  const edited = [...multi];
  edited[4] = 'line 5 changed';
  edited.splice(30, 1);
  edited.splice(55, 0, 'inserted near the end');
  repo.write('src/multi.ts', `${edited.join('\n')}\n`);
  rmSync(join(repo.dir, 'gone.txt'));
  rmSync(join(repo.dir, 'old/name.ts'));
  repo.write('new/name.ts', `${renamed.map((l, i) => (i === 9 ? 'moved 10 edited' : l)).join('\n')}\n`);
  rmSync(join(repo.dir, 'pure/a.txt'));
  repo.write('pure/b.txt', `${numbered(10, 'same').join('\n')}\n`);
  repo.write('img.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9, 0]));
  repo.write('noeol.txt', 'first\nlast changed');
  repo.write('crlf.txt', 'one\r\nTWO\r\nthree\r\n');
  repo.write('ünï/файл.ts', 'export const a = 2;\n');
  repo.write('dir with space/my file.ts', 'let x = 2;\n');
  repo.write('tab\tname.txt', 'r\n');
  chmodSync(join(repo.dir, 'script.sh'), 0o755);
  repo.write('patch.txt', '++ b/looks-like-a-header\nkeep\n');
  repo.write('big.txt', `${numbered(3000, 'big').join('\n')}\n`);
  repo.write('added.ts', 'export {};\n');
  repo.commit('change');
  repo.bumpGitlink('vendor/lib', '2222222222222222222222222222222222222222');
  return repo;
}

let repo: FixtureRepo;
let files: DiffFile[];
let quotedFiles: DiffFile[];

const byPath = (path: string) => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`${path} not in diff: ${files.map((f) => f.path).join(', ')}`);
  return file;
};

beforeAll(() => {
  repo = buildRepo();
  files = parseDiff(repo.git(...GIT_DIFF_ARGS, 'HEAD~2', 'HEAD'));
  const quotedArgs = GIT_DIFF_ARGS.map((a) => (a === 'core.quotepath=false' ? 'core.quotepath=true' : a));
  quotedFiles = parseDiff(repo.git(...quotedArgs, 'HEAD~2', 'HEAD'));
});

afterAll(() => {
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
});

describe('parseDiff on real git output', () => {
  it('finds every changed file once', () => {
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        'added.ts',
        'big.txt',
        'crlf.txt',
        'dir with space/my file.ts',
        'gone.txt',
        'img.png',
        'new/name.ts',
        'noeol.txt',
        'patch.txt',
        'pure/b.txt',
        'script.sh',
        'src/multi.ts',
        'tab\tname.txt',
        'vendor/lib',
        'ünï/файл.ts',
      ].sort(),
    );
  });

  it('parses several hunks with old and new line numbers', () => {
    const file = byPath('src/multi.ts');
    expect(file.status).toBe('modified');
    expect(file.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [2, 7, 2, 7],
      [28, 7, 28, 6],
      [54, 6, 53, 7],
    ]);
    const first = file.hunks[0]!;
    expect(first.lines[3]).toEqual({ kind: 'del', text: 'line 5', oldLine: 5 });
    expect(first.lines[4]).toEqual({ kind: 'add', text: 'line 5 changed', newLine: 5 });
    expect(first.lines[5]).toEqual({ kind: 'context', text: 'line 6', oldLine: 6, newLine: 6 });
    expect(file.hunks[2]!.lines.find((l) => l.kind === 'add')).toEqual({
      kind: 'add',
      text: 'inserted near the end',
      newLine: 56,
    });
    expect([file.additions, file.deletions]).toEqual([2, 2]);
  });

  it('numbers every line of a hunk consistently with its header', () => {
    const hunks = files.flatMap((f) => f.hunks);
    expect(hunks.length).toBeGreaterThan(10);
    for (const hunk of hunks) {
      const newLines = hunk.lines.filter((l) => l.newLine !== undefined).map((l) => l.newLine);
      const oldLines = hunk.lines.filter((l) => l.oldLine !== undefined).map((l) => l.oldLine);
      expect(newLines).toEqual(Array.from({ length: hunk.newLines }, (_, i) => hunk.newStart + i));
      expect(oldLines).toEqual(Array.from({ length: hunk.oldLines }, (_, i) => hunk.oldStart + i));
    }
  });

  it('parses an added file', () => {
    expect(byPath('added.ts')).toMatchObject({ status: 'added', additions: 1, deletions: 0 });
    expect(byPath('added.ts').hunks[0]!.lines).toEqual([{ kind: 'add', text: 'export {};', newLine: 1 }]);
  });

  it('names a deleted file by its old path', () => {
    const file = byPath('gone.txt');
    expect(file).toMatchObject({ status: 'deleted', additions: 0, deletions: 2 });
    expect(file.oldPath).toBeUndefined();
  });

  it('keeps the old path of a file renamed with edits', () => {
    const file = byPath('new/name.ts');
    expect(file).toMatchObject({ status: 'renamed', oldPath: 'old/name.ts', additions: 1, deletions: 1 });
  });

  it('parses a pure rename without hunks', () => {
    expect(byPath('pure/b.txt')).toMatchObject({ status: 'renamed', oldPath: 'pure/a.txt', hunks: [] });
  });

  it('flags a binary file and gives it no hunks', () => {
    expect(byPath('img.png')).toMatchObject({ status: 'modified', binary: true, hunks: [] });
  });

  it('drops the no-newline marker and keeps counting lines', () => {
    const file = byPath('noeol.txt');
    expect(file.hunks[0]!.lines).toEqual([
      { kind: 'context', text: 'first', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'last', oldLine: 2 },
      { kind: 'add', text: 'last changed', newLine: 2 },
    ]);
  });

  it('keeps the carriage return of CRLF lines in the text', () => {
    const lines = byPath('crlf.txt').hunks[0]!.lines;
    expect(lines.map((l) => l.text)).toEqual(['one\r', 'two\r', 'TWO\r', 'three\r']);
  });

  it('decodes a unicode path whether git quotes it or not', () => {
    expect(byPath('ünï/файл.ts').status).toBe('modified');
    expect(quotedFiles.map((f) => f.path)).toContain('ünï/файл.ts');
    expect(quotedFiles).toEqual(files);
  });

  it('handles a path with spaces (git appends a tab to its ---/+++ lines)', () => {
    expect(byPath('dir with space/my file.ts').hunks[0]!.lines.at(-1)).toEqual({
      kind: 'add',
      text: 'let x = 2;',
      newLine: 1,
    });
  });

  it('decodes a C-quoted path with a tab in it', () => {
    expect(byPath('tab\tname.txt').additions).toBe(1);
  });

  it('reports a mode-only change', () => {
    expect(byPath('script.sh')).toMatchObject({ status: 'mode-changed', hunks: [], additions: 0 });
  });

  it('marks a submodule bump', () => {
    const file = byPath('vendor/lib');
    expect(file).toMatchObject({ status: 'modified', submodule: true });
    expect(file.hunks[0]!.lines.map((l) => l.text)).toEqual([
      'Subproject commit 1111111111111111111111111111111111111111',
      'Subproject commit 2222222222222222222222222222222222222222',
    ]);
  });

  it('reads content that looks like diff headers as hunk lines', () => {
    const file = byPath('patch.txt');
    expect(file.hunks[0]!.lines.slice(0, 2)).toEqual([
      { kind: 'del', text: '-- a/looks-like-a-header', oldLine: 1 },
      { kind: 'add', text: '++ b/looks-like-a-header', newLine: 1 },
    ]);
  });

  it('parses a 3000-line hunk', () => {
    const file = byPath('big.txt');
    expect(file.hunks).toHaveLength(1);
    expect(file.hunks[0]!.lines).toHaveLength(3000);
    expect(file.hunks[0]!.lines[2999]).toEqual({ kind: 'add', text: 'big 3000', newLine: 3000 });
  });
});

describe('parseDiff on hand-written input', () => {
  it('returns nothing for empty output', () => {
    expect(parseDiff('')).toEqual([]);
  });

  it('reads a hunk header without counts as one line', () => {
    const [file] = parseDiff('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -3 +3 @@ fn main\n-a\n+b\n');
    expect(file!.hunks[0]).toMatchObject({
      oldStart: 3,
      oldLines: 1,
      newStart: 3,
      newLines: 1,
      header: 'fn main',
    });
  });

  it('decodes escaped quotes and backslashes in a quoted path', () => {
    const text =
      'diff --git "a/q\\"x\\\\y" "b/q\\"x\\\\y"\nindex 1..2 100644\nBinary files "a/q\\"x\\\\y" and "b/q\\"x\\\\y" differ\n';
    expect(parseDiff(text)[0]).toMatchObject({ path: 'q"x\\y', binary: true });
  });

  it('names an added binary file from the diff --git line', () => {
    const text =
      'diff --git a/logo one.png b/logo one.png\nnew file mode 100644\nindex 0000000..1\nBinary files /dev/null and b/logo one.png differ\n';
    expect(parseDiff(text)[0]).toMatchObject({ path: 'logo one.png', status: 'added', binary: true });
  });

  it('tolerates a context line whose leading space was trimmed', () => {
    const [file] = parseDiff('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n');
    expect(file!.hunks[0]!.lines.map((l) => l.kind)).toEqual(['context', 'context', 'del', 'add']);
  });

  it('parses a large synthetic diff (1000 files, 100k lines)', () => {
    const parts: string[] = [];
    for (let f = 0; f < 1000; f++) {
      parts.push(`diff --git a/src/f${f}.ts b/src/f${f}.ts`, 'index 1..2 100644', `--- a/src/f${f}.ts`);
      parts.push(`+++ b/src/f${f}.ts`, '@@ -1,50 +1,50 @@');
      for (let l = 0; l < 50; l++) parts.push(`-const old${l} = ${l};`, `+const new${l} = ${l};`);
    }
    const parsed = parseDiff(`${parts.join('\n')}\n`);
    expect(parsed).toHaveLength(1000);
    expect(parsed.reduce((n, f) => n + f.additions + f.deletions, 0)).toBe(100_000);
  });
});

describe("parseHunks on a file's patch as GitHub's files API gives it", () => {
  const patch = [
    '@@ -1,3 +1,4 @@ function a() {',
    ' one',
    '-two',
    '+two!',
    '+two and a half',
    ' three',
    '@@ -20,2 +21,3 @@',
    ' twenty',
    '+twenty-one',
    ' twenty-two',
    '\\ No newline at end of file',
  ].join('\n');

  it('reads every hunk, with its header and line numbers', () => {
    const hunks = parseHunks(patch);
    expect(hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.header])).toEqual([
      [1, 3, 1, 4, 'function a() {'],
      [20, 2, 21, 3, ''],
    ]);
    expect(hunks[0]!.lines).toEqual([
      { kind: 'context', text: 'one', oldLine: 1, newLine: 1 },
      { kind: 'del', text: 'two', oldLine: 2 },
      { kind: 'add', text: 'two!', newLine: 2 },
      { kind: 'add', text: 'two and a half', newLine: 3 },
      { kind: 'context', text: 'three', oldLine: 3, newLine: 4 },
    ]);
  });

  it('gives the RIGHT-side lines, where a review comment may go: context and added, never deleted', () => {
    expect([...rightSideLines(parseHunks(patch))]).toEqual([1, 2, 3, 4, 21, 22, 23]);
  });

  it('has nothing for a file GitHub sends without a patch (binary, or too large)', () => {
    expect(parseHunks('')).toEqual([]);
    expect(rightSideLines([])).toEqual(new Set());
  });

  it('reads a deleted file: no RIGHT-side line at all', () => {
    const hunks = parseHunks('@@ -1,2 +0,0 @@\n-gone\n-also gone');
    expect(hunks).toHaveLength(1);
    expect(rightSideLines(hunks).size).toBe(0);
  });
});
