/**
 * What a run leaves on the workflow's side: the action outputs, the job summary, the SARIF file when asked
 * for, and the step's result (the run's warnings, and a failure when a delivery failed). A run skipped on
 * purpose gets a notice, neutral outputs and a one-line job summary.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { OUTPUTS, SARIF_TOOL } from './core/constants.js';
import { renderJobSummary, renderSkippedJobSummary } from './core/output/render-check.js';
import { toSarif } from './core/output/sarif.js';
import type { ReviewRun } from './engine.js';
import { InputError } from './inputs.js';
import type { Logger } from './ports.js';

/** What the outputs need of the Actions toolkit: main.ts gives it over @actions/core. */
export interface ActionsToolkit {
  setOutput(name: string, value: string): void;
  notice(message: string, title: string): void;
  setFailed(message: string): void;
  /** Appends Markdown to the job summary; undefined when the runner gives the step none. */
  appendJobSummary: ((markdown: string) => Promise<void>) | undefined;
  log: Logger;
}

export interface ReportOptions {
  workspace: string;
  /** `RUNNER_TEMP`: the other place a SARIF file may go. */
  runnerTemp: string | undefined;
  /** The `sarif-file` input, when set. */
  sarifFile: string | undefined;
  /** The PR's GitHub server, the only host the job summary links to. */
  serverUrl: string;
}

/** The outputs of a run that reviewed the PR; fails the step last, after everything is reported. */
export async function reportRun(
  toolkit: ActionsToolkit,
  run: ReviewRun,
  places: ReportOptions,
): Promise<void> {
  const { outcome } = run;
  const count =
    outcome.posted.length + outcome.overflow.length + outcome.unanchored.length + outcome.alreadyPosted;
  toolkit.setOutput(OUTPUTS.findingsCount, String(count));
  toolkit.setOutput(OUTPUTS.conclusion, outcome.conclusion);
  toolkit.setOutput(OUTPUTS.resultsUrl, run.resultsUrl ?? '');
  toolkit.log.info(
    `Review ${outcome.status}: ${count} findings (${outcome.posted.length} posted inline, ${outcome.alreadyPosted} already on the PR), conclusion ${outcome.conclusion}`,
  );
  await writeJobSummary(
    toolkit,
    renderJobSummary(outcome, { serverUrl: places.serverUrl, resultsUrl: run.resultsUrl }),
  );
  const errors = [...run.errors];
  // A refused or unwritable SARIF path fails the step too, but must not hide what the run reported.
  if (places.sarifFile) {
    await writeSarif(toolkit.log, run, places.sarifFile, places).catch((error: unknown) => {
      errors.push(error instanceof Error ? error.message : String(error));
    });
  }
  for (const warning of run.warnings) toolkit.log.warning(warning);
  if (errors.length > 0) toolkit.setFailed(errors.join('\n'));
}

/** The outputs of a run that ended early on purpose (see SkipError): never a failure. */
export async function reportSkipped(toolkit: ActionsToolkit, reason: string): Promise<void> {
  toolkit.notice(reason, 'diffray skipped this run');
  toolkit.setOutput(OUTPUTS.findingsCount, '0');
  toolkit.setOutput(OUTPUTS.conclusion, 'neutral');
  await writeJobSummary(toolkit, renderSkippedJobSummary(reason));
}

async function writeJobSummary(toolkit: ActionsToolkit, markdown: string): Promise<void> {
  if (!toolkit.appendJobSummary) return;
  try {
    await toolkit.appendJobSummary(markdown);
  } catch (error) {
    toolkit.log.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}

/** SARIF goes inside the workspace or RUNNER_TEMP only: an input must not write anywhere on the runner. */
async function writeSarif(
  log: Logger,
  run: ReviewRun,
  file: string,
  { workspace, runnerTemp }: ReportOptions,
): Promise<void> {
  const target = resolve(workspace, file);
  const allowed = [workspace, runnerTemp].filter((d): d is string => !!d).map((d) => resolve(d));
  if (!allowed.some((dir) => isWithin(dir, target))) {
    throw new InputError(`sarif-file must be a path inside the workspace or RUNNER_TEMP; got "${file}"`);
  }
  const sarif = toSarif(run.findings, SARIF_TOOL);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(sarif, null, 2)}\n`);
  log.info(`SARIF written to ${relative(workspace, target) || target}`);
}

function isWithin(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
