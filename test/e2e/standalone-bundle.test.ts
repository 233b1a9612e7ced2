/**
 * action.yml runs dist/index.js from the action's checkout, where there is no node_modules: the bundle
 * must carry everything it imports. Run from the repository, a missing module would still resolve from
 * its node_modules, so this runs a copy of the bundle alone in a directory with none up the tree.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { OFF_BY_ONE, CLAMP_SWAPPED, startTwoFindingPr } from './fixtures.js';
import { BUNDLE } from './harness.js';

function ancestorsWithNodeModules(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(d);
    if (dirname(d) === d) return found;
  }
}

it('reviews a small PR with only dist/index.js, away from any node_modules', async () => {
  const alone = mkdtempSync(join(tmpdir(), 'diffray-bundle-'));
  onTestFinished(() => rmSync(alone, { recursive: true, force: true }));
  expect(ancestorsWithNodeModules(alone)).toEqual([]);
  const bundle = join(alone, 'index.js');
  copyFileSync(BUNDLE, bundle);
  const { github, anthropic, run } = await startTwoFindingPr();
  const result = await run({ bundle });

  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(anthropic.reviewRequests()).toHaveLength(1);
  expect(github.reviewComments.map((c) => `${c.path}:${c.line}`).sort()).toEqual([
    `src/app.ts:${OFF_BY_ONE.line}`,
    `src/util.ts:${CLAMP_SWAPPED.line}`,
  ]);
  expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  expect(result.outputs).toMatchObject({ 'findings-count': '2', conclusion: 'failure' });
});
