import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDINGS_TOOL } from '../../../action/core/plan/prompt.js';
import { configJsonSchema, findingsToolJsonSchema } from '../../../scripts/schemas.js';
import { FindingSchema } from '../../../shared/index.js';

describe('schema/diffray.schema.json', () => {
  it('is what the zod config schema generates (run `npm run schema` after changing the config)', () => {
    const committed = readFileSync(new URL('../../../schema/diffray.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(configJsonSchema());
  });

  it('rejects unknown keys, as the parser does', () => {
    const schema = JSON.parse(configJsonSchema()) as { additionalProperties?: boolean };
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('schema/findings-tool.schema.json', () => {
  it('is what the zod findings schema generates (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(
      new URL('../../../schema/findings-tool.schema.json', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(findingsToolJsonSchema());
  });

  it('is the findings tool the model is given, with guidance on every finding field', () => {
    expect(FINDINGS_TOOL.input_schema).toEqual(JSON.parse(findingsToolJsonSchema()));
    const item = (
      FINDINGS_TOOL.input_schema.properties.findings as {
        items: { properties: Record<string, { description?: string }> };
      }
    ).items.properties;
    expect(Object.keys(item).sort()).toEqual(Object.keys(FindingSchema.shape).sort());
    for (const [name, field] of Object.entries(item)) expect(field.description, name).toBeTruthy();
  });
});
