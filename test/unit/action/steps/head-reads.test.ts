import { describe, expect, it } from 'vitest';
import { toOpenFinding } from '../../../../action/core/findings/lifecycle.js';
import type { EngineDeps, Effective } from '../../../../action/steps/run-context.js';
import { trackLifecycle } from '../../../../action/steps/track.js';
import { createModelLanes } from '../../../../action/steps/model-lanes.js';
import { validateFindings } from '../../../../action/steps/validate.js';
import type { ConfirmRequest, ConfirmResult } from '../../../../action/ports.js';
import { makeAnchored } from '../builders.js';

const OLD_HEAD = 'a'.repeat(40);
const HEAD = 'c'.repeat(40);
const unreadable = () => Promise.reject(new Error('git show failed'));

describe('a file git cannot read at the head', () => {
  const earlier = makeAnchored({ fingerprint: 'f'.repeat(32), path: 'src/app.ts' });
  const previous = {
    version: 1 as const,
    headSha: OLD_HEAD,
    baseSha: OLD_HEAD,
    fingerprints: [],
    lifecycle: { open: [toOpenFinding(earlier, OLD_HEAD)], dismissed: [] },
  };
  const track = (readHead: (path: string) => Promise<string | undefined>) =>
    trackLifecycle({
      previous,
      anchored: [],
      headSha: HEAD,
      reviewedPaths: new Set(['src/app.ts']),
      threads: undefined,
      readHead,
    });

  it('keeps an earlier finding open instead of calling it fixed', async () => {
    const result = await track(unreadable);
    expect(result.fixed).toHaveLength(0);
    expect(result.stillOpen.map((f) => f.fingerprint)).toEqual([earlier.fingerprint]);
  });

  it('still calls it fixed when the file is really gone', async () => {
    const result = await track(() => Promise.resolve(undefined));
    expect(result.fixed.map((f) => f.fingerprint)).toEqual([earlier.fingerprint]);
  });

  it('keeps a high finding unvalidated rather than dropping it, with no model call', async () => {
    const confirms: ConfirmRequest[] = [];
    const deps = {
      model: {
        confirm: (request: ConfirmRequest): Promise<ConfirmResult> => {
          confirms.push(request);
          return Promise.resolve({
            ok: true,
            verdicts: [],
            usage: { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 },
          });
        },
      },
      log: { info: () => {}, warning: () => {}, debug: () => {} },
    } as unknown as EngineDeps;
    const effective: Effective = { config: {}, model: 'claude-sonnet-4-5', failOn: 'high', maxComments: 20 };
    const finding = makeAnchored({ severity: 'critical' });
    const result = await validateFindings(deps, { pr: { title: '', body: '' } } as never, effective, {
      findings: [finding],
      skip: () => false,
      readHead: unreadable,
      lanes: createModelLanes({ clock: { now: () => 0 }, log: deps.log }),
      context: { files: [], ruleText: () => undefined },
      lines: (f) => ({ start: f.line, end: f.line }),
    });
    expect(result.kept).toEqual([finding]);
    expect(confirms).toHaveLength(0);
  });
});
