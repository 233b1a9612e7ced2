import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { createAnthropicPort } from './adapters/anthropic.js';
import { createGitPort, execGitRunner, execGitStreamer, fetchAuthEnv } from './adapters/git.js';
import { createGitHubClient, createGitHubPort } from './adapters/github.js';
import { createResultsApiPort } from './adapters/results-api.js';
import { nodeTypeStripper } from './adapters/type-stripper.js';
import { createWorkspacePort } from './adapters/workspace.js';
import { readActionContext, secretlessReason, type PullRequestContext } from './context.js';
import { privilegedCheckout } from './core/input/checkout.js';
import { CHECK_NAME, githubServerUrl, OUTPUTS } from './core/constants.js';
import { privilegedCheckoutWarning } from './core/output/phrases.js';
import { renderJobSummary } from './core/output/render-check.js';
import { toSarif } from './core/output/sarif.js';
import { runReview, type ReviewRun } from './engine.js';
import { CancelledError, SkipError } from './errors.js';
import { InputError, readInputs, type Inputs } from './inputs.js';
import type { EarlyGit } from './early-git.js';
import type { GitHubPort, GitPort, Logger } from './ports.js';

export const VERSION = '0.1.0';
const INFORMATION_URI = 'https://github.com/diffray/diffray';

/** Log lines are metadata only; `debug` shows with ACTIONS_STEP_DEBUG and still never carries code. */
const actionsLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
};

/**
 * The action's entry: one catch; a SkipError ends as a notice with exit code 0. `early` is the merge base
 * the entry started before loading the rest (see early-git.ts); its log lines wait for the secrets' masks.
 */
export async function main(env: NodeJS.ProcessEnv = process.env, early?: EarlyGit): Promise<void> {
  const signal = runnerCancellation();
  try {
    const inputs = readInputs();
    early?.log.attach(actionsLogger);
    const context = readActionContext(env);
    if (context.kind === 'unsupported') {
      if (context.skippedCheckSha && inputs.githubToken) {
        const github = githubPort(inputs.githubToken, context.repository, env);
        await completeUnreviewed(github, context.skippedCheckSha, 'skipped', {
          title: 'Reviewed in the pull requests',
          summary: context.reason,
        });
      }
      throw new SkipError(context.reason);
    }
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const github = inputs.githubToken ? githubPort(inputs.githubToken, context.repository, env) : undefined;
    const anthropicApiKey = await requireModelKey(inputs, context, github);
    const git =
      early?.workspace === workspace
        ? early.git
        : createGitPort({
            run: execGitRunner(workspace, inputs.githubToken ? fetchAuthEnv(inputs.githubToken, env) : {}),
            stream: execGitStreamer(workspace),
            log: actionsLogger,
          });
    // Two quick git reads while the early fetch is still under way.
    if (context.kind === 'pull_request_target') await warnOfPrivilegedCheckout(git, context, env.GITHUB_SHA);

    const run = await runReview(
      {
        git,
        github,
        model: createAnthropicPort({ apiKey: anthropicApiKey }),
        workspace: createWorkspacePort(workspace),
        resultsApi:
          inputs.apiKey && inputs.apiUrl
            ? createResultsApiPort({ baseUrl: inputs.apiUrl, apiKey: inputs.apiKey })
            : undefined,
        clock: { now: () => Date.now() },
        log: actionsLogger,
        stripTypes: nodeTypeStripper(),
      },
      {
        repository: context.repository,
        serverUrl: githubServerUrl(env),
        pr: {
          number: context.number,
          title: context.title,
          body: context.body,
          draft: context.draft,
          baseSha: context.base.sha,
          headSha: context.head.sha,
        },
        model: inputs.model,
        failOn: inputs.failOn,
        maxComments: inputs.maxComments,
        configFile: inputs.configFile,
        exclude: inputs.exclude,
        signal,
      },
    );
    await report(run, inputs, env, workspace);
  } catch (error) {
    if (error instanceof SkipError) {
      core.notice(error.message, { title: 'diffray skipped this run' });
      core.setOutput(OUTPUTS.findingsCount, '0');
      core.setOutput(OUTPUTS.conclusion, 'neutral');
      await writeJobSummary(env, `## diffray review\n\n**Skipped:** ${error.message}\n`);
      return;
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
    // The model requests still in flight would keep the process up until the runner kills it; the log is
    // flushed first (a pipe is asynchronous on macOS runners).
    if (error instanceof CancelledError) process.stdout.write('', () => process.exit());
  }
}

/**
 * Aborted when the runner cancels the job: it sends SIGINT (some runners SIGHUP), SIGTERM 7.5 s later and
 * kills the process 2.5 s after that. The first signal lets the run complete its check as cancelled; the
 * next one ends the process at once.
 */
function runnerCancellation(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort(
      new CancelledError(
        `The run was cancelled (${name}) before the review was posted: a newer push to the PR, or a cancel by hand. No review or summary was posted.`,
      ),
    );
  };
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, onSignal);
  return controller.signal;
}

/** Warns (in the log and the run's annotations) when this privileged job has the PR's code checked out. */
async function warnOfPrivilegedCheckout(
  git: GitPort,
  context: PullRequestContext,
  eventSha: string | undefined,
): Promise<void> {
  // Advisory only: a failed read skips the warning, and says so in the debug log.
  const checkedOut = await git.checkedOut().catch((error: unknown) => {
    actionsLogger.debug(`Could not read what the workspace has checked out: ${(error as Error).message}`);
    return undefined;
  });
  const found = privilegedCheckout({ event: context.kind, eventSha, prHead: context.head.sha, checkedOut });
  if (found) {
    core.warning(privilegedCheckoutWarning(found), {
      title: 'Untrusted code checked out in a privileged job',
    });
  }
}

function githubPort(token: string, repository: string, env: NodeJS.ProcessEnv): GitHubPort {
  const client = createGitHubClient({
    token,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    log: actionsLogger,
  });
  const runId = env.GITHUB_RUN_ID ?? '';
  const run = /^\d+$/.test(runId)
    ? {
        id: runId,
        url: `${githubServerUrl(env)}/${repository}/actions/runs/${runId}`,
      }
    : undefined;
  const [owner = '', repo = ''] = repository.split('/');
  return createGitHubPort({ client, owner, repo, log: actionsLogger, ...(run ? { run } : {}) });
}

/**
 * The `diffray` check of a commit this run does not review, completed at once with the reason; a token
 * that may not write checks only costs the check, said in the log.
 */
async function completeUnreviewed(
  github: GitHubPort,
  sha: string,
  conclusion: 'neutral' | 'skipped',
  output: { title: string; summary: string },
): Promise<void> {
  try {
    const id = await github.createCheckRun(sha);
    await github.completeCheckRun(id, { conclusion, output, annotations: [] });
  } catch (error) {
    core.info(`Could not write the ${CHECK_NAME} check: ${(error as Error).message}`);
  }
}

/**
 * Fork PRs (and Dependabot's) on `pull_request` get no secrets: skip with the reason on a neutral check
 * (when the token may write one), never a green check for a review that did not happen. Elsewhere a
 * missing key is an error.
 */
async function requireModelKey(
  inputs: Inputs,
  context: PullRequestContext,
  github: GitHubPort | undefined,
): Promise<string> {
  if (inputs.anthropicApiKey) return inputs.anthropicApiKey;
  const reason = secretlessReason(context);
  if (reason === undefined) {
    throw new InputError(
      'anthropic-api-key is required: add an ANTHROPIC_API_KEY secret and pass it as anthropic-api-key',
    );
  }
  if (github) {
    await completeUnreviewed(github, context.head.sha, 'neutral', {
      title: context.fork
        ? 'Not reviewed: fork pull request without the Anthropic key'
        : 'Not reviewed: Dependabot run without the Anthropic key',
      summary: reason,
    });
  }
  throw new SkipError(reason);
}

async function report(
  run: ReviewRun,
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  workspace: string,
): Promise<void> {
  const { outcome } = run;
  const count =
    outcome.posted.length + outcome.overflow.length + outcome.unanchored.length + outcome.alreadyPosted;
  core.setOutput(OUTPUTS.findingsCount, String(count));
  core.setOutput(OUTPUTS.conclusion, outcome.conclusion);
  core.setOutput(OUTPUTS.resultsUrl, run.resultsUrl ?? '');
  core.info(
    `Review ${outcome.status}: ${count} findings (${outcome.posted.length} posted inline, ${outcome.alreadyPosted} already on the PR), conclusion ${outcome.conclusion}`,
  );
  await writeJobSummary(env, renderJobSummary(outcome, { serverUrl: githubServerUrl(env) }));
  const errors = [...run.errors];
  // A refused or unwritable SARIF path fails the step too, but must not hide what the run reported.
  if (inputs.sarifFile) {
    await writeSarif(run, inputs.sarifFile, workspace, env.RUNNER_TEMP).catch((error: unknown) => {
      errors.push(error instanceof Error ? error.message : String(error));
    });
  }
  for (const warning of run.warnings) core.warning(warning);
  if (errors.length > 0) core.setFailed(errors.join('\n'));
}

async function writeJobSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}

/** SARIF goes inside the workspace or RUNNER_TEMP only: an input must not write anywhere on the runner. */
async function writeSarif(
  run: ReviewRun,
  file: string,
  workspace: string,
  runnerTemp: string | undefined,
): Promise<void> {
  const target = resolve(workspace, file);
  const allowed = [workspace, runnerTemp].filter((d): d is string => !!d).map((d) => resolve(d));
  if (!allowed.some((dir) => isWithin(dir, target))) {
    throw new InputError(`sarif-file must be a path inside the workspace or RUNNER_TEMP; got "${file}"`);
  }
  const sarif = toSarif(run.findings, { toolVersion: VERSION, informationUri: INFORMATION_URI });
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(sarif, null, 2)}\n`);
  core.info(`SARIF written to ${relative(workspace, target) || target}`);
}

function isWithin(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
