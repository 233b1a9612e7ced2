/**
 * Replies in the threads of fixed findings: one request for all of them (capped at MAX_FIXED_REPLIES), open
 * threads only, and a thread GitHub refuses is a warning, never a failed run.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FIXED_REPLIES } from '../../../../action/core/constants.js';
import { toOpenFinding } from '../../../../action/core/findings/lifecycle.js';
import type { GitHubPort, ReviewThread, ThreadRepliesResult } from '../../../../action/ports.js';
import { replyToFixed } from '../../../../action/steps/publish.js';
import type { EngineDeps, Notes, ReviewSettings } from '../../../../action/steps/run-context.js';
import { makeAnchored } from '../builders.js';

const HEAD = 'c'.repeat(40);
const settings = { pr: { number: 7, headSha: HEAD } } as ReviewSettings;

const fixedFinding = (i: number) =>
  toOpenFinding(makeAnchored({ fingerprint: String(i).padStart(32, 'f') }), 'a'.repeat(40));
const threadOf = (i: number, resolved = false): ReviewThread => ({
  fingerprint: String(i).padStart(32, 'f'),
  threadId: `T${i}`,
  resolved,
  replies: [],
});

function setup(answer: (threadIds: string[]) => Promise<ThreadRepliesResult>) {
  const calls: { threadIds: string[]; body: string }[] = [];
  const github = {
    replyInThreads: (threadIds: string[], body: string) => {
      calls.push({ threadIds, body });
      return answer(threadIds);
    },
  } as unknown as GitHubPort;
  const deps = {
    github,
    log: { info: () => {}, warning: () => {}, debug: () => {} },
  } as unknown as EngineDeps;
  const notes: Notes = { warnings: [], errors: [] };
  return { deps, notes, calls };
}

const allLand = (threadIds: string[]) => Promise.resolve({ replied: threadIds, failed: [] });

describe('replyToFixed', () => {
  it('replies in every open thread of a fixed finding with one call, and counts those over the cap', async () => {
    const { deps, notes, calls } = setup(allLand);
    const fixed = Array.from({ length: MAX_FIXED_REPLIES + 3 }, (_, i) => fixedFinding(i));
    const threads = [...fixed.map((_, i) => threadOf(i)), threadOf(99)];

    const result = await replyToFixed(deps, settings, fixed, threads, notes);

    expect(calls).toHaveLength(1);
    expect(calls[0]!.threadIds).toEqual(fixed.slice(0, MAX_FIXED_REPLIES).map((_, i) => `T${i}`));
    expect(calls[0]!.body).toContain('Fixed in ccccccc');
    expect(result).toEqual({ posted: MAX_FIXED_REPLIES, capped: 3 });
    expect(notes).toEqual({ warnings: [], errors: [] });
  });

  it('leaves resolved threads alone and sends nothing when no thread is left', async () => {
    const { deps, notes, calls } = setup(allLand);
    const result = await replyToFixed(deps, settings, [fixedFinding(1)], [threadOf(1, true)], notes);
    expect(calls).toHaveLength(0);
    expect(result).toEqual({ posted: 0, capped: 0 });
  });

  it('counts what landed and warns about the threads GitHub refused, without failing the run', async () => {
    const { deps, notes } = setup((ids) =>
      Promise.resolve({
        replied: ids.slice(1),
        failed: [{ threadId: ids[0]!, reason: "Could not resolve to a node with the global id of 'T0'" }],
      }),
    );
    const fixed = [0, 1, 2].map(fixedFinding);
    const result = await replyToFixed(
      deps,
      settings,
      fixed,
      [0, 1, 2].map((i) => threadOf(i)),
      notes,
    );

    expect(result).toEqual({ posted: 2, capped: 0 });
    expect(notes.errors).toEqual([]);
    expect(notes.warnings).toEqual([
      `GitHub refused the "fixed" reply in 1 of 3 review thread(s): Could not resolve to a node with the global id of 'T0'`,
    ]);
  });

  it('records a failed request as a delivery error, like every other GitHub write', async () => {
    const { deps, notes } = setup(() =>
      Promise.reject(new Error('GitHub refused to reply in review threads: HTTP 502')),
    );
    const result = await replyToFixed(deps, settings, [fixedFinding(1)], [threadOf(1)], notes);
    expect(result).toEqual({ posted: 0, capped: 0 });
    expect(notes.errors).toEqual(['GitHub refused to reply in review threads: HTTP 502']);
  });
});
