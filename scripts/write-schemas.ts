import { writeFileSync } from 'node:fs';
import { configJsonSchema, findingsToolJsonSchema } from './schemas.js';

for (const [file, text] of [
  ['diffray.schema.json', configJsonSchema()],
  ['findings-tool.schema.json', findingsToolJsonSchema()],
] as const) {
  writeFileSync(new URL(`../schema/${file}`, import.meta.url), text);
  console.log(`wrote schema/${file}`);
}
