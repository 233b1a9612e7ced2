/**
 * The action bundle to measure. By default a fresh one is built from the working tree with the project's
 * own build script, but into a temporary root (symlinks to the sources and node_modules, a real `dist/`),
 * so the benchmark never rewrites the checked-in dist/ that other work depends on.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, ROOT } from '../../test/e2e/harness.js';

export interface Bundle {
  /** Path of the bundle the runs execute. */
  path: string;
  bytes: number;
  /** How it was obtained (and why, when the fresh build failed). */
  note: string;
  /** Size of the checked-in dist/index.js, for reference. */
  checkedInBytes: number | undefined;
  cleanup(): void;
}

export function prepareBundle(fresh: boolean): Bundle {
  const checkedInBytes = existsSync(BUNDLE) ? statSync(BUNDLE).size : undefined;
  const existing = (note: string): Bundle => ({
    path: BUNDLE,
    bytes: checkedInBytes ?? NaN,
    note,
    checkedInBytes,
    cleanup: () => {},
  });
  if (!fresh) return existing('dist/index.js as checked out (--no-build)');

  const root = mkdtempSync(join(tmpdir(), 'diffray-bench-build-'));
  mkdirSync(join(root, 'scripts'));
  mkdirSync(join(root, 'dist'));
  copyFileSync(join(ROOT, 'scripts/build.mjs'), join(root, 'scripts/build.mjs'));
  for (const entry of readdirSync(ROOT)) {
    if (['dist', 'scripts', '.git', 'bench'].includes(entry)) continue;
    symlinkSync(join(ROOT, entry), join(root, entry));
  }
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const path = join(root, 'dist/index.js');
  let note = 'built fresh from the working tree (scripts/build.mjs, into a temp dir)';
  try {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], {
      cwd: root,
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message;
    if (!existsSync(path)) {
      cleanup();
      return existing(`fresh build failed (${text.split('\n')[0]}); measured the checked-in dist/index.js`);
    }
    // The size check fails after the bundle is written: it is still the bundle the sources make.
    note = `built fresh, and the build script refused it: ${text.split('\n').filter(Boolean).at(-1)}`;
  }
  return { path, bytes: statSync(path).size, note, checkedInBytes, cleanup };
}
