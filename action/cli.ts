import { parseArgs } from 'node:util';
import { FAIL_ON_VALUES, type FailOn } from '../shared/index.js';
import { createAnthropicPort } from './adapters/anthropic.js';
import { createGitPort, execGitRunner } from './adapters/git.js';
import { createWorkspacePort } from './adapters/workspace.js';
import { toSarif } from './core/sarif.js';
import { runReview, type ReviewRun } from './engine.js';
import type { GitPort, Logger } from './ports.js';

const USAGE = `Usage: diffray review [--base REF] [--head REF] [--format text|json|sarif] [--model ID] [--fail-on LEVEL]

Reviews the changes between the merge base of --base (default: origin/HEAD, main or master) and --head
(default: HEAD) with the same engine as the GitHub Action, and prints the findings. Nothing is posted.
Needs ANTHROPIC_API_KEY. Exit code 1 when a finding reaches --fail-on (default high), 2 on errors.`;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

/** Progress goes to stderr so stdout stays clean for json and sarif. */
const stderrLogger = (verbose: boolean): Logger => ({
  info: (m) => console.error(m),
  warning: (m) => console.error(`warning: ${m}`),
  debug: (m) => (verbose ? console.error(m) : undefined),
});

export async function cli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        base: { type: 'string' },
        head: { type: 'string', default: 'HEAD' },
        format: { type: 'string', default: 'text' },
        model: { type: 'string', default: env.DIFFRAY_MODEL ?? 'claude-sonnet-4-5' },
        'fail-on': { type: 'string', default: 'high' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals[0] !== 'review' || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    console.error(`--format must be one of ${FORMATS.join(', ')}; got "${values.format}"`);
    return 2;
  }
  const failOn = values['fail-on'] as FailOn;
  if (!(FAIL_ON_VALUES as readonly string[]).includes(failOn)) {
    console.error(`--fail-on must be one of ${FAIL_ON_VALUES.join(', ')}; got "${values['fail-on']}"`);
    return 2;
  }
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    console.error('ANTHROPIC_API_KEY is not set');
    return 2;
  }

  const log = stderrLogger(values.verbose);
  try {
    const root = (await execGitRunner(process.cwd())(['rev-parse', '--show-toplevel'])).stdout.trim();
    if (!root) throw new Error('not inside a git repository');
    const git = createGitPort({ run: execGitRunner(root), log });
    const headSha = await git.resolveRef(values.head);
    const baseSha = await resolveBase(git, values.base);
    const run = await runReview(
      {
        git,
        model: createAnthropicPort({ apiKey }),
        workspace: createWorkspacePort(root),
        clock: { now: () => Date.now() },
        log,
      },
      {
        repository: 'local/repository',
        serverUrl: 'https://github.com',
        pr: { number: 0, title: '', body: '', draft: false, baseSha, headSha },
        model: values.model,
        failOn,
        maxComments: 100,
        configFile: '.diffray.yml',
        exclude: [],
      },
    );
    console.log(render(run, format));
    for (const w of run.warnings) log.warning(w);
    return run.outcome.conclusion === 'failure' ? 1 : 0;
  } catch (error) {
    console.error(`diffray: ${(error as Error).message}`);
    return 2;
  }
}

async function resolveBase(git: GitPort, base: string | undefined): Promise<string> {
  if (base !== undefined) return git.resolveRef(base);
  for (const candidate of ['origin/HEAD', 'origin/main', 'main', 'origin/master', 'master']) {
    try {
      return await git.resolveRef(candidate);
    } catch {
      // try the next one
    }
  }
  throw new Error('no base branch found: pass --base REF');
}

function render(run: ReviewRun, format: Format): string {
  const findings = run.findings;
  if (format === 'sarif') {
    return JSON.stringify(
      toSarif(findings, { toolVersion: '0.1.0', informationUri: 'https://github.com/diffray/diffray' }),
      null,
      2,
    );
  }
  const { outcome } = run;
  if (format === 'json') {
    return JSON.stringify(
      {
        status: outcome.status,
        conclusion: outcome.conclusion,
        reason: outcome.conclusionReason,
        findings: findings.map(
          ({ fingerprint, path, line, startLine, severity, category, title, body, suggestion }) => ({
            fingerprint,
            path,
            line,
            startLine,
            severity,
            category,
            title,
            body,
            suggestion,
          }),
        ),
        skipped: outcome.skipped,
        failedRequests: outcome.failedChunks,
        usage: outcome.usage,
        costUsd: outcome.costUsd,
      },
      null,
      2,
    );
  }
  const lines = findings.map(
    (f) => `${f.path}:${f.line}  [${f.severity}] ${f.title}\n    ${f.body.replace(/\n/g, '\n    ')}`,
  );
  lines.push(
    '',
    `${findings.length} finding${findings.length === 1 ? '' : 's'} · ${outcome.reviewedFiles.length} files reviewed, ` +
      `${outcome.skipped.length} skipped · ${outcome.conclusion}${outcome.conclusionReason ? ` (${outcome.conclusionReason})` : ''} · ` +
      `~$${outcome.costUsd.toFixed(4)}`,
  );
  return lines.join('\n');
}
