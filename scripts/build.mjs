// Bundles the action (action/index.ts → dist/index.js) with the license notices of every package it
// contains (dist/licenses.txt: the minifier drops the notices from the code, the licenses still ask for
// them). The bundle runs with no node_modules on Node 20 and 24; CI rebuilds dist/ and diffs it, so the
// output must be deterministic: no timestamps, no absolute paths, a fixed esbuild version (package-lock).
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
 * - @anthropic-ai/sdk imports standardwebhooks (with its SHA-256 and base64 code) for
 *   `client.beta.webhooks.unwrap`, which the action never calls (it receives no webhooks): it gets a
 *   stand-in whose constructor throws, so a call could never pass silently (~12 KB).
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
    build.onResolve({ filter: /^standardwebhooks$/ }, (args) =>
      args.importer.includes('/node_modules/@anthropic-ai/sdk/')
        ? { path: 'standardwebhooks', namespace: 'diffray-unbundled' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'diffray-unbundled' }, (args) => ({
      contents: `export class Webhook { constructor() { throw new Error('${args.path} is not bundled into the diffray action'); } }`,
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
  // The files whose code is in the output (tree-shaken packages are listed in `inputs` but add 0 bytes).
  const bundled = Object.entries(result.metafile.outputs[outfile].inputs)
    .filter(([, use]) => use.bytesInOutput > 0)
    .map(([path]) => path);
  return { bytes: statSync(new URL(`../${outfile}`, import.meta.url)).size, bundled };
}

/** The package directory of a bundled file (the innermost `node_modules/<name>` or `<@scope/name>`). */
function packageDir(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match ? match[1] : undefined;
}

/** One notice per bundled package (name, version, license and its license file), sorted by name. */
function licenseNotices(files) {
  const dirs = [...new Set(files.map(packageDir).filter(Boolean))];
  const notices = dirs.map((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = file
      ? readFileSync(join(root, dir, file), 'utf8').trim()
      : `(the package ships no license file; its package.json says: ${pkg.license})`;
    return { id: `${pkg.name}@${pkg.version}`, license: pkg.license, text };
  });
  notices.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rule = '-'.repeat(78);
  return [
    'Third-party software bundled into dist/index.js, with the notices its licenses require.',
    '',
    ...notices.flatMap((n) => [rule, `${n.id} (${n.license})`, rule, n.text, '']),
  ].join('\n');
}

const { bytes: actionBytes, bundled } = await bundle('action/index.ts', 'dist/index.js');
writeFileSync(join(root, 'dist/licenses.txt'), licenseNotices(bundled));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dist/index.js ${kb(actionBytes)} (limit ${kb(MAX_ACTION_BYTES)})`);
if (actionBytes > MAX_ACTION_BYTES) {
  console.error(`dist/index.js is over the ${kb(MAX_ACTION_BYTES)} limit`);
  process.exit(1);
}
