import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface LockEntry {
  version?: string;
  engines?: { node?: string };
}

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/**
 * `npm ci` warns EBADENGINE for every installed package whose `engines.node` the running Node does not
 * satisfy, so the oldest Node package.json accepts must satisfy every package in the lockfile (what
 * `npm ci` installs, platform-specific optional packages included).
 */
describe('engines', () => {
  const minimum = semver.minVersion(pkg.engines.node);

  it('package.json names a minimum Node', () => {
    expect(minimum?.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("every package in the lockfile runs on the project's minimum Node", () => {
    const excluding = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = entry.engines?.node;
      return range === undefined || semver.satisfies(minimum!, range)
        ? []
        : [`${path}@${entry.version}: engines.node "${range}"`];
    });
    expect(excluding, `Node ${minimum?.version} (package.json engines.node)`).toEqual([]);
  });
});
