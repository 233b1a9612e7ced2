import { describe, expect, it } from 'vitest';
import { needsThread, parseCommand } from '../../../../../action/core/input/command.js';
import { decidePermission } from '../../../../../action/core/input/permission.js';

describe('parseCommand', () => {
  it.each([
    ['@diffray review', { kind: 'review' }],
    ['@DiffRay Review.', { kind: 'review' }],
    ['  \n@diffray full review', { kind: 'full-review' }],
    ['@diffray: pause', { kind: 'pause' }],
    ['@diffray resume!', { kind: 'resume' }],
    ['@diffray help', { kind: 'help' }],
    ['@diffray', { kind: 'help' }],
    ['@diffray undismiss', { kind: 'undismiss' }],
    ['@diffray dismiss', { kind: 'dismiss', reason: '' }],
    [
      '@diffray dismiss: we validate upstream\nin the parser',
      { kind: 'dismiss', reason: 'we validate upstream\nin the parser' },
    ],
    ['@diffray why is this a bug?', { kind: 'other', text: 'why is this a bug?' }],
    [
      '@diffray review\nand explain the second finding',
      { kind: 'other', text: 'review\nand explain the second finding' },
    ],
  ])('reads %j', (body, command) => {
    expect(parseCommand(body)).toEqual(command);
  });

  it.each(['thanks @diffray review', '@diffray-bot review', 'review', '> @diffray review', ''])(
    'is not a command: %j',
    (body) => {
      expect(parseCommand(body)).toBeUndefined();
    },
  );

  it('caps a dismissal reason', () => {
    const command = parseCommand(`@diffray dismiss ${'x'.repeat(2_000)}`);
    expect(command?.kind === 'dismiss' && command.reason.length).toBe(500);
  });

  it('knows which commands act on a thread', () => {
    expect(needsThread({ kind: 'dismiss', reason: '' })).toBe(true);
    expect(needsThread({ kind: 'other', text: 'why?' })).toBe(true);
    expect(needsThread({ kind: 'review' })).toBe(false);
  });
});

describe('decidePermission', () => {
  const person = (association: string, login = 'alice', type = 'User') => ({ login, type, association });
  const question = { kind: 'other' as const, text: 'why?' };

  it('lets owners, members and collaborators command', () => {
    for (const association of ['OWNER', 'MEMBER', 'COLLABORATOR']) {
      expect(
        decidePermission({
          command: { kind: 'review' },
          commenter: person(association),
          prAuthor: 'bob',
          inDiffrayThread: false,
        }),
      ).toEqual({ allowed: true, as: 'association' });
    }
  });

  it('lets the PR author ask questions in diffray threads only', () => {
    const author = person('CONTRIBUTOR', 'Bob');
    expect(
      decidePermission({ command: question, commenter: author, prAuthor: 'bob', inDiffrayThread: true }),
    ).toEqual({
      allowed: true,
      as: 'pr-author',
    });
    expect(
      decidePermission({ command: question, commenter: author, prAuthor: 'bob', inDiffrayThread: false })
        .allowed,
    ).toBe(false);
    expect(
      decidePermission({
        command: { kind: 'review' },
        commenter: author,
        prAuthor: 'bob',
        inDiffrayThread: true,
      }).allowed,
    ).toBe(false);
  });

  it('refuses outsiders and bots, whatever their association', () => {
    expect(
      decidePermission({
        command: question,
        commenter: person('NONE'),
        prAuthor: 'bob',
        inDiffrayThread: true,
      }),
    ).toEqual({
      allowed: false,
      reason: 'not-allowed',
    });
    expect(
      decidePermission({
        command: question,
        commenter: person('OWNER', 'ci', 'Bot'),
        prAuthor: 'bob',
        inDiffrayThread: true,
      }),
    ).toEqual({ allowed: false, reason: 'bot' });
    expect(
      decidePermission({
        command: question,
        commenter: person('MEMBER', 'helper[bot]'),
        prAuthor: 'bob',
        inDiffrayThread: true,
      }),
    ).toEqual({ allowed: false, reason: 'bot' });
  });

  it("follows the config's associations and its switch", () => {
    const input = {
      command: { kind: 'review' as const },
      commenter: person('CONTRIBUTOR'),
      prAuthor: 'bob',
      inDiffrayThread: false,
    };
    expect(decidePermission({ ...input, allowed: ['CONTRIBUTOR'] }).allowed).toBe(true);
    expect(decidePermission({ ...input, commenter: person('OWNER'), allowed: ['MEMBER'] }).allowed).toBe(
      false,
    );
    expect(decidePermission({ ...input, commenter: person('OWNER'), enabled: false })).toEqual({
      allowed: false,
      reason: 'disabled',
    });
  });
});
