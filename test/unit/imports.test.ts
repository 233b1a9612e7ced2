/**
 * The dependency rules of docs/architecture.md, checked on every import of every .ts file, so they hold
 * without anyone remembering them. Type-only imports are erased at build time, so the rules about what
 * code ships and runs where leave them out; the rules about how the modules are layered (the core stands
 * alone, its stages follow the data, no cycle) count them, since a type pulls its module's meaning along.
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

interface Import {
  spec: string;
  /** `import type` or `export type`: erased at build time. */
  typeOnly: boolean;
}

/** Every import specifier of a file: static imports, re-exports and dynamic imports. */
function importsOf(text: string): Import[] {
  const found: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) found.push({ spec: m[4]!, typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ spec: m[1]!, typeOnly: false });
  return found;
}

const IO_PACKAGES =
  /^(@actions\/|@octokit\/|@anthropic-ai\/|hono|@hono\/|drizzle-orm|better-sqlite3|pg$|node:(fs|child_process|net|http|https|dgram|dns|tls|worker_threads)|fs$|child_process$|http$|https$|net$)/;
/** Builtins without I/O that pure code may use (hashing, path arithmetic, text). */
const PURE_BUILTINS = new Set(['node:crypto', 'node:buffer', 'node:path', 'node:url', 'node:util']);
const NATIVE_OR_SERVER = /^(hono|@hono\/|drizzle-orm|better-sqlite3|pg$)/;

type Rule = {
  files: RegExp;
  forbid: (spec: string, file: string) => boolean;
  why: string;
  /** The rule holds for `import type` too. */
  typesToo?: boolean;
};

/** The core's stages in the order the data flows through them: each imports only itself and earlier ones. */
const CORE_STAGES = ['input', 'plan', 'findings', 'output'];

function coreStage(path: string): number | undefined {
  const stage = /^action\/core\/([^/]+)\//.exec(path)?.[1];
  return stage === undefined ? undefined : CORE_STAGES.indexOf(stage);
}

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
    files: /^action\/core\//,
    forbid: (spec, file) => resolvesInto(file, spec, 'action/') && !resolvesInto(file, spec, 'action/core/'),
    why: 'action/core/ imports nothing from the rest of action/, type imports included',
    typesToo: true,
  },
  {
    files: /^action\/core\/[^/]+\//,
    forbid: (spec, file) => {
      const target = resolvedPath(file, spec);
      const to = target === undefined ? undefined : coreStage(target);
      return to !== undefined && (to === -1 || to > coreStage(file)!);
    },
    why: `a stage of action/core/ imports only from its own and earlier stages (${CORE_STAGES.join(' → ')}), type imports included`,
    typesToo: true,
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
    forbid: (spec, file) => /^(drizzle-orm|better-sqlite3|pg$)/.test(spec) && !/^api\/db\//.test(file),
    why: 'only api/db/ imports drizzle, better-sqlite3 or pg',
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

/** The repository path a relative specifier points at (as written: `.js`), undefined for a package. */
function resolvedPath(file: string, spec: string): string | undefined {
  return spec.startsWith('.') ? relative(ROOT, join(ROOT, file, '..', spec)) : undefined;
}

function resolvesInto(file: string, spec: string, dir: string): boolean {
  return resolvedPath(file, spec)?.startsWith(dir) ?? false;
}

/**
 * The cycles of an import graph (module → the modules it imports), one per edge that closes one, as the
 * path around it: `a.ts → b.ts → a.ts`. Depth-first: an import of a module still on the path closes a cycle.
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const done = new Set<string>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (module: string) => {
    path.push(module);
    for (const next of graph.get(module) ?? []) {
      const at = path.indexOf(next);
      if (at !== -1) cycles.push([...path.slice(at), next].join(' → '));
      else if (!done.has(next)) visit(next);
    }
    path.pop();
    done.add(module);
  };
  for (const module of graph.keys()) if (!done.has(module)) visit(module);
  return cycles;
}

const FILES = ['shared', 'action', 'api'].flatMap((d) => {
  try {
    return sources(d);
  } catch {
    return [];
  }
});

const TEXT = new Map(FILES.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

/** Our modules each file imports (every kind of import), by repository path. */
function importGraph(): Map<string, string[]> {
  const known = new Set(FILES);
  return new Map(
    FILES.map((file) => [
      file,
      importsOf(TEXT.get(file)!).flatMap(({ spec }) => {
        const target = resolvedPath(file, spec);
        if (target === undefined) return [];
        const module = [target.replace(/\.js$/, '.ts'), target.replace(/\.js$/, '.tsx'), target].find((p) =>
          known.has(p),
        );
        return module === undefined ? [] : [module];
      }),
    ]),
  );
}

describe('dependency rules', () => {
  it('finds the source files it checks', () => {
    expect(FILES.some((f) => f.startsWith('action/core/'))).toBe(true);
    expect(FILES.some((f) => f.startsWith('shared/'))).toBe(true);
    expect(FILES.some((f) => f.startsWith('api/'))).toBe(true);
  });

  it('the folders of action/core/ are its stages', () => {
    const folders = new Set(FILES.flatMap((f) => /^action\/core\/([^/]+)\//.exec(f)?.[1] ?? []));
    expect([...folders].sort()).toEqual([...CORE_STAGES].sort());
  });

  it('recognises every kind of import and which are type-only', () => {
    expect(
      importsOf(
        `import { a } from 'x';\nimport type { B } from 'y';\nexport * from './z.js';\n` +
          `export type { C } from './c.js';\nimport {\n  d,\n  type E,\n} from './d.js';\nconst m = import('w');`,
      ),
    ).toEqual([
      { spec: 'x', typeOnly: false },
      { spec: 'y', typeOnly: true },
      { spec: './z.js', typeOnly: false },
      { spec: './c.js', typeOnly: true },
      { spec: './d.js', typeOnly: false },
      { spec: 'w', typeOnly: false },
    ]);
  });

  it('finds the cycles of an import graph', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c', 'd']],
      ['c', ['a']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(importCycles(graph)).toEqual(['a → b → c → a', 'e → e']);
    expect(
      importCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });

  for (const rule of RULES) {
    it(rule.why, () => {
      const checked = FILES.filter((f) => rule.files.test(f));
      // A rule whose folder matches no file (moved, renamed) would otherwise pass without checking anything.
      expect(checked.length).toBeGreaterThan(0);
      const violations = checked.flatMap((file) =>
        importsOf(TEXT.get(file)!)
          .filter((i) => (rule.typesToo || !i.typeOnly) && rule.forbid(i.spec, file))
          .map((i) => `${file} imports ${i.spec}`),
      );
      expect(violations).toEqual([]);
    });
  }

  it('no import cycle among the modules of action/, api/ and shared/, type imports included', () => {
    const graph = importGraph();
    // The graph is only as good as the resolution of specifiers to files: most modules import ours.
    const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
    expect(edges).toBeGreaterThan(FILES.length);
    expect(importCycles(graph)).toEqual([]);
  });

  it("the action bundle's code imports zod as a namespace (`import * as z`), never its `z` object", () => {
    // The named `z` export is one object holding every zod function, so the bundler must keep all of them
    // (JSON Schema generation included): ~135 KB of the action bundle, against the namespace import.
    const offenders = FILES.filter((f) => /^(action|shared)\//.test(f)).filter((file) =>
      /^\s*import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*['"]zod/m.test(TEXT.get(file)!),
    );
    expect(offenders).toEqual([]);
  });

  it('nothing of ours runs at import time except the bundle entries', () => {
    const entries = new Set(['action/index.ts', 'api/cli.ts']);
    const offenders = FILES.filter((f) => !entries.has(f) && f.startsWith('action/')).filter((file) =>
      /^(await |[a-zA-Z_$][\w$.]*\([^)]*\);?\s*$)/m.test(TEXT.get(file)!),
    );
    expect(offenders).toEqual([]);
  });
});
