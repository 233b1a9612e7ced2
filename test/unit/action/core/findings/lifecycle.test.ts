import { describe, expect, it } from 'vitest';
import { fingerprintFinding } from '../../../../../action/core/findings/fingerprint.js';
import {
  LifecycleStateSchema,
  classifyFindings,
  compactState,
  fingerprintStillPresent,
  isDismissCommand,
  lifecycleCounts,
  toOpenFinding,
  type LifecycleInput,
  type LifecycleState,
  type OpenFinding,
  type ReplyAuthor,
  type ThreadSignal,
  type TrackedFinding,
} from '../../../../../action/core/findings/lifecycle.js';
import { appDiff, makeFinding } from '../../builders.js';

const OLD_HEAD = 'a'.repeat(40);
const HEAD = 'c'.repeat(40);
const fp = (n: number): string => n.toString(16).padStart(32, '0');

function tracked(n: number, overrides: Partial<TrackedFinding> = {}): TrackedFinding {
  return {
    fingerprint: fp(n),
    path: 'src/app.ts',
    title: `Finding ${n}`,
    severity: 'medium',
    category: 'correctness',
    line: 10,
    ...overrides,
  };
}

function open(n: number, overrides: Partial<OpenFinding> = {}): OpenFinding {
  return { ...toOpenFinding(tracked(n), OLD_HEAD), ...overrides };
}

function run(overrides: Partial<LifecycleInput<TrackedFinding>>) {
  return classifyFindings<TrackedFinding>({
    previous: { open: [], dismissed: [] },
    current: [],
    headSha: HEAD,
    reviewedPaths: new Set(['src/app.ts']),
    codeStillPresent: () => true,
    ...overrides,
  });
}

const fps = (items: { fingerprint: string }[]): string[] => items.map((f) => f.fingerprint);
const member = (login: string): ReplyAuthor => ({ login, type: 'User', association: 'MEMBER' });

describe('classifyFindings', () => {
  it('calls a finding new when no earlier run raised it', () => {
    const result = run({ current: [tracked(1)] });
    expect(fps(result.new)).toEqual([fp(1)]);
    expect(result.next.open).toEqual([expect.objectContaining({ fingerprint: fp(1), seenAt: HEAD })]);
  });

  it('keeps a re-raised finding open, with the head it was first seen at, and does not post it again', () => {
    const result = run({
      previous: { open: [open(1)], dismissed: [] },
      current: [tracked(1, { title: 'Reworded' })],
    });
    expect(result.new).toEqual([]);
    expect(result.stillOpen).toEqual([
      expect.objectContaining({ fingerprint: fp(1), title: 'Reworded', seenAt: OLD_HEAD }),
    ]);
  });

  it('marks a finding fixed when its code is gone from a reviewed file', () => {
    const result = run({ previous: { open: [open(1)], dismissed: [] }, codeStillPresent: () => false });
    expect(fps(result.fixed)).toEqual([fp(1)]);
    expect(result.next.open).toEqual([]);
  });

  it('keeps a finding open when its code is still there, even if the model did not mention it again', () => {
    const result = run({ previous: { open: [open(1)], dismissed: [] }, codeStillPresent: () => true });
    expect(fps(result.stillOpen)).toEqual([fp(1)]);
    expect(result.fixed).toEqual([]);
  });

  it('keeps a finding open when nobody could tell whether its code changed', () => {
    const result = run({ previous: { open: [open(1)], dismissed: [] }, codeStillPresent: () => undefined });
    expect(fps(result.stillOpen)).toEqual([fp(1)]);
  });

  it('keeps a finding in a file this run did not review open, even when its code changed', () => {
    const result = run({
      previous: { open: [open(1, { path: 'src/other.ts' })], dismissed: [] },
      codeStillPresent: () => false,
    });
    expect(fps(result.stillOpen)).toEqual([fp(1)]);
  });

  it('dismisses an open finding whose thread was resolved, and never raises it again', () => {
    const first = run({
      previous: { open: [open(1)], dismissed: [] },
      current: [tracked(1)],
      threads: [{ fingerprint: fp(1), resolved: true, replies: [] }],
    });
    expect(fps(first.dismissed)).toEqual([fp(1)]);
    expect(fps(first.suppressed)).toEqual([fp(1)]);
    expect(first.next).toEqual({ open: [], dismissed: [fp(1)] });

    const later = run({ previous: first.next, current: [tracked(1)] });
    expect(later.new).toEqual([]);
    expect(fps(later.suppressed)).toEqual([fp(1)]);
  });

  it('dismisses a finding on a reply with a dismiss command', () => {
    const result = run({
      previous: { open: [open(1)], dismissed: [] },
      threads: [
        {
          fingerprint: fp(1),
          resolved: false,
          replies: ['Intentional here.\n@diffray dismiss: legacy API'],
          replyAuthors: [member('maintainer')],
        },
      ],
    });
    expect(fps(result.dismissed)).toEqual([fp(1)]);
    expect(result.next.dismissed).toEqual([fp(1)]);
  });

  it("says who dismissed a finding and why: the command's author and words, or who resolved the thread", () => {
    const result = run({
      previous: { open: [open(1), open(2), open(3)], dismissed: [] },
      threads: [
        {
          fingerprint: fp(1),
          resolved: false,
          replies: ['Looks odd', 'Intentional here.\n@diffray dismiss: legacy API, removed in v3'],
          replyAuthors: [member('someone'), member('maintainer')],
        },
        { fingerprint: fp(2), resolved: true, replies: [], replyAuthors: [], resolvedBy: 'reviewer' },
        {
          fingerprint: fp(3),
          resolved: false,
          replies: ['diffray: dismiss'],
          replyAuthors: [{ association: 'OWNER' }],
        },
      ],
    });
    expect(result.dismissals.get(fp(1))).toEqual({ by: 'maintainer', reason: 'legacy API, removed in v3' });
    expect(result.dismissals.get(fp(2))).toEqual({ by: 'reviewer' });
    expect(result.dismissals.get(fp(3))).toEqual({});
  });

  it('hears dismiss and undismiss replies only from those who may command diffray', () => {
    const dismiss = (author: ReplyAuthor) =>
      run({
        previous: { open: [open(1)], dismissed: [] },
        current: [tracked(1)],
        threads: [
          {
            fingerprint: fp(1),
            resolved: false,
            replies: ['@diffray dismiss wrong'],
            replyAuthors: [author],
          },
        ],
      });
    for (const association of ['OWNER', 'MEMBER', 'COLLABORATOR'])
      expect(fps(dismiss({ login: 'm', type: 'User', association }).suppressed)).toEqual([fp(1)]);
    // An outsider, a first-time contributor, a bot, and a reply GitHub did not describe: not heard.
    for (const author of [
      { login: 'stranger', type: 'User', association: 'NONE' },
      { login: 'newcomer', type: 'User', association: 'FIRST_TIME_CONTRIBUTOR' },
      { login: 'helper', type: 'Bot', association: 'MEMBER' },
      { login: 'someone' },
    ]) {
      const result = dismiss(author);
      expect(result.suppressed).toEqual([]);
      expect(result.dismissals.size).toBe(0);
      expect(result.next.dismissed).toEqual([]);
    }

    // A member's dismissal stands when an outsider says undismiss after it.
    const undone = run({
      previous: { open: [], dismissed: [fp(1)] },
      current: [tracked(1)],
      threads: [
        {
          fingerprint: fp(1),
          resolved: false,
          replies: ['@diffray dismiss', '@diffray undismiss'],
          replyAuthors: [member('maintainer'), { login: 'stranger', type: 'User', association: 'NONE' }],
        },
      ],
    });
    expect(fps(undone.suppressed)).toEqual([fp(1)]);
    expect(undone.dismissals.get(fp(1))).toEqual({ by: 'maintainer' });
  });

  it("does not dismiss on a resolution by the PR's author without write access; anyone else's counts", () => {
    const resolvedBy = (resolver: Partial<ThreadSignal>) =>
      run({
        previous: { open: [open(1)], dismissed: [] },
        current: [tracked(1)],
        threads: [{ fingerprint: fp(1), resolved: true, replies: [], ...resolver }],
      });
    const outsider = resolvedBy({ resolvedBy: 'author', resolverAssociation: 'CONTRIBUTOR' });
    expect(outsider.suppressed).toEqual([]);
    expect(outsider.next.dismissed).toEqual([]);
    expect(fps(resolvedBy({ resolvedBy: 'author', resolverAssociation: 'MEMBER' }).suppressed)).toEqual([
      fp(1),
    ]);
    expect(fps(resolvedBy({ resolvedBy: 'reviewer' }).suppressed)).toEqual([fp(1)]);
  });

  it("hears only the associations the config's commands.allowed-associations lists", () => {
    const result = run({
      previous: { open: [open(1)], dismissed: [] },
      current: [tracked(1)],
      allowedAssociations: ['OWNER'],
      threads: [
        { fingerprint: fp(1), resolved: false, replies: ['@diffray dismiss'], replyAuthors: [member('m')] },
      ],
    });
    expect(result.suppressed).toEqual([]);
  });

  it('keeps the line of each open finding in the state', () => {
    expect(run({ current: [tracked(1, { line: 42 })] }).next.open[0]).toMatchObject({ line: 42 });
  });

  it('raises a regression again when the resolved thread belonged to a finding that was already fixed', () => {
    const result = run({
      previous: { open: [], dismissed: [] },
      current: [tracked(1)],
      threads: [{ fingerprint: fp(1), resolved: true, replies: [] }],
    });
    expect(fps(result.new)).toEqual([fp(1)]);
  });

  it('treats resolved threads as dismissals when there is no earlier state to tell otherwise', () => {
    const result = run({
      previous: undefined,
      current: [tracked(1)],
      threads: [{ fingerprint: fp(1), resolved: true, replies: [] }],
    });
    expect(fps(result.suppressed)).toEqual([fp(1)]);
  });

  it('produces a next state the summary comment can store', () => {
    const result = run({
      previous: { open: [open(1), open(2)], dismissed: [fp(9)] },
      current: [tracked(3)],
      codeStillPresent: (f) => f.fingerprint !== fp(2),
    });
    expect(LifecycleStateSchema.parse(result.next)).toEqual(result.next);
    expect(lifecycleCounts(result)).toEqual({ new: 1, stillOpen: 1, fixed: 1, dismissed: 0 });
  });
});

describe('isDismissCommand', () => {
  it.each([
    ['@diffray dismiss', true],
    ['@Diffray Dismiss: false positive', true],
    ['diffray: dismiss', true],
    ['Thanks!\n  diffray:dismiss', true],
    ['should I @diffray dismiss this?', false],
    ['> @diffray dismiss\nno, keep it', false],
    ['@diffray dismissal policy?', false],
    ['dismiss', false],
  ])('%j → %s', (reply, expected) => {
    expect(isDismissCommand(reply)).toBe(expected);
  });
});

describe('compactState', () => {
  it('keeps dismissals first, then the most severe open findings, within the size limit', () => {
    const state: LifecycleState = {
      open: [open(1, { severity: 'low' }), open(2, { severity: 'critical' }), open(3, { severity: 'high' })],
      dismissed: [fp(7), fp(8)],
    };
    const compacted = compactState(state, { maxEntries: 4 });
    expect(compacted.dismissed).toEqual([fp(7), fp(8)]);
    expect(compacted.open.map((f) => f.severity)).toEqual(['critical', 'high']);
  });

  it('fits a large state into the character budget', () => {
    const state: LifecycleState = {
      open: Array.from({ length: 500 }, (_, i) =>
        open(i, { title: 'x'.repeat(80), path: `src/${'d/'.repeat(40)}f${i}.ts` }),
      ),
      dismissed: [],
    };
    const compacted = compactState(state, { maxChars: 30_000 });
    expect(JSON.stringify(compacted).length).toBeLessThanOrEqual(30_000);
    expect(compacted.open.length).toBeGreaterThan(50);
  });
});

describe('fingerprintStillPresent', () => {
  const file = appDiff();
  const finding = makeFinding({ path: 'src/app.ts', line: 42, startLine: 41, title: 'Password logged' });
  const record = toOpenFinding({ ...finding, fingerprint: fingerprintFinding(finding, file) }, OLD_HEAD);
  const source = (body: string[]): string =>
    ['// header', 'export function save(user) {', ...body, '}', ''].join('\n');

  it('finds the fingerprinted code after it moved and was re-indented', () => {
    expect(
      fingerprintStillPresent(record, `\n\n${source(['    db.write(user);', '    log(user.password);'])}`),
    ).toBe(true);
  });

  it('reports the code gone when the lines were changed', () => {
    expect(fingerprintStillPresent(record, source(['  db.write(user);', '  log(redact(user));']))).toBe(
      false,
    );
  });

  it('reports the code gone when the file was deleted', () => {
    expect(fingerprintStillPresent(record, undefined)).toBe(false);
  });

  it('handles CRLF files', () => {
    expect(
      fingerprintStillPresent(
        record,
        source(['  db.write(user);', '  log(user.password);']).replace(/\n/g, '\r\n'),
      ),
    ).toBe(true);
  });
});
