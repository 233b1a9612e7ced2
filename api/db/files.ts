/**
 * The data folder's files are the server user's alone: findings describe weaknesses in customers' code, and
 * whoever can replace the session secret or the database can sign in as anyone. Modes are set explicitly
 * after creation, since `mkdir` and `open` only ever remove bits from the mode they are given (the umask),
 * and a umask such as 0177 would even leave a folder its owner cannot enter.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` and any missing parent with mode 0700. A folder that already exists keeps its mode: it is
 * the operator's (it may be `/var/lib` or a mount point), and this code did not create it.
 */
export function makePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  const top = resolve(first);
  for (let path = resolve(dir); ; path = dirname(path)) {
    chmodSync(path, PRIVATE_DIR_MODE);
    if (path === top || dirname(path) === path) return;
  }
}

/**
 * Creates `path` (which must not exist: `EEXIST` otherwise) with mode 0600, then writes `content`. The mode
 * is set on the open descriptor before anything is written, so no other user ever sees the content.
 */
export function createPrivateFile(path: string, content = ''): void {
  const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    if (content !== '') writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}
