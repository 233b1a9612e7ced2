#!/usr/bin/env node
// diffray-api: runs the TypeScript sources through tsx (a runtime dependency for this reason).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../api/cli.ts');
process.exitCode = await main(process.argv.slice(2));
