import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_NAMES } from '../../action/inputs.js';
import { OUTPUTS } from '../../action/core/constants.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const actionYml = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};

function actionSources(dir = join(ROOT, 'action')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? actionSources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('action.yml', () => {
  it('declares exactly the inputs that action/inputs.ts reads', () => {
    expect([...INPUT_NAMES].sort()).toEqual(Object.keys(actionYml.inputs).sort());
  });

  it('has inputs read only through readInputs (no stray getInput calls elsewhere)', () => {
    // early-git.ts reads github-token alone, for the fetch it starts before the rest of the bundle loads.
    const stray = actionSources().filter((file) => {
      const text = readFileSync(file, 'utf8');
      if (file.endsWith(join('action', 'inputs.ts'))) return false;
      const reads = text.match(/\bgetInput\s*\(|\bINPUT_[A-Z][A-Z_-]*/g) ?? [];
      return file.endsWith(join('action', 'early-git.ts'))
        ? reads.some((r) => r !== 'INPUT_GITHUB-TOKEN')
        : reads.length > 0;
    });
    expect(stray).toEqual([]);
  });

  it('declares exactly the outputs the action sets', () => {
    expect(Object.values(OUTPUTS).sort()).toEqual(Object.keys(actionYml.outputs).sort());
  });

  it('runs the committed bundle on node24', () => {
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
