/**
 * The local CLI (`bin/diffray.js review`) on a real repository against the fake Anthropic: the README's own
 * command, the formats the README documents, bad refs, a bad config, and no key.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { SarifLog } from '../../action/core/output/sarif.js';
import { findingsFor, modelFinding, startFakeAnthropic, userText } from '../fakes/anthropic.js';
import { BUNDLE_NODE, makePrRepo, ROOT } from './harness.js';

const execFileAsync = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The code block README.md puts after `<!-- name: ... -->`, as the reader copies it. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = new RegExp(`^<!-- ${name}:[^\\n]*-->\\n+\`\`\`sh\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(readme);
  if (!block) throw new Error(`README.md has no sh block marked ${name}`);
  return block[1]!;
}

/** A repository whose feature branch divides by zero (`base` files added), and a fake model that says so. */
const DIVISION = modelFinding({
  path: 'src/a.ts',
  line: 2,
  severity: 'high',
  title: 'Division by zero',
  body: 'b is always Infinity.',
});

async function startLocalRepo(
  base: Record<string, string> = {},
  findings: ReturnType<typeof modelFinding>[] = [DIVISION],
) {
  const repo = makePrRepo({
    base: { 'src/a.ts': 'export const a = 1;\n', ...base },
    head: { 'src/a.ts': 'export const a = 1;\nexport const b = a / 0;\n' },
    shallow: false,
  });
  onTestFinished(() => repo.cleanup());
  const anthropic = await startFakeAnthropic(findingsFor(...findings));
  onTestFinished(() => anthropic.close());
  /** `bash -c script` in the repository, with `env` on top of a bare PATH and ANTHROPIC_BASE_URL. */
  const shell = async (script: string, env: Record<string, string>): Promise<CliResult> =>
    execFileAsync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: repo.workspace,
      env: { PATH: process.env.PATH ?? '', ANTHROPIC_BASE_URL: anthropic.url, ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: CliResult) => e,
    );
  /** `diffray <args>` in the repository, with `env` on top of a bare PATH and HOME. */
  const cli = async (args: string[], env: Record<string, string>): Promise<CliResult> =>
    execFileAsync(BUNDLE_NODE, [`${ROOT}/bin/diffray.js`, ...args], {
      cwd: repo.workspace,
      env: { PATH: process.env.PATH ?? '', HOME: repo.dir, ANTHROPIC_BASE_URL: anthropic.url, ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: CliResult) => e,
    );
  return { anthropic, cli, shell };
}

const REVIEW = ['review', '--base', 'origin/main', '--head', 'HEAD'];
const KEY = { ANTHROPIC_API_KEY: 'sk-ant-local' };

// Each run starts tsx on the TypeScript sources: seconds on a busy machine.
describe('diffray review (local CLI)', { timeout: 60_000 }, () => {
  it('prints each finding and a verdict line with --format text, exiting 1 at --fail-on', async () => {
    const { anthropic, cli } = await startLocalRepo();
    const result = await cli([...REVIEW, '--format', 'text'], KEY);

    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['src/a.ts:2  [high] Division by zero', '    b is always Infinity.']);
    expect(lines.at(-1)).toMatch(
      /^1 finding · 1 files reviewed, 0 skipped · failure \(1 finding at or above high\) · ~\$\d/,
    );
    expect(anthropic.reviewRequests()).toHaveLength(1);
  });

  it('runs as the README says: its install block clones this repository, its command works as written', async () => {
    const repository = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        repository: { url: string };
      }
    ).repository.url.replace(/^git\+/, '');
    expect(readmeBlock('cli-install')).toBe(`git clone ${repository} ~/diffray\n(cd ~/diffray && npm ci)\n`);
    // What the install block makes: ~/diffray, an installed checkout. .ci/run makes it by running the block
    // (DIFFRAY_README_HOME); otherwise it is this checkout, installed by the same `npm ci`.
    let home = process.env.DIFFRAY_README_HOME;
    if (!home) {
      home = mkdtempSync(join(tmpdir(), 'diffray-readme-home-'));
      const dir = home;
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      symlinkSync(ROOT, join(home, 'diffray'));
    }
    const { anthropic, shell } = await startLocalRepo();
    const result = await shell(readmeBlock('cli-review'), { HOME: home });

    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('src/a.ts:2  [high] Division by zero');
    expect(anthropic.reviewRequests()).toHaveLength(1);
  });

  it('names a --base or --head that is no commit in the repository', async () => {
    const { anthropic, cli } = await startLocalRepo();
    const base = await cli(['review', '--base', 'nosuchref'], KEY);
    expect(base.code).toBe(2);
    expect(base.stderr.trim()).toBe('diffray: --base nosuchref: no such commit or ref in this repository');
    const head = await cli(['review', '--base', 'origin/main', '--head', 'no/such'], KEY);
    expect(head.stderr.trim()).toBe('diffray: --head no/such: no such commit or ref in this repository');
    expect(anthropic.requests).toHaveLength(0);
  });

  it('prints SARIF 2.1.0 on stdout with --format sarif', async () => {
    const { cli } = await startLocalRepo();
    const result = await cli([...REVIEW, '--format', 'sarif'], KEY);

    expect(result.code, result.stderr).toBe(1);
    const sarif = JSON.parse(result.stdout) as SarifLog;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.tool.driver.name).toBe('diffray');
    expect(sarif.runs[0]!.results).toMatchObject([
      {
        ruleId: 'correctness',
        level: 'error',
        locations: [
          { physicalLocation: { artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 2 } } },
        ],
      },
    ]);
  });

  it('reviews the range between a base ref and HEAD with the same engine and prints JSON findings', async () => {
    const { anthropic, cli } = await startLocalRepo();
    const result = await cli(['review', '--base', 'origin/main', '--format', 'json'], KEY);

    expect(result.code, result.stderr).toBe(1); // a high finding reaches the default --fail-on high
    const out = JSON.parse(result.stdout) as {
      conclusion: string;
      findings: { path: string; line: number; title: string }[];
    };
    expect(out.conclusion).toBe('failure');
    expect(out.findings).toMatchObject([{ path: 'src/a.ts', line: 2, title: 'Division by zero' }]);
    expect(anthropic.reviewRequests()).toHaveLength(1);
  });

  it('lists the findings the filters dropped, each with its reason, with --show-dropped', async () => {
    const { anthropic, cli } = await startLocalRepo({ 'CLAUDE.md': 'Prefer named exports.\n' }, [
      DIVISION,
      { ...DIVISION, title: 'Maybe b overflows', category: 'reliability', confidence: 0.3 },
      { ...DIVISION, line: 1, title: 'a is a magic number', quote: 'export const a = 1;' },
      { ...DIVISION, title: 'Use a default export', body: 'CLAUDE.md asks for it.', category: 'style' },
    ]);
    const result = await cli([...REVIEW, '--format', 'json', '--show-dropped'], KEY);

    const out = JSON.parse(result.stdout) as {
      findings: { title: string }[];
      filtered: Record<string, number>;
      dropped: { title: string; reason: string }[];
    };
    expect(out.findings.map((f) => f.title)).toEqual(['Division by zero']);
    expect(out.filtered).toEqual({ 'low-confidence': 1, 'base-only': 1, 'rule-not-quoted': 1 });
    expect(out.dropped.map((d) => [d.title, d.reason])).toEqual([
      ['Maybe b overflows', 'low-confidence'],
      ['a is a magic number', 'base-only'],
      ['Use a default export', 'rule-not-quoted'],
    ]);
    // The filters run in code: only the true finding reaches the validation request.
    expect(anthropic.confirmRequests()).toHaveLength(1);
    expect(userText(anthropic.confirmRequests()[0]!.body).match(/^\[\d+\] /gm)).toHaveLength(1);
    // Without the flag, the counts are there but not the list.
    const plain = JSON.parse((await cli([...REVIEW, '--format', 'json'], KEY)).stdout) as object;
    expect(plain).not.toHaveProperty('dropped');
  });

  it('refuses eval --bench swe-prbench without a dataset pin, and an unknown benchmark', async () => {
    const { anthropic, cli } = await startLocalRepo();
    const unpinned = await cli(['eval', '--bench', 'swe-prbench'], KEY);
    expect(unpinned.code).toBe(2);
    expect(unpinned.stderr).toContain('--bench swe-prbench needs --dataset-pin COMMIT:SHA256');
    const unknown = await cli(['eval', '--bench', 'nope'], KEY);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--bench must be martian or swe-prbench');
    expect(anthropic.requests).toHaveLength(0);
  });

  it('stops on an invalid base config, saying what each key expects and what it found, in line order', async () => {
    const { anthropic, cli } = await startLocalRepo({
      '.diffray.yml': 'max-coments: 5\nfail-on: hihg\nreview-drafts: yes\n',
    });
    const result = await cli([...REVIEW, '--format', 'text'], KEY);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      [
        '.diffray.yml:1: max-coments: unknown key max-coments (did you mean max-comments?)',
        '.diffray.yml:2: fail-on: expected one of none, critical, high, medium, low, found "hihg" (did you mean high?)',
        '.diffray.yml:3: review-drafts: expected true or false, found "yes"',
      ].join('\n'),
    );
    expect(anthropic.requests).toHaveLength(0);
  });

  it('refuses to run without ANTHROPIC_API_KEY: a clear error, exit 2, nothing sent', async () => {
    const { anthropic, cli } = await startLocalRepo();
    const result = await cli([...REVIEW, '--format', 'text'], {});

    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('ANTHROPIC_API_KEY is not set');
    expect(result.stdout).toBe('');
    expect(anthropic.requests).toHaveLength(0);
  });
});
