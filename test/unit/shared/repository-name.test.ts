import { describe, expect, it } from 'vitest';
import {
  RepositoryNameSchema,
  RepositoryOwnerSchema,
  RepositoryShortNameSchema,
  ReviewReportSchema,
} from '../../../shared/index.js';
import { makeReport } from '../../api/helpers.js';

const valid = (schema: { safeParse: (v: unknown) => { success: boolean } }, value: string) =>
  schema.safeParse(value).success;

describe('RepositoryNameSchema: GitHub’s naming rules, one check for the action and the API', () => {
  it.each([
    'octo/hello',
    'Octo/Hello-World',
    'a/b',
    'a-b-c/.github',
    'octo/.hidden',
    'octo/..dots',
    'octo/my_repo.js',
    'octo/-leading-dash',
    'octo/_',
    'octo/a.gitx',
    'mona-cat_octo/private',
    'octo_admin/setup',
    `${'a'.repeat(39)}/${'b'.repeat(100)}`,
  ])('accepts %s', (name) => {
    expect(valid(RepositoryNameSchema, name)).toBe(true);
  });

  it.each([
    ['dot-dot segments', '../..'],
    ['dot segments', './.'],
    ['a dot-dot repository', 'octo/..'],
    ['a dot repository', 'octo/.'],
    ['a dot-dot owner', '../hello'],
    ['a name GitHub strips .git from', 'octo/hello.git'],
    ['a name GitHub refuses (.wiki)', 'octo/hello.wiki'],
    ['an owner starting with a hyphen', '-octo/hello'],
    ['an owner ending with a hyphen', 'octo-/hello'],
    ['consecutive hyphens in the owner', 'oc--to/hello'],
    ['an underscore in a plain owner', 'my_org_/hello'],
    ['a dot in the owner', 'oc.to/hello'],
    ['an owner over 39 characters', `${'a'.repeat(40)}/hello`],
    ['a managed user over 39 characters', `${'a'.repeat(35)}_octo/hello`],
    ['a repository over 100 characters', `octo/${'b'.repeat(101)}`],
    ['an empty owner', '/hello'],
    ['an empty repository', 'octo/'],
    ['a third segment', 'octo/hello/extra'],
    ['a space', 'octo/hel lo'],
    ['a non-ASCII letter', 'octo/héllo'],
    ['a percent-encoded slash', 'octo%2F..'],
    ['a backslash', 'octo\\..'],
  ])('refuses %s (%s)', (_, name) => {
    expect(valid(RepositoryNameSchema, name)).toBe(false);
  });

  it('applies to the report the action sends and the API ingests', () => {
    expect(ReviewReportSchema.safeParse(makeReport()).success).toBe(true);
    for (const repository of ['../..', './.', 'octo/..'])
      expect(ReviewReportSchema.safeParse(makeReport({ repository })).success).toBe(false);
  });

  it('has the same rules for an owner and a repository name given apart (URL path parameters)', () => {
    expect(valid(RepositoryOwnerSchema, 'octo')).toBe(true);
    expect(valid(RepositoryOwnerSchema, 'mona-cat_octo')).toBe(true);
    expect(valid(RepositoryOwnerSchema, '..')).toBe(false);
    expect(valid(RepositoryOwnerSchema, 'a'.repeat(40))).toBe(false);
    expect(valid(RepositoryShortNameSchema, '.github')).toBe(true);
    expect(valid(RepositoryShortNameSchema, '..')).toBe(false);
    expect(valid(RepositoryShortNameSchema, 'x.git')).toBe(false);
  });
});
