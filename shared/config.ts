import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import * as z from 'zod/mini';
import { configErrorMap, expected, nearest } from './config-issues.js';
import { text } from './finding.js';
import { FAIL_ON_VALUES, SEVERITIES } from './severity.js';

const glob = text(1, 500);
const list = <T extends z.ZodMiniType>(item: T, min: number, max: number) =>
  z.array(item).check(z.minLength(min), z.maxLength(max));
/** A key's description: in the published JSON Schema (editor completion) and the config editor's key list. */
const about = <T extends z.ZodMiniType>(description: string, schema: T): T =>
  schema.check(z.describe(description));

/** A team rule: sent to the model only with the files its globs (and optional content regex) match. */
export const RuleSchema = z.strictObject({
  id: z.string().check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
      error: expected('lower-case letters, digits and hyphens (at most 63)'),
    }),
  ),
  title: text(1, 200),
  description: text(1, 4_000),
  severity: z.enum(SEVERITIES),
  files: list(glob, 1, 50),
  pattern: z.optional(
    text(0, 500).check(z.refine(isValidRegex, { error: expected('a JavaScript regular expression') })),
  ),
});
export type Rule = z.infer<typeof RuleSchema>;

/** Extra guidance for the files under some paths. */
export const InstructionSchema = z.strictObject({ paths: list(glob, 1, 50), text: text(1, 4_000) });

/**
 * GitHub's `author_association` values. Commands come from the first three by default: people with write
 * access (or an organization's members); anyone can comment on a public repository's pull requests.
 */
export const AUTHOR_ASSOCIATIONS = [
  'OWNER',
  'MEMBER',
  'COLLABORATOR',
  'CONTRIBUTOR',
  'FIRST_TIME_CONTRIBUTOR',
  'FIRST_TIMER',
  'MANNEQUIN',
  'NONE',
] as const;
export type AuthorAssociation = (typeof AUTHOR_ASSOCIATIONS)[number];

/** Talking to diffray in a pull request (`@diffray review`, questions in its threads, ...). */
export const CommandsConfigSchema = z.strictObject({
  enabled: about('false: nobody can command diffray or ask it questions.', z.optional(z.boolean())),
  'allowed-associations': about(
    'Who may command diffray, by GitHub author association (OWNER, MEMBER, COLLABORATOR by default).',
    z.optional(list(z.enum(AUTHOR_ASSOCIATIONS), 0, AUTHOR_ASSOCIATIONS.length)),
  ),
  'answers-per-hour': about(
    'At most this many answers to questions per pull request and hour.',
    z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
  ),
});

/**
 * `.diffray.yml` (and the account's hosted config, same shape). Keys use the action's input spelling.
 * Every key is optional; unknown keys are errors. A new key needs its row in `MERGE_POLICY`.
 */
export const DiffrayConfigSchema = z.strictObject({
  enabled: about(
    'false: diffray does not review this repository (a neutral check says so, no model call).',
    z.optional(z.boolean()),
  ),
  model: about('The Claude model id that reviews.', z.optional(text(1, 100))),
  'fail-on': about(
    'The check fails when a finding at or above this severity exists (none: never).',
    z.optional(z.enum(FAIL_ON_VALUES)),
  ),
  'max-comments': about(
    'At most this many inline comments per run; the rest go to the summary.',
    z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
  ),
  'min-severity': about('Findings below this severity are not reported.', z.optional(z.enum(SEVERITIES))),
  'review-drafts': about('true: draft pull requests are reviewed too.', z.optional(z.boolean())),
  exclude: about('Globs of files never reviewed, added to the defaults.', z.optional(list(glob, 0, 200))),
  strictness: about(
    'How many, and how minor, the findings the model is asked for.',
    z.optional(z.enum(['relaxed', 'balanced', 'strict'])),
  ),
  language: about('The language of the comments, e.g. English or de.', z.optional(text(2, 35))),
  guidelines: about(
    'false: CLAUDE.md, AGENTS.md and .github/copilot-instructions.md are not read.',
    z.optional(z.boolean()),
  ),
  walkthrough: about(
    'false: the summary leaves out its walkthrough of what each changed file does.',
    z.optional(z.boolean()),
  ),
  instructions: about(
    'Guidance for the files under some paths: a list of { paths, text }.',
    z.optional(list(InstructionSchema, 0, 50)),
  ),
  rules: about(
    'Team rules: a list of { id, title, description, severity, files, pattern? }.',
    z.optional(list(RuleSchema, 0, 100)),
  ),
  validation: about(
    'A second request scores each finding and drops the unconvincing ones.',
    z.optional(
      z.strictObject({
        enabled: about('false: findings are not validated.', z.optional(z.boolean())),
        'min-severity': about(
          'Findings below this severity skip validation.',
          z.optional(z.enum(SEVERITIES)),
        ),
        threshold: about(
          'Findings scored below this (0-100) are dropped.',
          z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
        ),
      }),
    ),
  ),
  budget: about(
    'Per pull request ceilings; over them the riskiest files are reviewed first.',
    z.optional(
      z.strictObject({
        'max-cost-usd': about(
          'At most this many US dollars of model use per run.',
          z.optional(z.number().check(z.positive(), z.lte(1_000))),
        ),
        'max-input-tokens': about(
          'At most this many input tokens per run.',
          z.optional(z.number().check(z.int(), z.positive())),
        ),
      }),
    ),
  ),
  commands: about(
    'Talking to diffray in a pull request (@diffray review, questions).',
    z.optional(CommandsConfigSchema),
  ),
  'resolve-fixed-threads': about(
    "false: a fixed finding's thread stays open (by default it is resolved unless a person replied).",
    z.optional(z.boolean()),
  ),
});
export type DiffrayConfig = z.infer<typeof DiffrayConfigSchema>;

/** A config problem, located: `key` is a dotted path (`rules.0.severity`), `line` 1-based when known. */
export interface ConfigIssue {
  key: string;
  line: number | undefined;
  message: string;
}

export type ConfigParseResult = { ok: true; config: DiffrayConfig } | { ok: false; issues: ConfigIssue[] };

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** Parses and validates config YAML; every problem names its key and line. Empty text is an empty config. */
export function parseConfigYaml(text: string): ConfigParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;

  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ key: '(yaml)', line: lineAt(e.pos[0]), message: e.message })),
    };
  }
  const value: unknown = doc.toJS() ?? {};
  const result = DiffrayConfigSchema.safeParse(value, { error: configErrorMap });
  if (result.success) return { ok: true, config: result.data };

  const issues = result.error.issues.flatMap((issue): ConfigIssue[] => {
    const path = issue.path.map(String);
    // zod reports all unknown keys of a mapping in one issue on the mapping: here, one per key, at the key.
    if (issue.code === 'unrecognized_keys') {
      const known = objectKeysAt(DiffrayConfigSchema, path);
      return issue.keys.map((key) => {
        const guess = nearest(key, known);
        return {
          key: [...path, key].join('.'),
          line: lineAt(findNode(doc.contents, [...path, key], true)?.range?.[0]),
          message: `unknown key ${key}${guess ? ` (did you mean ${guess}?)` : ''}`,
        };
      });
    }
    return [
      {
        key: path.join('.') || '(root)',
        line: lineAt(findNode(doc.contents, path, false)?.range?.[0]),
        message: issue.message,
      },
    ];
  });
  return { ok: false, issues: inLineOrder(issues) };
}

/** Issues as the file reads, top to bottom (a stable sort: same-line issues keep the schema's order). */
function inLineOrder(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.toSorted((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

/** The keys the schema allows in the mapping at `path` (list indexes step into the list's items). */
function objectKeysAt(schema: z.core.$ZodType, path: readonly string[]): string[] {
  const def = schema._zod.def;
  if (def.type === 'optional') return objectKeysAt((def as z.core.$ZodOptionalDef).innerType, path);
  if (def.type === 'array') return objectKeysAt((def as z.core.$ZodArrayDef).element, path.slice(1));
  if (def.type !== 'object') return [];
  const shape = (def as z.core.$ZodObjectDef).shape;
  if (path.length === 0) return Object.keys(shape);
  const child = shape[path[0]!];
  return child ? objectKeysAt(child, path.slice(1)) : [];
}

/** Walks the YAML AST along `path`; with `wantKey` returns the key node of the last step. */
function findNode(root: unknown, path: string[], wantKey: boolean): YamlNode | undefined {
  let node: unknown = root;
  for (const [i, step] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value) === step);
      if (!pair) return node as YamlNode;
      node = wantKey && i === path.length - 1 ? pair.key : pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(step)];
      if (item === undefined) return node as YamlNode;
      node = item;
    } else {
      return node as YamlNode | undefined;
    }
  }
  return node as YamlNode | undefined;
}

/** Formats issues as one line each: `.diffray.yml:12: rules.0.severity: expected one of ...`. */
export function formatConfigIssues(file: string, issues: ConfigIssue[]): string {
  return issues.map((i) => `${file}:${i.line ?? '?'}: ${i.key}: ${i.message}`).join('\n');
}
