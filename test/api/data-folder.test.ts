/**
 * The data folder is the server user's alone, whichever command creates it and whatever the umask: each
 * scenario runs the real CLI (`bin/diffray-api.js`) under `umask 000` or `022` in a fresh folder and checks
 * the modes of the folder and of every file in it (the database and, from `serve`, the session secret and,
 * while it runs, the database's -wal and -shm files).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/diffray-api.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'diffray-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `diffray-api args` under `umask`, in a shell so the umask is the process's from its first instruction. */
function start(umask: string, args: string[], dbPath: string) {
  const command = `umask ${umask} && exec "$0" "$@"`;
  return spawn('/bin/sh', ['-c', command, process.execPath, BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_PATH: dbPath, PORT: '0', HOST: '127.0.0.1' },
  });
}

async function runToEnd(umask: string, args: string[], dbPath: string): Promise<void> {
  const child = start(umask, args, dbPath);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`diffray-api ${args.join(' ')} exited ${code}: ${err}`);
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every entry of the data folder with its mode, as octal text (for a readable failure). */
function modes(folder: string): Record<string, string> {
  const found: Record<string, string> = { '.': mode(folder).toString(8) };
  for (const name of readdirSync(folder)) found[name] = mode(join(folder, name)).toString(8);
  return found;
}

/**
 * Runs `serve` until it listens and its database has its -wal and -shm files, records the folder's modes,
 * then stops it with SIGTERM.
 */
async function serveAndLook(umask: string, folder: string): Promise<Record<string, string>> {
  const dbPath = join(folder, 'diffray.db');
  const child = start(umask, ['serve'], dbPath);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 30_000;
    while (
      !out.includes('"msg":"listening"') ||
      !existsSync(`${dbPath}-wal`) ||
      !existsSync(`${dbPath}-shm`)
    ) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return modes(folder);
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }
    });
  }
}

const PRIVATE = {
  '.': '700',
  'data-key': '600',
  'diffray.db': '600',
  'diffray.db-wal': '600',
  'diffray.db-shm': '600',
  'session-secret': '600',
};

describe('the data folder and its files', () => {
  const firstCommands: [string, string[]][] = [
    ['serve', ['serve']],
    ['accounts create', ['accounts', 'create', 'Acme']],
    ['purge', ['purge']],
    ['keys list', ['keys', 'list']],
  ];
  const cases = ['000', '022'].flatMap((umask) =>
    firstCommands.map(([name, args]) => [umask, name, args] as const),
  );

  it.each(cases)(
    'umask %s, `%s` first: folder 0700, every file 0600',
    async (umask, name, args) => {
      const folder = join(mkdtempSync(join(root, 'case-')), 'data');
      if (name === 'serve') {
        expect(await serveAndLook(umask, folder)).toEqual(PRIVATE);
      } else {
        // The -wal and -shm files are gone once the command has closed the database.
        await runToEnd(umask, args, join(folder, 'diffray.db'));
        expect(modes(folder)).toEqual({ '.': '700', 'data-key': '600', 'diffray.db': '600' });
      }
    },
    60_000,
  );
});
