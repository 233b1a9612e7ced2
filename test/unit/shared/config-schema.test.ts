import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../scripts/config-schema.js';

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
