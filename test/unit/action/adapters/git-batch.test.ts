/**
 * Reading files through one `git cat-file --batch` process (the production path: `execGitStreamer`), on
 * a real repository, and the streaming parser of its output on hand-made answers cut at every byte.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitPort } from '../../../../action/adapters/git.js';
import { CatFileBatchParser, type CatFileAnswer } from '../../../../action/adapters/git-objects.js';
import {
  execGitRunner,
  execGitStreamer,
  type GitRunner,
  type GitStreamer,
} from '../../../../action/adapters/git-process.js';
import { parseDiff } from '../../../../action/core/input/diff.js';
import type { GitPort } from '../../../../action/ports.js';
import { cloneBranch, commitAll, git, initOrigin, writeFiles } from '../../../support/git.js';

const log = { info: () => {}, warning: () => {}, debug: () => {} };
const BIG = 'a'.repeat(1_048_577);
const UTF8 = 'const café = "naïve — ✓ 𝄞";\n';
const NEWLINE_PATH = 'odd\nname.txt';

let dir: string;
let workspace: string;
let base: string;
let head: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffray-git-batch-'));
  const { origin, seed } = initOrigin(dir);
  writeFiles(seed, { 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'export const b = 1;\n' });
  base = commitAll(seed, 'base');
  writeFiles(seed, {
    'src/a.ts': 'export const a = 2;\n',
    'src/utf8.ts': UTF8,
    'big.txt': BIG,
    [NEWLINE_PATH]: 'newline in the name\n',
    'with space.md': 'spaced\n',
  });
  head = commitAll(seed, 'head');
  git(seed, 'remote', 'add', 'origin', origin);
  git(seed, 'push', '-q', 'origin', 'main');
  workspace = join(dir, 'workspace');
  cloneBranch(origin, workspace, 'main', false);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The production port, recording each command and each `cat-file --batch` process with its input. */
function recordingPort(): { port: GitPort; commands: string[][]; batches: string[][] } {
  const commands: string[][] = [];
  const batches: string[][] = [];
  const run: GitRunner = (args) => {
    commands.push(args);
    return execGitRunner(workspace)(args);
  };
  const stream: GitStreamer = (args, input, onStdout) => {
    batches.push(input.split('\n').filter((l) => l !== ''));
    return execGitStreamer(workspace)(args, input, onStdout);
  };
  return { port: createGitPort({ run, stream, log }), commands, batches };
}

describe('showFile and showFiles through cat-file --batch', () => {
  it('reads many files in one git process, each as it is at the revision asked for', async () => {
    const { port, commands, batches } = recordingPort();
    const texts = await Promise.all(
      port.showFiles(head, ['src/a.ts', 'src/utf8.ts', 'with space.md', './src/b.ts']),
    );
    expect(texts).toEqual(['export const a = 2;\n', UTF8, 'spaced\n', 'export const b = 1;\n']);
    expect(batches).toHaveLength(1);
    expect(commands).toEqual([]);
    expect(await port.showFile(base, 'src/a.ts')).toBe('export const a = 1;\n');
  });

  it('answers undefined for a missing path, a folder, a file over 1 MiB, and a path absent at that revision', async () => {
    const { port } = recordingPort();
    const texts = await Promise.all(
      port.showFiles(head, ['no-such.ts', 'src', 'big.txt', 'src/a.ts', 'missing/deeper.ts']),
    );
    expect(texts).toEqual([undefined, undefined, undefined, 'export const a = 2;\n', undefined]);
    expect(await port.showFile(base, 'src/utf8.ts')).toBeUndefined();
  });

  it('shares one process among reads asked for in the same turn of the event loop', async () => {
    const { port, batches } = recordingPort();
    const texts = await Promise.all([
      port.showFile(head, 'src/a.ts'),
      port.showFile(head, 'src/b.ts'),
      port.showFile(base, 'src/a.ts'),
    ]);
    expect(texts).toEqual(['export const a = 2;\n', 'export const b = 1;\n', 'export const a = 1;\n']);
    expect(batches).toHaveLength(1);
  });

  it('reads a path --batch cannot take (a newline in it) the one-file way, in order with the others', async () => {
    const { port, commands, batches } = recordingPort();
    const texts = await Promise.all(port.showFiles(head, ['src/a.ts', NEWLINE_PATH, 'src/b.ts']));
    expect(texts).toEqual(['export const a = 2;\n', 'newline in the name\n', 'export const b = 1;\n']);
    expect(batches).toEqual([[`${head}:src/a.ts`, `${head}:src/b.ts`]]);
    expect(commands.map((c) => c.slice(0, 2))).toContainEqual(['cat-file', 'blob']);
  });

  it('without a streamer, reads the same files with cat-file calls per file', async () => {
    const port = createGitPort({ run: execGitRunner(workspace), log });
    const texts = await Promise.all(port.showFiles(head, ['src/a.ts', 'big.txt', 'nope', 'src/utf8.ts']));
    expect(texts).toEqual(['export const a = 2;\n', undefined, undefined, UTF8]);
  });

  it('rejects (unreadable, not absent) when git fails or its answer stops short', async () => {
    const failing: GitStreamer = () =>
      Promise.resolve({ exitCode: 128, stderr: 'fatal: not a git repository' });
    const port = createGitPort({ run: execGitRunner(workspace), stream: failing, log });
    await expect(port.showFile(head, 'src/a.ts')).rejects.toThrow(
      'git cat-file --batch failed: fatal: not a git repository',
    );
    const short: GitStreamer = (_args, _input, onStdout) => {
      onStdout(Buffer.from(`${'a'.repeat(40)} missing\n`));
      return Promise.resolve({ exitCode: 0, stderr: '' });
    };
    const answers = createGitPort({ run: execGitRunner(workspace), stream: short, log }).showFiles(head, [
      'x',
      'y',
    ]);
    expect(await answers[0]).toBeUndefined();
    await expect(answers[1]).rejects.toThrow(/cat-file --batch failed: the output ended early/);
    const crashed: GitStreamer = () => Promise.reject(new Error('could not run git: spawn git ENOENT'));
    const lost = createGitPort({ run: execGitRunner(workspace), stream: crashed, log });
    await expect(lost.showFile(head, 'src/a.ts')).rejects.toThrow(/ENOENT/);
  });
});

describe('CatFileBatchParser', () => {
  const oid = (c: string) => c.repeat(40);
  const blob = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    return Buffer.concat([Buffer.from(`${oid('1')} blob ${bytes.length}\n`), bytes, Buffer.from('\n')]);
  };
  const output = Buffer.concat([
    blob('first\nline two\n'),
    Buffer.from(`${oid('2')}:missing.ts missing\n`),
    blob(UTF8),
    Buffer.from(`${oid('3')} tree 5\n12345\n`),
    blob('x'.repeat(50)),
    Buffer.from('HEAD:dir ambiguous\n'),
    blob(''),
  ]);
  const limits = [100, 100, 100, 100, 10, 100, 100];
  const expected: CatFileAnswer[] = [
    { kind: 'blob', text: 'first\nline two\n' },
    { kind: 'missing' },
    { kind: 'blob', text: UTF8 },
    { kind: 'not-a-blob', type: 'tree' },
    { kind: 'too-large', bytes: 50 },
    { kind: 'missing' },
    { kind: 'blob', text: '' },
  ];
  const parse = (chunks: Buffer[]) => {
    const answers: CatFileAnswer[] = [];
    const parser = new CatFileBatchParser(limits, (i, a) => (answers[i] = a));
    for (const chunk of chunks) parser.push(chunk);
    return { answers, answered: parser.answered };
  };

  it('reads every answer from one chunk', () => {
    expect(parse([output])).toEqual({ answers: expected, answered: expected.length });
  });

  it('reads the same answers however the output is cut (headers, content, multi-byte characters)', () => {
    for (let cut = 1; cut < output.length; cut++) {
      expect(parse([output.subarray(0, cut), output.subarray(cut)]).answers).toEqual(expected);
    }
    const bytes = [...output].map((b) => Buffer.from([b]));
    expect(parse(bytes).answers).toEqual(expected);
  });

  it('answers nothing for an object whose content has not fully arrived', () => {
    const first = blob('complete');
    const second = blob('half of it');
    const { answered } = parse([first, second.subarray(0, second.length - 3)]);
    expect(answered).toBe(1);
  });

  it('refuses more answers than were asked for', () => {
    const parser = new CatFileBatchParser([10], () => {});
    expect(() => parser.push(Buffer.concat([blob('a'), blob('b')]))).toThrow(/more than was asked/);
  });
});

describe('mergeBase', () => {
  it('asks git once when both commits are present', async () => {
    const { port, commands } = recordingPort();
    expect(await port.mergeBase(base, head)).toBe(base);
    expect(commands).toEqual([['merge-base', base, head]]);
  });
});

describe('diffFiles', () => {
  const changed = () => ['big.txt', NEWLINE_PATH, 'src/a.ts', 'src/utf8.ts', 'with space.md'].sort();

  it('parses the diff as it streams out of git, as parseDiff parses the whole text', async () => {
    const { port } = recordingPort();
    const text = await port.diff(base, head);
    const files = await port.diffFiles(base, head);
    expect(files).toEqual(parseDiff(text));
    expect(files.map((f) => f.path).sort()).toEqual(changed());
    const withoutStreamer = createGitPort({ run: execGitRunner(workspace), log });
    expect(await withoutStreamer.diffFiles(base, head)).toEqual(files);
  });

  it('hands over every file once, in order, as it is parsed', async () => {
    for (const port of [recordingPort().port, createGitPort({ run: execGitRunner(workspace), log })]) {
      const seen: string[] = [];
      const files = await port.diffFiles(base, head, (batch) => seen.push(...batch.map((f) => f.path)));
      expect([...seen].sort()).toEqual(changed());
      expect(seen).toEqual(files.map((f) => f.path));
    }
  });

  it('fails with git’s message when git cannot diff', async () => {
    const { port } = recordingPort();
    await expect(port.diffFiles(base, 'f'.repeat(40))).rejects.toThrow(/git diff failed: fatal/);
  });
});
