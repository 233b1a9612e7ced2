import * as z from 'zod/mini';
import { DiffrayConfigSchema } from '../shared/config.js';
import { FindingsToolInputSchema } from '../shared/index.js';

/** The JSON Schema of `.diffray.yml`, published in `schema/` for editor completion. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(DiffrayConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://diffray.dev/schema/diffray.schema.json', title: 'diffray configuration (.diffray.yml)' }, null, 2)}\n`;
}

/** Field guidance the model reads at the moment it fills the tool input, where it helps most. */
const FIELD_DESCRIPTIONS: Record<string, string> = {
  path: 'File path exactly as in the "## " heading of the listing.',
  line: 'New-file line number at the start of the row: the line the finding is about (last line of a range).',
  startLine: 'First line of a multi-line range, same hunk, smaller than line. Omit for a single line.',
  severity: 'critical | high | medium | low, per the rubric in the instructions.',
  category: 'The kind of problem.',
  title: 'One short sentence naming the problem.',
  body: 'Why it is a problem and how to fix it, in a few sentences of Markdown.',
  quote: 'The exact text of the code at `line`, copied from the listing without the line number and mark.',
  suggestion:
    'Replacement code for lines startLine..line (or just line), complete and indented as the file is.',
  confidence: "0..1: how sure you are that this is a real problem worth the author's time.",
  rule: 'Only for a finding that applies a team rule or a guideline file: the rule id, or the guideline file path.',
  ruleQuote: 'The sentence of that rule or guideline the finding applies, copied verbatim from it.',
};

/** The walkthrough's fields (left out of the tool when the config turns the walkthrough off). */
const WALKTHROUGH_DESCRIPTIONS = {
  walkthrough: 'What this part of the pull request changes, for its reviewers. Not findings.',
  overview: 'Two or three plain sentences: what the change does and why, as far as the code shows.',
  files: 'One entry per file in the listing, in listing order.',
  summary: 'One short line (about 15 words) on what the change does in this file. No code.',
};

/**
 * The input schema of the findings tool (`FINDINGS_TOOL` in action/core/plan/prompt.ts) as the Messages API
 * wants it: FindingsToolInputSchema as JSON Schema, an object at the top, no `$schema` key, no
 * `maximum: MAX_SAFE_INTEGER` noise, and a description on each finding field. Generated rather than built
 * at run time so that the action bundle carries this JSON instead of zod's JSON Schema generator.
 */
export function findingsToolJsonSchema(): string {
  const schema: Record<string, unknown> = z.toJSONSchema(FindingsToolInputSchema);
  delete schema.$schema;
  const { findings } = schema.properties as {
    findings: { items: { properties: Record<string, Record<string, unknown>> } };
  };
  for (const [name, field] of Object.entries(findings.items.properties)) {
    if (field.maximum === Number.MAX_SAFE_INTEGER) delete field.maximum;
    const description = FIELD_DESCRIPTIONS[name];
    if (description) field.description = description;
  }
  const { walkthrough } = schema.properties as {
    walkthrough: { description?: string; properties: Record<string, Record<string, unknown>> };
  };
  walkthrough.description = WALKTHROUGH_DESCRIPTIONS.walkthrough;
  const { overview, files } = walkthrough.properties as {
    overview: Record<string, unknown>;
    files: { description?: string; items: { properties: Record<string, Record<string, unknown>> } };
  };
  overview.description = WALKTHROUGH_DESCRIPTIONS.overview;
  files.description = WALKTHROUGH_DESCRIPTIONS.files;
  files.items.properties.path!.description = FIELD_DESCRIPTIONS.path;
  files.items.properties.summary!.description = WALKTHROUGH_DESCRIPTIONS.summary;
  return `${JSON.stringify(schema, null, 2)}\n`;
}
