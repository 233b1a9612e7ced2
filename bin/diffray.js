#!/usr/bin/env node
// diffray (local CLI): runs the TypeScript sources through tsx, like diffray-api. Only the action is
// bundled (dist/index.js): a second committed bundle of the same engine would just be a stale copy.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../action/cli.ts');
process.exitCode = await cli(process.argv.slice(2));
