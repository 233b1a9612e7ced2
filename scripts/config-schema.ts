import * as z from 'zod/mini';
import { DiffrayConfigSchema } from '../shared/config.js';

/** The JSON Schema of `.diffray.yml`, published in `schema/` for editor completion. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(DiffrayConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://diffray.dev/schema/diffray.schema.json', title: 'diffray configuration (.diffray.yml)' }, null, 2)}\n`;
}
