import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { modelFinding, startFakeAnthropic, userText, type FakeAnthropic } from '../fakes/anthropic.js';
import { commitAll, git, writeFiles } from '../support/git.js';
import { BUNDLE_NODE, ROOT } from './harness.js';

const execFileAsync = promisify(execFile);
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/**
 * A repository with two merged PRs and a later commit that rewrites the line the first PR's finding
 * flagged, while the second PR's flagged line is left alone. The PRs land as merge commits, or as GitHub's
 * squash merges: one commit on main whose subject ends with the PR number.
 */
function fixtureRepo(landing: 'merge' | 'squash'): string {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-eval-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, { 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'export const b = 2;\n' });
  commitAll(dir, 'initial');

  const land = (n: number, branch: string, title: string) => {
    git(dir, 'checkout', '-q', 'main');
    if (landing === 'merge') {
      git(dir, 'merge', '-q', '--no-ff', '-m', `Merge pull request #${n} from ${branch}`, branch);
    } else {
      git(dir, 'merge', '-q', '--squash', branch);
      git(dir, 'commit', '-q', '-m', `${title} (#${n})`);
    }
  };
  git(dir, 'checkout', '-q', '-b', 'pr-1');
  writeFiles(dir, { 'src/a.ts': 'export const a = 1;\nexport const ratio = a / 0;\n' });
  commitAll(dir, 'divide a');
  commitAll(dir, 'divide a, take two', '--allow-empty');
  land(1, 'pr-1', 'Divide a');

  git(dir, 'checkout', '-q', '-b', 'pr-2');
  writeFiles(dir, { 'src/b.ts': 'export const b = 2;\nexport const twice = b * 2;\n' });
  commitAll(dir, 'double b');
  land(2, 'pr-2', 'Double b');

  writeFiles(dir, {
    'src/a.ts': 'export const a = 1;\nexport const ratio = a / 2;\n',
    'README.md': '# fixture\n',
  });
  commitAll(dir, 'fix the division');
  return dir;
}

interface EvalReport {
  prs: number;
  findings: number;
  changedLater: number;
  precision: number;
  found: string;
  pullRequests: {
    subject: string;
    kind: string;
    findings: { path: string; line: number; changedLater: boolean }[];
  }[];
}

/** `diffray eval --prs 2 --format json` in `dir`, against a fake model with a finding for each file. */
async function runEval(
  dir: string,
): Promise<{ report: EvalReport; stderr: string; anthropic: FakeAnthropic }> {
  const anthropic = await startFakeAnthropic((req) => {
    const text = userText(req);
    const findings = [];
    if (text.includes('## src/a.ts'))
      findings.push(modelFinding({ path: 'src/a.ts', line: 2, severity: 'high', title: 'Division by zero' }));
    if (text.includes('## src/b.ts'))
      findings.push(modelFinding({ path: 'src/b.ts', line: 2, severity: 'low', title: 'Magic number' }));
    return { findings };
  });
  cleanups.push(() => anthropic.close());
  const { stdout, stderr } = await execFileAsync(
    BUNDLE_NODE,
    [`${ROOT}/bin/diffray.js`, 'eval', '--prs', '2', '--format', 'json'],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        ANTHROPIC_API_KEY: 'sk-ant-local',
        ANTHROPIC_BASE_URL: anthropic.url,
      },
    },
  );
  return { report: JSON.parse(stdout) as EvalReport, stderr, anthropic };
}

describe('diffray eval (local CLI)', { timeout: 60_000 }, () => {
  it('reviews the last merged PRs and estimates precision from later changes to the flagged lines', async () => {
    const { report, stderr, anthropic } = await runEval(fixtureRepo('merge'));

    expect(report).toMatchObject({ prs: 2, findings: 2, changedLater: 1, precision: 0.5 });
    expect(report.found).toBe('2 merge commits');
    expect(stderr).toContain('eval: the last 2 PRs of HEAD: 2 merge commits');
    expect(report.pullRequests.map((p) => [p.subject, p.kind])).toEqual([
      ['Merge pull request #2 from pr-2', 'merge'],
      ['Merge pull request #1 from pr-1', 'merge'],
    ]);
    expect(report.pullRequests[0]!.findings).toEqual([
      expect.objectContaining({ path: 'src/b.ts', line: 2, changedLater: false }),
    ]);
    expect(report.pullRequests[1]!.findings).toEqual([
      expect.objectContaining({ path: 'src/a.ts', line: 2, changedLater: true }),
    ]);
    // Each PR was reviewed on its own diff: one review request per merge, never both files at once.
    const reviews = anthropic.reviewRequests().map((r) => userText(r.body));
    expect(reviews).toHaveLength(2);
    expect(reviews.every((t) => !(t.includes('## src/a.ts') && t.includes('## src/b.ts')))).toBe(true);
  });

  it('finds the PRs of a squash-merge repository by their (#123) subjects, and says so', async () => {
    const { report, stderr, anthropic } = await runEval(fixtureRepo('squash'));

    expect(report).toMatchObject({ prs: 2, findings: 2, changedLater: 1, precision: 0.5 });
    expect(report.found).toBe('2 squash merges');
    expect(stderr).toContain('eval: the last 2 PRs of HEAD: 2 squash merges');
    // The direct push on top ("fix the division") is no PR: it is the later change the estimate reads.
    expect(report.pullRequests.map((p) => [p.subject, p.kind])).toEqual([
      ['Double b (#2)', 'squash'],
      ['Divide a (#1)', 'squash'],
    ]);
    expect(report.pullRequests[1]!.findings).toEqual([
      expect.objectContaining({ path: 'src/a.ts', line: 2, changedLater: true }),
    ]);
    expect(anthropic.reviewRequests()).toHaveLength(2);
  });
});
