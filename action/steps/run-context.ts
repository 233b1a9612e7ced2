/**
 * What every step of a run receives: the ports, the run's settings, the effective config and the notes
 * (warnings and failed deliveries) collected on the way. Types only, plus the delivery helper.
 */
import type { ReviewEvent } from '../../shared/index.js';
import type { DiffrayConfig, FailOn } from '../../shared/index.js';
import type {
  Clock,
  GitHubPort,
  GitPort,
  Logger,
  ModelPort,
  ResultsApiPort,
  Sleep,
  WorkspacePort,
} from '../ports.js';
import type { TypeStripper } from '../core/findings/suggestion-check.js';

export interface EngineDeps {
  git: GitPort;
  /** Absent in the local CLI: nothing is posted. */
  github?: GitHubPort;
  model: ModelPort;
  /** Absent when no checkout is usable: context lines then come from git. */
  workspace?: WorkspacePort;
  resultsApi?: ResultsApiPort;
  clock: Clock;
  /** How the run waits for the model's rate limits (default: a timer). */
  sleep?: Sleep;
  log: Logger;
  /** Type stripper for TypeScript suggestion checks (Node's, when the runtime has it). */
  stripTypes?: TypeStripper;
}

export interface ReviewSettings {
  /** `owner/name`. */
  repository: string;
  /** The PR's GitHub server (links in model text may point only there). */
  serverUrl: string;
  pr: {
    number: number;
    title: string;
    body: string;
    draft: boolean;
    baseSha: string;
    headSha: string;
    /** The head branch and the PR's author, for the results-API report. */
    branch?: string;
    author?: string;
  };
  /**
   * What started the run, for the results-API report. A command in the PR (`@diffray review`) also reviews
   * even a paused PR or a draft; every other event is automatic, which a paused PR does not review.
   */
  event?: ReviewEvent;
  model: string;
  failOn: FailOn;
  maxComments: number;
  configFile: string;
  /** Globs from the `exclude` input, added to the config's and the defaults. */
  exclude: string[];
  budgetTokens?: number;
  /** `@diffray full review`: the whole PR again, not the changes since the last reviewed head. */
  fullReview?: boolean;
  /** Aborted when the runner cancels the run: the run stops unless it has started posting. */
  signal?: AbortSignal;
}

/** Config values after the hosted config, `.diffray.yml` and the inputs are combined. */
export interface Effective {
  config: DiffrayConfig;
  model: string;
  failOn: FailOn;
  maxComments: number;
}

export interface Notes {
  warnings: string[];
  errors: string[];
}

/** Runs one GitHub delivery; a failure is recorded (and named) instead of stopping the other deliveries. */
export async function deliver<T>(
  notes: { errors: string[] },
  fn: () => Promise<T> | undefined,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    notes.errors.push(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
