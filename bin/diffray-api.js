#!/usr/bin/env node
// diffray-api: runs the API compiled to build/ (scripts/build-api.mjs, the npm `prepare` script, so
// `npm ci` builds it; `npm run build:api` after changing the sources). No TypeScript loader at run time.
import { existsSync } from 'node:fs';

const entry = new URL('../build/api/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'diffray-api: the compiled API is missing (build/): run `npm run build:api` in the diffray folder',
  );
  process.exit(1);
}
process.setSourceMapsEnabled(true);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
