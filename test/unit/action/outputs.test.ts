/** The run's outputs through a recording toolkit, in process (test/e2e/outputs.test.ts runs the bundle). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SarifLog } from '../../../action/core/output/sarif.js';
import type { ReviewRun } from '../../../action/engine.js';
import { reportRun, reportSkipped, type ActionsToolkit } from '../../../action/outputs.js';
import { makeAnchored, makeOutcome } from './builders.js';

function recordingToolkit(jobSummary: 'none' | 'ok' | 'fails' = 'ok') {
  const seen = {
    outputs: new Map<string, string>(),
    notices: [] as string[],
    failed: [] as string[],
    summaries: [] as string[],
    info: [] as string[],
    warnings: [] as string[],
  };
  const toolkit: ActionsToolkit = {
    setOutput: (name, value) => seen.outputs.set(name, value),
    notice: (message, title) => seen.notices.push(`${title}: ${message}`),
    setFailed: (message) => seen.failed.push(message),
    appendJobSummary:
      jobSummary === 'none'
        ? undefined
        : async (markdown) => {
            if (jobSummary === 'fails') throw new Error('disk full');
            seen.summaries.push(markdown);
          },
    log: {
      info: (m) => seen.info.push(m),
      warning: (m) => seen.warnings.push(m),
      debug: () => {},
    },
  };
  return { toolkit, seen };
}

const finding = makeAnchored({ severity: 'high' });
const run: ReviewRun = {
  outcome: makeOutcome({ conclusion: 'failure', posted: [finding], alreadyPosted: 2 }),
  findings: [finding],
  dropped: [],
  mergeBase: 'b'.repeat(40),
  resultsUrl: 'https://diffray.example/r/1',
  warnings: ['the results API said no'],
  errors: [],
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-outputs-'));
  dirs.push(dir);
  return dir;
}
const places = (dir: string, sarifFile?: string) => ({
  workspace: dir,
  runnerTemp: undefined,
  sarifFile,
  serverUrl: 'https://github.com',
});

describe('reportRun', () => {
  it('links no results page from the job summary when the run reported none, or a URL that is not plain http(s)', async () => {
    for (const resultsUrl of [undefined, 'javascript:alert(1)', 'https://x.example/a b']) {
      const { toolkit, seen } = recordingToolkit();
      const { resultsUrl: _, ...rest } = run;
      await reportRun(
        toolkit,
        resultsUrl === undefined ? rest : { ...rest, resultsUrl },
        places(workspace()),
      );
      expect(seen.summaries[0]).not.toContain('Full results');
    }
  });

  it('sets the outputs, writes the job summary and passes the warnings on without failing', async () => {
    const { toolkit, seen } = recordingToolkit();
    await reportRun(toolkit, run, places(workspace()));

    expect(Object.fromEntries(seen.outputs)).toEqual({
      'findings-count': '3',
      conclusion: 'failure',
      'results-url': 'https://diffray.example/r/1',
    });
    expect(seen.summaries).toHaveLength(1);
    expect(seen.summaries[0]).toContain('## diffray');
    expect(seen.summaries[0]).toContain('[Full results](https://diffray.example/r/1)');
    expect(seen.warnings).toEqual(['the results API said no']);
    expect(seen.failed).toEqual([]);
  });

  it('writes SARIF inside the workspace', async () => {
    const dir = workspace();
    const { toolkit, seen } = recordingToolkit();
    await reportRun(toolkit, run, places(dir, 'out/diffray.sarif'));

    const sarif = JSON.parse(readFileSync(join(dir, 'out/diffray.sarif'), 'utf8')) as SarifLog;
    expect(sarif.runs[0]!.results).toHaveLength(1);
    expect(seen.info).toContain('SARIF written to out/diffray.sarif');
  });

  it('fails the step for a SARIF path outside the workspace and the errors the run noted, after reporting', async () => {
    const { toolkit, seen } = recordingToolkit();
    await reportRun(
      toolkit,
      { ...run, errors: ['GitHub refused the check'] },
      places(workspace(), '../x.sarif'),
    );

    expect(seen.outputs.get('conclusion')).toBe('failure');
    expect(seen.failed).toEqual([
      'GitHub refused the check\nsarif-file must be a path inside the workspace or RUNNER_TEMP; got "../x.sarif"',
    ]);
  });

  it('warns when the job summary cannot be written, and writes none where the runner gives none', async () => {
    const failing = recordingToolkit('fails');
    await reportRun(failing.toolkit, run, places(workspace()));
    expect(failing.seen.warnings).toContain('Could not write the job summary: disk full');

    const none = recordingToolkit('none');
    await reportRun(none.toolkit, run, places(workspace()));
    expect(none.seen.summaries).toEqual([]);
    expect(none.seen.warnings).toEqual(['the results API said no']);
  });
});

describe('reportSkipped', () => {
  it('gives a notice, neutral outputs and a one-line job summary, never a failure', async () => {
    const { toolkit, seen } = recordingToolkit();
    await reportSkipped(toolkit, 'Draft pull request: not reviewed');

    expect(seen.notices).toEqual(['diffray skipped this run: Draft pull request: not reviewed']);
    expect(Object.fromEntries(seen.outputs)).toEqual({ 'findings-count': '0', conclusion: 'neutral' });
    expect(seen.summaries).toEqual(['## diffray review\n\n**Skipped:** Draft pull request: not reviewed\n']);
    expect(seen.failed).toEqual([]);
  });
});
