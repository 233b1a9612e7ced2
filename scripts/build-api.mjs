// Compiles the results API (api/ and the shared/ it imports) to JavaScript in build/ (gitignored), one file
// per source file, so `diffray-api` runs compiled code from any working directory: no TypeScript loader at
// run time, and the JSX settings (hono/jsx) are applied here, not looked up from a tsconfig next to the
// process's working directory. Runs as the npm `prepare` script (so `npm ci` leaves both bins working), by
// `npm run build:api`, and before the tests. Not bundled: the database's worker threads load their own
// modules next to the one that starts them (api/db/threads.ts), and the dependencies stay in node_modules.
// build/drizzle is a copy of the committed migrations, found next to the compiled api/db as in the sources.
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'build');

function sources(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

rmSync(out, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: [...sources('api'), ...sources('shared')],
  outdir: out,
  outbase: root,
  bundle: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  jsx: 'automatic',
  jsxImportSource: 'hono/jsx',
  sourcemap: 'linked',
  logLevel: 'warning',
});
cpSync(join(root, 'api/db/thread-entry.mjs'), join(out, 'api/db/thread-entry.mjs'));
cpSync(join(root, 'drizzle'), join(out, 'drizzle'), { recursive: true });
if (process.argv.includes('--verbose'))
  console.log(`compiled the API to ${relative(process.cwd(), out) || '.'}`);
