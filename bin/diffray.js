#!/usr/bin/env node
// The local CLI, run from its bundle (`npm run build` writes dist/cli.js).
import { cli } from '../dist/cli.js';

process.exitCode = await cli(process.argv.slice(2));
