import type { DiffrayConfig } from './config.js';

/** Given the account's value and the repository's (both set), the one that applies. */
type Merge<T> = (account: T, repo: T) => T;

type Leaf = string | number | boolean | readonly unknown[];

/** One row per key, nested like the config: a key added to the schema without a row does not compile. */
type MergePolicy<C> = {
  [K in keyof C]-?: NonNullable<C[K]> extends Leaf
    ? Merge<NonNullable<C[K]>>
    : MergePolicy<NonNullable<C[K]>>;
};

/** The stricter of the two values along `order`, which lists every value loosest first. */
const strictestOf =
  <T>(order: readonly T[]): Merge<T> =>
  (account, repo) =>
    order.indexOf(repo) > order.indexOf(account) ? repo : account;

/** A ceiling: the repository may ask for less, never for more. */
const lower: Merge<number> = (account, repo) => Math.min(account, repo);

/** No direction is stricter, so the account's choice stands (the repository's applies when it sets none). */
const accountDecides = <T>(account: T): T => account;

/**
 * How the account's hosted config and the repository's `.diffray.yml` combine, key by key: the repository
 * can move a key only in the stricter direction its row defines. When only one side sets a key, that side's
 * value applies. The README's table states the same policy for users.
 */
export const MERGE_POLICY: MergePolicy<DiffrayConfig> = {
  // Which repositories diffray reviews, and spends the account's money on, is the account's word; a
  // repository's file may turn diffray off only where the account says nothing.
  enabled: accountDecides,
  // The account pays for the model; nothing makes one model "stricter" than another.
  model: accountDecides,
  // A lower threshold fails the check on more findings; `none` never fails it.
  'fail-on': strictestOf(['none', 'critical', 'high', 'medium', 'low']),
  // The cap bounds noise in the PR's threads; findings over it still reach the summary and the check.
  'max-comments': lower,
  // A lower minimum reports more findings.
  'min-severity': strictestOf(['critical', 'high', 'medium', 'low']),
  // Reviewing drafts reviews more; what that costs is bounded by `budget`.
  'review-drafts': strictestOf([false, true]),
  // The account's list says what may escape review: a repository glob could exclude anything (`**`).
  exclude: accountDecides,
  // Stricter asks the model for more, and more minor, findings.
  strictness: strictestOf(['relaxed', 'balanced', 'strict']),
  // Who reads the comments is the account's call; no language is stricter.
  language: accountDecides,
  // The team's guideline files add expectations; turning them off removes them.
  guidelines: strictestOf([false, true]),
  // The walkthrough tells the PR's reviewers more; on, a repository cannot hide it (it costs a few output
  // tokens per file, which `budget` bounds).
  walkthrough: strictestOf([false, true]),
  // Guidance only adds: both sides' instructions apply.
  instructions: (account, repo) => [...account, ...repo],
  // Both sides' rules apply; a repository rule cannot redefine (say, downgrade) an account rule.
  rules: (account, repo) => {
    const ids = new Set(account.map((r) => r.id));
    return [...account, ...repo.filter((r) => !ids.has(r.id))];
  },
  validation: {
    // Validation only ever removes findings (the unconfirmed ones): off keeps every finding.
    enabled: strictestOf([true, false]),
    // A higher threshold submits fewer findings to a check that may drop them.
    'min-severity': strictestOf(['low', 'medium', 'high', 'critical']),
    // A higher score to pass drops more findings: the lower of the two keeps every finding either keeps.
    threshold: lower,
  },
  budget: { 'max-cost-usd': lower, 'max-input-tokens': lower },
  commands: {
    // Answers spend the account's money and post under diffray's name: either side may turn them off.
    enabled: strictestOf([true, false]),
    // Fewer people may start a model call: only those both sides allow.
    'allowed-associations': (account, repo) => account.filter((a) => repo.includes(a)),
    // The account pays for every answer: its limit is a ceiling.
    'answers-per-hour': lower,
  },
  // Housekeeping of the PR's threads, not a stricter or looser review: the account's choice stands.
  'resolve-fixed-threads': accountDecides,
};

export interface MergedConfig {
  config: DiffrayConfig;
  /** Dotted keys where the repository asked for something looser than the account allows (not applied). */
  held: string[];
}

/** Merges the account's hosted config with the repository's `.diffray.yml` under `MERGE_POLICY`. */
export function mergeConfigs(account: DiffrayConfig, repo: DiffrayConfig): MergedConfig {
  const held: string[] = [];
  // The policy's type mirrors the config's, so the merged object has the config's shape.
  const config = mergeLevel(MERGE_POLICY, account, repo, '', held) as DiffrayConfig;
  return { config, held };
}

type Level = Partial<Record<string, unknown>>;

function mergeLevel(policy: object, account: Level, repo: Level, prefix: string, held: string[]): Level {
  const merged: Level = {};
  for (const [key, rule] of Object.entries(policy) as [string, unknown][]) {
    const a = account[key];
    const r = repo[key];
    if (a === undefined || r === undefined) {
      if (a !== undefined || r !== undefined) merged[key] = a ?? r;
    } else if (typeof rule === 'function') {
      const value: unknown = (rule as Merge<unknown>)(a, r);
      merged[key] = value;
      if (!includes(value, r)) held.push(prefix + key);
    } else {
      merged[key] = mergeLevel(rule as object, a as Level, r as Level, `${prefix}${key}.`, held);
    }
  }
  return merged;
}

/** Whether the repository's value survived the merge (every item of it, for lists). */
function includes(merged: unknown, repo: unknown): boolean {
  if (!Array.isArray(merged) || !Array.isArray(repo)) return merged === repo;
  const kept = new Set(merged.map((item) => JSON.stringify(item)));
  return repo.every((item) => kept.has(JSON.stringify(item)));
}

/**
 * The account's per-repository hosted config laid over its default (what `GET /v1/config` serves): both are
 * the account admin's own choices, so the more specific one wins key by key (`validation` and `budget` by
 * their own keys), and an admin can relax the default for one repository. Tighten-only applies between the
 * account and the repository's file (`mergeConfigs`), whose authors are not the account.
 */
export function overlayConfig(base: DiffrayConfig, specific: DiffrayConfig): DiffrayConfig {
  const merged: Level = { ...base, ...specific };
  for (const [key, rule] of Object.entries(MERGE_POLICY)) {
    const under = (base as Level)[key];
    const over = (specific as Level)[key];
    if (typeof rule !== 'function' && under !== undefined && over !== undefined)
      merged[key] = { ...(under as Level), ...(over as Level) };
  }
  return merged as DiffrayConfig;
}

/** The log line naming the keys the account held, so a repository sees why its setting did not apply. */
export function heldKeysNotice(held: string[], configFile: string): string | undefined {
  if (held.length === 0) return undefined;
  return (
    `The account's hosted config holds ${held.join(', ')}: ${configFile} asked for looser values there, ` +
    'which were not applied (a repository can tighten what the account sets, never loosen it)'
  );
}
