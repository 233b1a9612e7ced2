import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { WorkspacePort } from '../ports.js';

/** Files larger than this are not read for context (the diff itself is still reviewed). */
export const MAX_CONTEXT_FILE_BYTES = 1_048_576;

/**
 * Reads files of the checkout for the model's context. actions/checkout leaves the token in `.git/config`
 * and a PR can add symlinks, so a path is read only when it resolves (symlinks followed) to a regular file
 * inside the workspace and outside any `.git` directory.
 */
export function createWorkspacePort(root: string, opts: { maxBytes?: number } = {}): WorkspacePort {
  const maxBytes = opts.maxBytes ?? MAX_CONTEXT_FILE_BYTES;
  let realRoot: string | undefined;

  // Synchronous on purpose: the action reads hundreds of small files for context in one go, and each
  // asynchronous step (realpath, open, stat, read, close) would be a round trip through libuv's 4-thread
  // pool; at 1000 files that is ~0.7 s of waiting against ~50 ms of doing it inline.
  return {
    async readFile(path) {
      if (path === '' || isAbsolute(path) || path.includes('\0')) return undefined;
      realRoot ??= realpathSync.native(root);
      const rootPath = realRoot;
      const target = resolve(rootPath, path);
      if (!isInside(rootPath, target) || hasGitSegment(relative(rootPath, target))) return undefined;
      let real: string;
      try {
        real = realpathSync.native(target);
      } catch {
        return undefined;
      }
      if (!isInside(rootPath, real) || hasGitSegment(relative(rootPath, real))) return undefined;
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever (and keep the
      // process from exiting); with it, the open returns and the stat below refuses the non-file.
      let fd: number;
      try {
        fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        return undefined;
      }
      try {
        const stat = fstatSync(fd);
        if (!stat.isFile() || stat.size > maxBytes) return undefined;
        return readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    },
  };
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function hasGitSegment(rel: string): boolean {
  return rel.split(sep).some((segment) => segment.toLowerCase() === '.git');
}
