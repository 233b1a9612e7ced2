import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: builds dist/ once from the current sources before any test file runs, so the
 * end-to-end tests run what users run and no two files rebuild the bundle under each other.
 * DIFFRAY_E2E_SKIP_BUILD=1 reuses the bundle already built (repeated runs while developing). The compiled
 * API (build/, what `bin/diffray-api.js` runs) is rebuilt every time: it takes a second, and a stale one
 * would test old code.
 */
export default function buildBundle(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build-api.mjs'], { cwd: root, stdio: 'pipe' });
  if (process.env.DIFFRAY_E2E_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
}
