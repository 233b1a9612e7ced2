import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

/** The global setup has just rebuilt dist/ from the sources, notices included. */
describe('dist/licenses.txt', () => {
  const notices = read('dist/licenses.txt');
  const versionOf = (name: string) =>
    (JSON.parse(read(`node_modules/${name}/package.json`)) as { version: string }).version;

  it.each(['@actions/core', '@anthropic-ai/sdk', '@octokit/core', 'picomatch', 'yaml', 'zod'])(
    'carries the notice of %s, which the action bundles',
    (name) => {
      expect(notices).toContain(`\n${name}@${versionOf(name)} (`);
    },
  );

  it('carries the license texts, not just their names', () => {
    expect(notices).toContain('Apache License');
    expect(notices).toContain('Permission is hereby granted, free of charge');
  });

  it('leaves out what the bundle does not contain', () => {
    expect(notices).not.toMatch(/\n(better-sqlite3|hono|drizzle-orm|undici)@/);
  });
});
