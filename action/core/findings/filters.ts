import type { Rule } from '../../../shared/index.js';

/** A text a finding may cite: a team rule (by id) or a guideline file (by path). */
export interface RuleSource {
  id: string;
  text: string;
}

/** The team rules and guideline files as citable texts. */
export function ruleSources(rules: readonly Rule[], guidelines: readonly { path: string; text: string }[]) {
  return [
    ...rules.map((r): RuleSource => ({ id: r.id, text: `${r.title}\n${r.description}` })),
    ...guidelines.map((g): RuleSource => ({ id: g.path, text: g.text })),
  ];
}

/**
 * The text of the rule or guideline a finding cites: by id, by path, or by the file name of a guideline
 * (`CLAUDE.md` for `src/api/CLAUDE.md` when only one has that name); undefined when none matches.
 */
export function ruleTextFor(rule: string, sources: readonly RuleSource[]): string | undefined {
  const ref = rule
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/^\.\//, '');
  const exact = sources.find((s) => s.id === ref);
  if (exact) return exact.text;
  const byName = sources.filter((s) => s.id.split('/').at(-1) === ref);
  return byName.length === 1 ? byName[0]!.text : undefined;
}
