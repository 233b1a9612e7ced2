import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeferredLogger, startMergeBase } from '../../../action/early-git.js';
import { cloneBranch, commitAll, git, initOrigin, writeFiles } from '../../support/git.js';

let dir: string;
let workspace: string;
let mergeBase: string;
let base: string;
let head: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'diffray-early-'));
  const { origin, seed } = initOrigin(dir);
  writeFiles(seed, { 'a.ts': 'export const a = 1;\n' });
  mergeBase = commitAll(seed, 'base');
  git(seed, 'checkout', '-q', '-b', 'feature');
  writeFiles(seed, { 'a.ts': 'export const a = 2;\n' });
  head = commitAll(seed, 'feature');
  git(seed, 'checkout', '-q', 'main');
  writeFiles(seed, { 'b.ts': 'export const b = 1;\n' });
  base = commitAll(seed, 'main moves on');
  git(seed, 'remote', 'add', 'origin', origin);
  git(seed, 'push', '-q', 'origin', 'main', 'feature');
  workspace = join(dir, 'workspace');
  cloneBranch(origin, workspace, 'feature');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function eventEnv(pr: unknown, eventName = 'pull_request'): NodeJS.ProcessEnv {
  const path = join(dir, `event-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ pull_request: pr }));
  return {
    PATH: process.env.PATH,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: path,
    GITHUB_WORKSPACE: workspace,
  };
}

const repo = { full_name: 'acme/widgets' };
const samePr = () => ({ base: { sha: base, repo }, head: { sha: head, repo } });

describe('startMergeBase', () => {
  it('fetches the commits of a same-repository PR and gives that merge base to the action', async () => {
    const early = startMergeBase(eventEnv(samePr()));
    expect(early).toBeDefined();
    await early!.ready;
    expect(await early!.git.mergeBase(base, head)).toBe(mergeBase);
    expect(early!.git.mergeBase(base, head)).toBe(early!.git.mergeBase(base, head));
    // Other pairs are asked of git as usual.
    expect(await early!.git.mergeBase(head, head)).toBe(head);
  });

  it('holds the git log lines until the action attaches its logger', async () => {
    const shallow = join(dir, 'shallow');
    cloneBranch(join(dir, 'origin.git'), shallow, 'feature');
    const early = startMergeBase({ ...eventEnv(samePr()), GITHUB_WORKSPACE: shallow })!;
    await early.git.mergeBase(base, head);
    const lines: string[] = [];
    early.log.attach({ info: (m) => lines.push(m), warning: () => {}, debug: () => {} });
    expect(lines).toEqual(['Fetching base and head commits from origin (depth 50)']);
  });

  it.each([
    ['another event', () => eventEnv(samePr(), 'push')],
    [
      'a fork PR',
      () => eventEnv({ ...samePr(), head: { sha: head, repo: { full_name: 'forker/widgets' } } }),
    ],
    ['a deleted fork', () => eventEnv({ ...samePr(), head: { sha: head, repo: null } })],
    ['a payload without shas', () => eventEnv({ base: { repo }, head: { repo } })],
    ['a sha that is not one', () => eventEnv({ ...samePr(), base: { sha: '--upload-pack=x', repo } })],
    [
      'no event file',
      () => ({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: join(dir, 'none.json') }),
    ],
  ])('starts nothing for %s', (_name, env) => {
    expect(startMergeBase(env())).toBeUndefined();
  });
});

describe('DeferredLogger', () => {
  it('forwards what it held, in order, then everything after', () => {
    const log = new DeferredLogger();
    log.info('one');
    log.debug('two');
    const lines: string[] = [];
    log.attach({
      info: (m) => lines.push(`info ${m}`),
      warning: (m) => lines.push(`warning ${m}`),
      debug: (m) => lines.push(`debug ${m}`),
    });
    log.warning('three');
    expect(lines).toEqual(['info one', 'debug two', 'warning three']);
  });
});
