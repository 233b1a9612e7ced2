import { CancelledError } from './errors.js';

/**
 * Aborted when the runner cancels the job: it sends SIGINT (some runners SIGHUP), SIGTERM 7.5 s later and
 * kills the process 2.5 s after that. The first signal lets the run complete its check as cancelled; the
 * next one ends the process at once.
 */
export function runnerCancellation(): AbortSignal {
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

/**
 * Ends a cancelled run's process. The model requests still in flight would keep it up until the runner
 * kills it; the log is flushed first (a pipe is asynchronous on macOS runners).
 */
export function exitAfterLog(): void {
  process.stdout.write('', () => process.exit());
}
