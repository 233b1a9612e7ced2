import { writeFileSync } from 'node:fs';
import { configJsonSchema } from './config-schema.js';

writeFileSync(new URL('../schema/diffray.schema.json', import.meta.url), configJsonSchema());
console.log('wrote schema/diffray.schema.json');
