/** The run ends early on purpose (wrong event, draft, fork without key): a notice, exit 0, never green. */
export class SkipError extends Error {
  /** The check's title: what the skip is, at a glance on the PR. */
  readonly title: string;
  constructor(message: string, title = 'Not reviewed') {
    super(message);
    this.title = title;
    this.name = 'SkipError';
  }
}

/** `.diffray.yml` (or the hosted config) is invalid: the message names the key and the line. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The runner cancelled the run (a newer push with `cancel-in-progress`, or by hand) before it posted. */
export class CancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CancelledError';
  }
}
