import * as core from '@actions/core';
import { createAnthropicPort } from './adapters/anthropic.js';
import { createGitPort } from './adapters/git.js';
import { execGitRunner, execGitStreamer, fetchAuthEnv } from './adapters/git-process.js';
import { createGitHubPort } from './adapters/github.js';
import { createGitHubClient } from './adapters/github-client.js';
import { createResultsApiPort } from './adapters/results-api.js';
import { nodeTypeStripper } from './adapters/type-stripper.js';
import { createWorkspacePort } from './adapters/workspace.js';
import {
  readActionContext,
  reviewEvent,
  secretlessReason,
  type CommentContext,
  type PullRequestContext,
} from './context.js';
import { runConversation, type ConversationRun } from './conversation.js';
import { privilegedCheckout } from './core/input/checkout.js';
import { CHECK_NAME, githubServerUrl } from './core/constants.js';
import { privilegedCheckoutWarning } from './core/output/phrases.js';
import { runReview, type ReviewRun } from './engine.js';
import { CancelledError, SkipError } from './errors.js';
import { InputError, readInputs, type Inputs } from './inputs.js';
import type { EarlyGit } from './early-git.js';
import { reportRun, reportSkipped, type ActionsToolkit } from './outputs.js';
import type { GitHubPort, GitHubTalkPort, GitPort, Logger } from './ports.js';
import { exitAfterLog, runnerCancellation } from './signals.js';

/** Log lines are metadata only; `debug` shows with ACTIONS_STEP_DEBUG and still never carries code. */
const actionsLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m),
};

/**
 * The action's entry: read the inputs and the event, review, report; one catch, where a SkipError ends as
 * a notice with exit code 0. `early` is the merge base the entry started before loading the rest (see
 * early-git.ts); its log lines wait for the secrets' masks.
 */
export async function main(env: NodeJS.ProcessEnv = process.env, early?: EarlyGit): Promise<void> {
  const signal = runnerCancellation();
  const toolkit = actionsToolkit(env);
  try {
    const inputs = readInputs();
    early?.log.attach(actionsLogger);
    const context = await pullRequestContext(inputs, env);
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const report = (run: ReviewRun) =>
      reportRun(toolkit, run, {
        workspace,
        runnerTemp: env.RUNNER_TEMP,
        sarifFile: inputs.sarifFile,
        serverUrl: githubServerUrl(env),
      });
    if (context.kind === 'comment') {
      const talk = await converse(inputs, context, { env, workspace, signal });
      if (talk.kind === 'ignored') return reportSkipped(toolkit, talk.reason);
      if (talk.kind === 'review') return await report(talk.run);
      for (const warning of talk.warnings) core.warning(warning);
      core.info(`Answered @diffray ${talk.command}`);
      if (talk.errors.length > 0) core.setFailed(talk.errors.join('\n'));
      return;
    }
    await report(await reviewPullRequest(inputs, context, { env, workspace, early, signal }));
  } catch (error) {
    if (error instanceof SkipError) return reportSkipped(toolkit, error.message);
    core.setFailed(error instanceof Error ? error.message : String(error));
    if (error instanceof CancelledError) exitAfterLog();
  }
}

/** The outputs' view of @actions/core. The job summary exists only when the runner gives the step one. */
function actionsToolkit(env: NodeJS.ProcessEnv): ActionsToolkit {
  return {
    setOutput: (name, value) => core.setOutput(name, value),
    notice: (message, title) => core.notice(message, { title }),
    setFailed: (message) => core.setFailed(message),
    appendJobSummary: env.GITHUB_STEP_SUMMARY
      ? async (markdown) => {
          await core.summary.addRaw(markdown, true).write();
        }
      : undefined,
    log: actionsLogger,
  };
}

/**
 * The pull request this run reviews. Any other event ends the run as skipped; a merge queue's group also
 * gets its check completed as skipped, when the token may write one.
 */
async function pullRequestContext(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
): Promise<PullRequestContext | CommentContext> {
  const context = readActionContext(env);
  if (context.kind !== 'unsupported') return context;
  if (context.skippedCheckSha && inputs.githubToken) {
    const github = githubPort(inputs.githubToken, context.repository, env);
    await completeUnreviewed(github, context.skippedCheckSha, 'skipped', {
      title: 'Reviewed in the pull requests',
      summary: context.reason,
    });
  }
  throw new SkipError(context.reason);
}

/** The review of the pull request through the real ports: git, GitHub, Anthropic, the workspace, the API. */
async function reviewPullRequest(
  inputs: Inputs,
  context: PullRequestContext,
  opts: { env: NodeJS.ProcessEnv; workspace: string; early: EarlyGit | undefined; signal: AbortSignal },
): Promise<ReviewRun> {
  const { env, workspace, early } = opts;
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

  return runReview(
    {
      ...runtimePorts(inputs, anthropicApiKey),
      git,
      github,
      workspace: createWorkspacePort(workspace),
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
        branch: context.head.ref,
        author: context.author,
      },
      event: reviewEvent(context, env.GITHUB_RUN_ATTEMPT),
      ...inputSettings(inputs, opts.signal),
    },
  );
}

/**
 * A comment that may be a command. The job has the repository's secrets and a write token even for a
 * fork's PR, so nothing of the PR is run or read from the checkout: its code comes from git objects.
 */
async function converse(
  inputs: Inputs,
  context: CommentContext,
  opts: { env: NodeJS.ProcessEnv; workspace: string; signal: AbortSignal },
): Promise<ConversationRun> {
  const { env, workspace } = opts;
  if (!inputs.githubToken) throw new InputError('github-token is required to answer comments');
  const github = githubPort(inputs.githubToken, context.repository, env);
  return runConversation(
    {
      git: createGitPort({
        run: execGitRunner(workspace, fetchAuthEnv(inputs.githubToken, env)),
        stream: execGitStreamer(workspace),
        log: actionsLogger,
      }),
      github,
      // Without a key, a command that needs the model says so in its reply (Anthropic answers 401).
      ...runtimePorts(inputs, inputs.anthropicApiKey ?? ''),
    },
    {
      event: context,
      serverUrl: githubServerUrl(env),
      ...inputSettings(inputs, opts.signal),
    },
  );
}

/** The review settings the inputs give, for a push's review and a command's alike. */
function inputSettings(inputs: Inputs, signal: AbortSignal) {
  return {
    model: inputs.model,
    failOn: inputs.failOn,
    maxComments: inputs.maxComments,
    configFile: inputs.configFile,
    exclude: inputs.exclude,
    signal,
  };
}

/** The ports every run builds the same way: the model, the results API, the clock, the log. */
function runtimePorts(inputs: Inputs, anthropicApiKey: string) {
  return {
    model: createAnthropicPort({ apiKey: anthropicApiKey }),
    resultsApi:
      inputs.apiKey && inputs.apiUrl
        ? createResultsApiPort({ baseUrl: inputs.apiUrl, apiKey: inputs.apiKey })
        : undefined,
    clock: { now: () => Date.now() },
    log: actionsLogger,
    stripTypes: nodeTypeStripper(),
  };
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

function githubPort(token: string, repository: string, env: NodeJS.ProcessEnv): GitHubPort & GitHubTalkPort {
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
