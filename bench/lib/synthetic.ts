/**
 * Synthetic pull requests in real git repositories: TypeScript-like modules on `main`, a feature branch
 * that edits most of them in a few hunks (changed lines, an inserted function, removed lines), adds some
 * files and deletes a few, then one unrelated commit on `main` (so the base is not the merge base), an
 * `origin` bare repository and a depth-1 checkout of the feature branch, as actions/checkout leaves it.
 * Everything is seeded: the same size gives the same repository.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrRepo, pushToPr, type PrRepo } from '../../test/e2e/harness.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOUNS = [
  'order',
  'invoice',
  'widget',
  'session',
  'account',
  'payment',
  'shipment',
  'report',
  'user',
  'token',
];
const VERBS = [
  'compute',
  'validate',
  'normalize',
  'merge',
  'resolve',
  'format',
  'collect',
  'apply',
  'load',
  'sync',
];
const FIELDS = [
  'amount',
  'quantity',
  'status',
  'createdAt',
  'owner',
  'region',
  'priority',
  'retries',
  'label',
];

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** One plausible function, 8 to 20 lines. */
function fn(r: () => number, id: string): string[] {
  const noun = pick(r, NOUNS);
  const verb = pick(r, VERBS);
  const field = pick(r, FIELDS);
  const other = pick(r, FIELDS);
  const name = `${verb}${cap(noun)}${id}`;
  const type = cap(noun);
  const shapes: (() => string[])[] = [
    () => [
      `export function ${name}(items: ${type}[], limit = ${10 + Math.floor(r() * 90)}): number {`,
      `  let total = 0;`,
      `  for (let i = 0; i < items.length && i < limit; i++) {`,
      `    const item = items[i];`,
      `    if (!item || item.${field} === undefined) continue;`,
      `    total += Number(item.${field}) * ${1 + Math.floor(r() * 9)};`,
      `  }`,
      `  return total;`,
      `}`,
    ],
    () => [
      `export async function ${name}(client: Client, id: string): Promise<${type} | undefined> {`,
      `  const cached = cache.get(id);`,
      `  if (cached && cached.expiresAt > Date.now()) return cached.value;`,
      `  const response = await client.get(\`/${noun}s/\${encodeURIComponent(id)}\`);`,
      `  if (response.status === 404) return undefined;`,
      `  if (response.status >= 400) {`,
      `    throw new Error(\`${verb} ${noun} failed: \${response.status}\`);`,
      `  }`,
      `  const value = parse${type}(await response.json());`,
      `  cache.set(id, { value, expiresAt: Date.now() + ${1000 * (1 + Math.floor(r() * 60))} });`,
      `  return value;`,
      `}`,
    ],
    () => [
      `export function ${name}(input: Partial<${type}>): ${type} {`,
      `  const ${field} = input.${field} ?? defaults.${field};`,
      `  const ${other} = input.${other} ?? defaults.${other};`,
      `  if (typeof ${field} === 'string' && ${field}.trim() === '') {`,
      `    throw new TypeError('${noun}.${field} must not be empty');`,
      `  }`,
      `  return {`,
      `    ...defaults,`,
      `    ...input,`,
      `    ${field},`,
      `    ${other},`,
      `  } as ${type};`,
      `}`,
    ],
    () => [
      `export function ${name}(rows: ${type}[]): Map<string, ${type}[]> {`,
      `  const groups = new Map<string, ${type}[]>();`,
      `  for (const row of rows) {`,
      `    const key = String(row.${field} ?? 'none').toLowerCase();`,
      `    const list = groups.get(key) ?? [];`,
      `    list.push(row);`,
      `    groups.set(key, list);`,
      `  }`,
      `  for (const list of groups.values()) {`,
      `    list.sort((a, b) => Number(a.${other}) - Number(b.${other}));`,
      `  }`,
      `  return groups;`,
      `}`,
    ],
  ];
  return [...pick(r, shapes)(), ''];
}

function moduleLines(r: () => number, fileId: number, functions: number): string[] {
  const out = [
    `import type { Client } from '../client.js';`,
    `import { cache, defaults } from '../shared.js';`,
    `import type { ${NOUNS.map(cap).join(', ')} } from '../types.js';`,
    '',
  ];
  for (let i = 0; i < functions; i++) out.push(...fn(r, `_${fileId}_${i}`));
  return out;
}

/** The head version of a modified file: a few lines changed, a function inserted, a few lines removed. */
function editLines(r: () => number, base: string[], fileId: number, round: number): string[] {
  const lines = [...base];
  const hunks = 2 + Math.floor(r() * 2);
  for (let h = 0; h < hunks; h++) {
    const at = 4 + Math.floor(r() * Math.max(1, lines.length - 8));
    const kind = h % 3;
    if (kind === 0) {
      // Change two or three lines in place.
      for (let k = 0; k < 2 + Math.floor(r() * 2) && at + k < lines.length; k++) {
        const line = lines[at + k]!;
        lines[at + k] =
          line.trim() === ''
            ? `  // ${pick(r, VERBS)} step ${round}.${k}`
            : `${line.replace(/;$/, '')} // r${round}`;
      }
    } else if (kind === 1) {
      lines.splice(at, 0, '', ...fn(r, `_${fileId}_n${round}_${h}`), ...fn(r, `_${fileId}_m${round}_${h}`));
    } else {
      lines.splice(at, 2 + Math.floor(r() * 3));
    }
  }
  return lines;
}

export interface SyntheticPr extends PrRepo {
  files: number;
  /** Makes one more commit on the feature branch (changing `paths`), pushes it and checks it out anew. */
  push(paths?: string[]): void;
}

/**
 * A PR changing `files` files: 80 % modified, 15 % added, 5 % deleted, spread over directories of 25.
 * Another `files ÷ 4` files (at least 5) stay untouched, so the repository is not all PR. `config` is the
 * base commit's `.diffray.yml` (none by default); it is not part of the diff.
 */
export function makeSyntheticPr(files: number, opts: { seed?: number; config?: string } = {}): SyntheticPr {
  const seedValue = opts.seed ?? 42;
  const r = rng(seedValue * 7919 + files);
  const path = (i: number) => `src/mod${Math.floor(i / 25)}/${pick(rng(i), NOUNS)}-${i}.ts`;
  const baseFiles: Record<string, string> = {};
  const baseLines = new Map<string, string[]>();
  const headFiles: Record<string, string | null> = {};
  const untouched = Math.max(5, Math.floor(files / 4));
  const kinds: ('modified' | 'added' | 'deleted')[] = [];
  for (let i = 0; i < files; i++) {
    const x = (i * 37) % 20; // deterministic mix: 16 modified, 3 added, 1 deleted in every 20
    kinds.push(x < 16 ? 'modified' : x < 19 ? 'added' : 'deleted');
  }
  for (let i = 0; i < files + untouched; i++) {
    if (i < files && kinds[i] === 'added') continue;
    const lines = moduleLines(r, i, 8 + Math.floor(r() * 10));
    baseFiles[path(i)] = lines.join('\n');
    baseLines.set(path(i), lines);
  }
  baseFiles['package.json'] = '{ "name": "synthetic", "private": true }\n';
  baseFiles['README.md'] = '# synthetic\n';
  if (opts.config !== undefined) baseFiles['.diffray.yml'] = opts.config;
  for (let i = 0; i < files; i++) {
    const p = path(i);
    if (kinds[i] === 'added') headFiles[p] = moduleLines(r, i, 3 + Math.floor(r() * 5)).join('\n');
    else if (kinds[i] === 'deleted') headFiles[p] = null;
    else headFiles[p] = editLines(r, baseLines.get(p)!, i, 1).join('\n');
  }

  const pr: SyntheticPr = Object.assign(
    makePrRepo({ base: baseFiles, head: headFiles, tmpPrefix: `diffray-bench-${files}-` }),
    {
      files,
      push(paths?: string[]) {
        const targets = paths ?? [path(kinds.indexOf('modified'))];
        const changed: Record<string, string> = {};
        for (const p of targets) {
          const current = readFileSync(join(pr.workspace, p), 'utf8').split('\n');
          changed[p] = editLines(rng(files + 99), current, 9_000, 2).join('\n');
        }
        pushToPr(pr, changed, { message: 'follow-up push' });
      },
    },
  );
  return pr;
}
