// Bundles the action (action/index.ts → dist/index.js) and the local CLI (action/cli.ts → dist/cli.js).
// The action bundle runs with no node_modules on Node 20 and 24; CI rebuilds it and diffs dist/, so the
// output must be deterministic: no timestamps, no absolute paths, a fixed esbuild version (package-lock).
import * as esbuild from 'esbuild';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAX_ACTION_BYTES = 600 * 1024;

/** Packages that must never reach the action bundle: native code or the API's server stack. */
const FORBIDDEN = /node_modules\/(better-sqlite3|bindings|drizzle-orm|drizzle-kit|hono|@hono\/[^/]+)\//;

/**
 * Size plugin.
 * - zod's classic namespace re-exports every locale (~260 KB minified); only `en` is used (set by zod
 *   itself), so the locales index is replaced by an empty module.
 * - @actions/core imports @actions/http-client (and through it undici) for OIDC tokens only; those
 *   packages are marked side-effect free so the unused code is dropped (~420 KB).
 */
const trimPlugin = {
  name: 'diffray-trim',
  setup(build) {
    build.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/')
        ? { path: 'zod-locales', namespace: 'diffray-empty' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'diffray-empty' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.diffrayResolved || args.kind === 'entry-point') return undefined;
      const result = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { diffrayResolved: true },
      });
      if (result.errors.length > 0) return undefined;
      if (/node_modules\/(@actions\/http-client|undici|tunnel)\//.test(result.path)) {
        return { path: result.path, sideEffects: false };
      }
      return { path: result.path, external: result.external, namespace: result.namespace };
    });
  },
};

// Some bundled CommonJS (picomatch) calls require() for node builtins: give the ESM bundle a real one.
const banner = {
  js: "import { createRequire as __diffrayCreateRequire } from 'node:module'; const require = __diffrayCreateRequire(import.meta.url);",
};

async function bundle(entry, outfile) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    metafile: true,
    banner,
    plugins: [trimPlugin],
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const forbidden = inputs.filter((p) => FORBIDDEN.test(p) || p.endsWith('.node'));
  if (forbidden.length > 0) {
    throw new Error(`${outfile} would bundle forbidden modules:\n  ${forbidden.join('\n  ')}`);
  }
  return statSync(new URL(`../${outfile}`, import.meta.url)).size;
}

const actionBytes = await bundle('action/index.ts', 'dist/index.js');
const cliBytes = await bundle('action/cli.ts', 'dist/cli.js');
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dist/index.js ${kb(actionBytes)} (limit ${kb(MAX_ACTION_BYTES)})`);
console.log(`dist/cli.js   ${kb(cliBytes)}`);
if (actionBytes > MAX_ACTION_BYTES) {
  console.error(`dist/index.js is over the ${kb(MAX_ACTION_BYTES)} limit`);
  process.exit(1);
}
