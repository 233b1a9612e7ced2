/**
 * The workflow users copy from the README, and the one this repository runs on its own pull requests,
 * hold the supply-chain rules SECURITY.md promises: third-party actions pinned by commit SHA (a tag can be
 * moved to other code) and no permission beyond what diffray uses.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(ROOT + path, 'utf8');

interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, { steps: { uses?: string }[] }>;
}

function readmeWorkflow(): { text: string; workflow: Workflow } {
  const block = /Add `\.github\/workflows\/diffray\.yml`:\s*```yaml\n([\s\S]*?)```/.exec(read('README.md'));
  if (!block) throw new Error('README has no workflow block after "Add `.github/workflows/diffray.yml`:"');
  return { text: block[1]!, workflow: parse(block[1]!) as Workflow };
}

const DOGFOOD = '.github/workflows/diffray.yml';
const WORKFLOWS = [
  { name: 'the README', ...readmeWorkflow() },
  { name: DOGFOOD, text: read(DOGFOOD), workflow: parse(read(DOGFOOD)) as Workflow },
];

const uses = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps.flatMap((s) => s.uses ?? []));

describe.each(WORKFLOWS)('the workflow in $name', ({ text, workflow }) => {
  it('pins every third-party action by a full commit SHA, with its version in a comment', () => {
    const thirdParty = uses(workflow).filter((u) => !u.startsWith('./') && !u.startsWith('diffray/'));
    expect(thirdParty.length).toBeGreaterThan(0);
    for (const ref of thirdParty) {
      expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(text).toMatch(
        new RegExp(`${ref.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} # v\\d+\\.\\d+\\.\\d+`),
      );
    }
  });

  it('asks for the least permissions diffray needs', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', checks: 'write' });
  });

  it('leaves no token in the checkout', () => {
    expect(text).toMatch(/actions\/checkout@\S+[^\n]*\n\s+with:\n\s+persist-credentials: false/);
  });
});

describe.each(WORKFLOWS)('the comment job of the workflow in $name', ({ text }) => {
  it('subscribes to comments, skips bots and other comments, and checks out the default branch only', () => {
    const workflow = parse(text) as {
      on: Record<string, { types?: string[] }>;
      jobs: Record<
        string,
        {
          if?: string;
          concurrency?: { group: string; 'cancel-in-progress': boolean };
          steps: { with?: Record<string, string> }[];
        }
      >;
    };
    expect(workflow.on.issue_comment?.types).toEqual(['created']);
    expect(workflow.on.pull_request_review_comment?.types).toEqual(['created']);
    const talk = workflow.jobs.talk!;
    expect(talk.if).toContain("startsWith(github.event.comment.body, '@diffray')");
    expect(talk.if).toContain("github.event.comment.user.type != 'Bot'");
    // Queued per pull request, never cancelling an answer under way, in a group apart from the reviews'.
    expect(talk.concurrency).toEqual({
      group: 'diffray-talk-${{ github.event.issue.number || github.event.pull_request.number }}',
      'cancel-in-progress': false,
    });
    expect(talk.steps[0]!.with).toEqual({
      'persist-credentials': false,
      ref: '${{ github.event.repository.default_branch }}',
    });
  });
});

it('runs this repository’s own action on its pull requests', () => {
  expect(uses(WORKFLOWS[1]!.workflow)).toContain('./');
});
