import * as core from '@actions/core';
import * as z from 'zod/mini';
import { FAIL_ON_VALUES, type FailOn } from '../shared/index.js';

/** Every input declared in action.yml, read exactly once by {@link readInputs}. */
export const INPUT_NAMES = [
  'anthropic-api-key',
  'github-token',
  'api-key',
  'api-url',
  'model',
  'fail-on',
  'max-comments',
  'config-file',
  'exclude',
  'sarif-file',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

/** Inputs whose values are credentials: masked in the log before anything else happens. */
const SECRET_INPUTS: readonly InputName[] = ['anthropic-api-key', 'github-token', 'api-key'];

/** The action's validated settings. Empty optional inputs are undefined. */
export interface Inputs {
  /** Missing on fork PRs (no secrets): the caller decides whether that is a skip or an error. */
  anthropicApiKey?: string;
  githubToken?: string;
  apiKey?: string;
  apiUrl?: string;
  model: string;
  failOn: FailOn;
  maxComments: number;
  configFile: string;
  exclude: string[];
  sarifFile?: string;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** fail-on values from the loosest to the strictest, as the docs list them. */
const FAIL_ON_ASCENDING = ['none', ...[...FAIL_ON_VALUES.slice(1)].reverse()];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

const trimmed = () => z.string().check(z.trim());

const optional = z.pipe(
  trimmed(),
  z.transform((s) => (s === '' ? undefined : s)),
);

const apiUrlSchema = z.string().check(
  z.superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: 'must be an absolute URL such as https://api.diffray.example',
      });
      return;
    }
    const loopback = LOOPBACK_HOSTS.has(url.hostname);
    if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: `must use https (http only for localhost); got ${url.protocol}//${url.host}`,
      });
    }
    if (url.username || url.password) {
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: 'must not carry credentials; pass the key in api-key',
      });
    }
  }),
);

/** Per-input schemas: each error is prefixed with the input's name by {@link readInputs}. */
const SCHEMAS = {
  'anthropic-api-key': optional,
  'github-token': optional,
  'api-key': optional,
  'api-url': z.pipe(optional, z.optional(apiUrlSchema)),
  model: trimmed().check(
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, 'must be a Claude model id such as claude-sonnet-4-5'),
  ),
  'fail-on': z.pipe(
    trimmed().check(z.toLowerCase()),
    z.enum(FAIL_ON_VALUES, {
      error: (issue) => `must be one of ${FAIL_ON_ASCENDING.join(', ')}; got ${JSON.stringify(issue.input)}`,
    }),
  ),
  'max-comments': z.pipe(
    trimmed().check(
      z.refine((v) => /^\d+$/.test(v) && Number(v) <= 100, {
        error: (issue) => `must be a whole number from 0 to 100; got ${JSON.stringify(issue.input)}`,
      }),
    ),
    z.transform(Number),
  ),
  'config-file': trimmed().check(
    z.minLength(1, 'must be a repository-relative path such as .diffray.yml'),
    z.refine(
      (v) => !v.startsWith('/') && !v.split(/[\\/]/).includes('..'),
      'must be a repository-relative path without ".."',
    ),
  ),
  exclude: z.pipe(
    z.string(),
    z.transform((s) =>
      s
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#')),
    ),
  ),
  'sarif-file': optional,
} satisfies Record<InputName, z.ZodMiniType>;

/** Defaults from action.yml, applied when an input is empty (the CLI and tests pass no defaults). */
const DEFAULTS: Partial<Record<InputName, string>> = {
  model: 'claude-sonnet-4-5',
  'fail-on': 'high',
  'max-comments': '20',
  'config-file': '.diffray.yml',
};

/**
 * Reads every input once, masks the credentials, then validates. Errors name the input and the expected
 * form, e.g. `fail-on must be one of none, low, medium, high, critical; got "hihg"`.
 */
export function readInputs(read: (name: InputName) => string = (name) => core.getInput(name)): Inputs {
  const raw = {} as Record<InputName, string>;
  for (const name of INPUT_NAMES) raw[name] = read(name);
  // Mask before any validation message or log line can be produced.
  for (const name of SECRET_INPUTS) {
    const value = raw[name].trim();
    if (value !== '') core.setSecret(value);
  }
  return validateInputs(raw);
}

/** Validates raw input strings (as the runner passes them) into {@link Inputs}. */
export function validateInputs(raw: Record<InputName, string>): Inputs {
  const errors: string[] = [];
  const parsed = {} as { [K in InputName]: z.output<(typeof SCHEMAS)[K]> };
  for (const name of INPUT_NAMES) {
    const value = raw[name] === '' || raw[name] === undefined ? (DEFAULTS[name] ?? '') : raw[name];
    const result = SCHEMAS[name].safeParse(value);
    if (result.success) (parsed as Record<string, unknown>)[name] = result.data;
    else errors.push(`${name} ${result.error.issues[0]?.message ?? 'is invalid'}`);
  }
  if (errors.length === 0 && parsed['api-key'] !== undefined && parsed['api-url'] === undefined) {
    errors.push('api-url is required when api-key is set (https://..., or http://localhost for testing)');
  }
  if (errors.length > 0) throw new InputError(`Invalid input: ${errors.join('; ')}`);
  return {
    anthropicApiKey: parsed['anthropic-api-key'],
    githubToken: parsed['github-token'],
    apiKey: parsed['api-key'],
    apiUrl: parsed['api-url'],
    model: parsed.model,
    failOn: parsed['fail-on'],
    maxComments: parsed['max-comments'],
    configFile: parsed['config-file'],
    exclude: parsed.exclude,
    sarifFile: parsed['sarif-file'],
  };
}
