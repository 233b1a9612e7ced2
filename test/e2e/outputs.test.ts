/**
 * The `sarif-file` and `exclude` inputs, end to end through the bundle: what lands on disk, what the model
 * is sent, and what the summary says about the files it was not sent.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SarifLog } from '../../action/core/output/sarif.js';
import { APP_HEAD, CLAMP_SWAPPED, OFF_BY_ONE, startTwoFindingPr, UTIL_HEAD } from './fixtures.js';

describe('the sarif-file input', () => {
  it.each([
    { where: 'a path relative to the workspace', inWorkspace: true },
    { where: 'an absolute path under RUNNER_TEMP', inWorkspace: false },
  ])('writes the findings as SARIF 2.1.0 to $where', async ({ inWorkspace }) => {
    const { repo, run } = await startTwoFindingPr();
    const runnerTemp = join(repo.dir, 'runner-temp');
    mkdirSync(runnerTemp);
    const input = inWorkspace ? 'reports/diffray.sarif' : join(runnerTemp, 'diffray.sarif');
    const result = await run({ inputs: { 'sarif-file': input }, env: { RUNNER_TEMP: runnerTemp } });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const written = inWorkspace ? join(repo.workspace, input) : input;
    const sarif = JSON.parse(readFileSync(written, 'utf8')) as SarifLog;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const [sarifRun] = sarif.runs;
    expect(sarifRun!.tool.driver.name).toBe('diffray');
    const results = sarifRun!.results.map((r) => ({
      rule: sarifRun!.tool.driver.rules[r.ruleIndex]?.id,
      ruleId: r.ruleId,
      level: r.level,
      at: `${r.locations[0]!.physicalLocation.artifactLocation.uri}:${r.locations[0]!.physicalLocation.region.startLine}`,
      fingerprinted: Object.keys(r.partialFingerprints).length > 0,
    }));
    expect(results.sort((a, b) => a.at.localeCompare(b.at))).toEqual([
      {
        rule: 'correctness',
        ruleId: 'correctness',
        level: 'error',
        at: `src/app.ts:${OFF_BY_ONE.line}`,
        fingerprinted: true,
      },
      {
        rule: 'correctness',
        ruleId: 'correctness',
        level: 'warning',
        at: `src/util.ts:${CLAMP_SWAPPED.line}`,
        fingerprinted: true,
      },
    ]);
  });

  it('refuses a path outside the workspace and RUNNER_TEMP with a clear error, after the review is posted', async () => {
    const { repo, github, run } = await startTwoFindingPr();
    const result = await run({ inputs: { 'sarif-file': '../escape.sarif' } });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '::error::sarif-file must be a path inside the workspace or RUNNER_TEMP; got "../escape.sarif"',
    );
    expect(existsSync(join(repo.dir, 'escape.sarif'))).toBe(false);
    expect(github.reviews).toHaveLength(1);
    expect(github.reviewComments).toHaveLength(2);
    expect(github.issueComments).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(result.outputs).toMatchObject({ 'findings-count': '2', conclusion: 'failure' });
    expect(result.jobSummary).toContain('Off-by-one in count');
  });

  it('still reports the run’s own errors when it refuses the path', async () => {
    const { run } = await startTwoFindingPr({ github: { denied: ['checks'] } });
    const result = await run({ inputs: { 'sarif-file': '/etc/diffray.sarif' } });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('sarif-file must be a path inside the workspace or RUNNER_TEMP');
    expect(result.stdout).toContain('checks: write');
  });
});

describe('the exclude input', () => {
  it('keeps matching files from the model and lists each in the summary with the glob that matched', async () => {
    const { github, anthropic, run } = await startTwoFindingPr({
      head: {
        'src/app.ts': APP_HEAD,
        'src/util.ts': UTIL_HEAD,
        'src/gen/schema.ts': 'export const schemaVersion = 3;\n',
      },
    });
    const result = await run({ inputs: { exclude: 'src/gen/\nutil.ts' } });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const sent = anthropic.allSentText();
    expect(sent).toContain('## src/app.ts');
    expect(sent).not.toContain('src/util.ts');
    expect(sent).not.toContain('Math.min(lo');
    expect(sent).not.toContain('schemaVersion');
    const skipped = '**excluded-by-config** (2): `src/gen/schema.ts (src/gen/)`, `src/util.ts (util.ts)`';
    expect(github.issueComments[0]!.body).toContain(skipped);
    expect(result.jobSummary).toContain(skipped);
    expect(github.reviewComments.map((c) => c.path)).toEqual(['src/app.ts']);
  });
});
