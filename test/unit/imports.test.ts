/**
 * The dependency rules of docs/architecture.md, checked on every import of every .ts file, so they hold
 * without anyone remembering them. Type-only imports are erased at build time and may cross lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Runtime import specifiers of a file (`import type` and `export type` left out). */
export function runtimeImports(text: string): string[] {
  const specs: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) if (!m[2]) specs.push(m[4]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

const IO_PACKAGES =
  /^(@actions\/|@octokit\/|@anthropic-ai\/|hono|@hono\/|drizzle-orm|better-sqlite3|node:(fs|child_process|net|http|https|dgram|dns|tls|worker_threads)|fs$|child_process$|http$|https$|net$)/;
/** Builtins without I/O that pure code may use (hashing, path arithmetic, text). */
const PURE_BUILTINS = new Set(['node:crypto', 'node:buffer', 'node:path', 'node:url', 'node:util']);
const NATIVE_OR_SERVER = /^(hono|@hono\/|drizzle-orm|better-sqlite3)/;

type Rule = { files: RegExp; forbid: (spec: string, file: string) => boolean; why: string };

const RULES: Rule[] = [
  {
    files: /^shared\//,
    forbid: (spec) =>
      IO_PACKAGES.test(spec) ||
      (spec.startsWith('.') && !spec.startsWith('./')) ||
      /^(action|api)\//.test(spec),
    why: 'shared/ imports nothing of ours and no I/O package',
  },
  {
    files: /^action\//,
    forbid: (spec, file) => NATIVE_OR_SERVER.test(spec) || resolvesInto(file, spec, 'api/'),
    why: 'action/ never imports api/ or server/native packages',
  },
  {
    files: /^api\//,
    forbid: (spec, file) =>
      resolvesInto(file, spec, 'action/') ||
      spec.startsWith('@actions/') ||
      spec.startsWith('@anthropic-ai/'),
    why: 'api/ never imports action/ or the action-side SDKs',
  },
  {
    files: /^action\/core\//,
    forbid: (spec) => IO_PACKAGES.test(spec) || (spec.startsWith('node:') && !PURE_BUILTINS.has(spec)),
    why: 'action/core/ is pure: no SDK, no @actions/*, no fs/child_process/network',
  },
  {
    files: /^action\//,
    forbid: (spec, file) => spec === '@actions/core' && !/^action\/(main|inputs|context)\.ts$/.test(file),
    why: 'only action/main.ts, inputs.ts and context.ts import @actions/core',
  },
  {
    files: /^action\//,
    forbid: (spec, file) =>
      /^(node:child_process|@octokit\/|@anthropic-ai\/)/.test(spec) && !/^action\/adapters\//.test(file),
    why: 'only action/adapters/ talk to git, GitHub and Anthropic',
  },
  {
    files: /^api\//,
    forbid: (spec, file) => /^(drizzle-orm|better-sqlite3)/.test(spec) && !/^api\/db\//.test(file),
    why: 'only api/db/ imports drizzle or better-sqlite3',
  },
  {
    files: /^api\/db\//,
    forbid: (spec, file) =>
      spec.startsWith('.') &&
      !['api/db/', 'shared/', 'api/retention.'].some((target) => resolvesInto(file, spec, target)),
    why: 'api/db/ imports nothing of api/ but itself and the retention rules it applies',
  },
  {
    files: /^api\/(db|auth)\//,
    forbid: (spec, file) => resolvesInto(file, spec, 'api/routes/') || resolvesInto(file, spec, 'api/web/'),
    why: 'api/db/ and api/auth/ import neither the JSON routes nor the pages',
  },
  {
    files: /^api\/(routes\/|app\.ts)/,
    forbid: (spec, file) => resolvesInto(file, spec, 'api/web/'),
    why: 'the JSON API never imports the pages (createApp takes them as an option)',
  },
  {
    files: /^api\/web\//,
    forbid: (spec, file) => resolvesInto(file, spec, 'api/routes/'),
    why: "the pages never import the JSON API's routes",
  },
  {
    files: /^api\/web\/pages\//,
    forbid: (spec, file) =>
      spec.startsWith('.') && !['api/web/', 'shared/'].some((target) => resolvesInto(file, spec, target)),
    why: 'api/web/pages/ render what they are given: they import nothing of api/ outside api/web/',
  },
];

function resolvesInto(file: string, spec: string, dir: string): boolean {
  if (!spec.startsWith('.')) return false;
  const target = relative(ROOT, join(ROOT, file, '..', spec));
  return target.startsWith(dir);
}

const FILES = ['shared', 'action', 'api'].flatMap((d) => {
  try {
    return sources(d);
  } catch {
    return [];
  }
});

describe('dependency rules', () => {
  it('finds the source files it checks', () => {
    expect(FILES.some((f) => f.startsWith('action/core/'))).toBe(true);
    expect(FILES.some((f) => f.startsWith('shared/'))).toBe(true);
  });

  it('recognises runtime imports and skips type-only ones', () => {
    expect(
      runtimeImports(
        `import { a } from 'x';\nimport type { B } from 'y';\nexport * from './z.js';\nconst m = import('w');`,
      ),
    ).toEqual(['x', './z.js', 'w']);
  });

  for (const rule of RULES) {
    it(rule.why, () => {
      const violations = FILES.filter((f) => rule.files.test(f)).flatMap((file) =>
        runtimeImports(readFileSync(join(ROOT, file), 'utf8'))
          .filter((spec) => rule.forbid(spec, file))
          .map((spec) => `${file} imports ${spec}`),
      );
      expect(violations).toEqual([]);
    });
  }

  it("the action bundle's code imports zod as a namespace (`import * as z`), never its `z` object", () => {
    // The named `z` export is one object holding every zod function, so the bundler must keep all of them
    // (JSON Schema generation included): ~135 KB of the action bundle, against the namespace import.
    const offenders = FILES.filter((f) => /^(action|shared)\//.test(f)).filter((file) =>
      /^\s*import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*['"]zod/m.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('nothing of ours runs at import time except the bundle entries', () => {
    const entries = new Set(['action/index.ts', 'api/cli.ts']);
    const offenders = FILES.filter((f) => !entries.has(f) && f.startsWith('action/')).filter((file) =>
      /^(await |[a-zA-Z_$][\w$.]*\([^)]*\);?\s*$)/m.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
