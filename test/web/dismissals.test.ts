// helpers first: it loads the API app, which extends zod for OpenAPI before the shared schemas load.
import {
  get,
  makeFinding,
  makeReport,
  makeTestApp,
  personSession,
  postForm,
  seedAccount,
  seedReview,
  signInWithKey,
  type TestApp,
} from './helpers.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getConfigs, insertDismissal, putConfig } from '../../api/db/index.js';
import type { DismissalReport } from '../../shared/index.js';
import { auditEntries } from '../api/helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const DISMISSAL: DismissalReport = {
  repository: 'acme/widgets',
  pullRequest: 7,
  fingerprint: '0123456789abcdef',
  category: 'style',
  severity: 'low',
  title: 'Prefer const <b>here</b>',
  pathPattern: 'src/**/*.ts',
  reason: 'our linter owns this <script>alert(1)</script>',
  by: 'maintainer',
};

async function dismiss(accountId: string, report: Partial<DismissalReport> = {}) {
  const now = t.clock();
  return await insertDismissal(t.db, {
    accountId,
    report: { ...DISMISSAL, ...report },
    now,
    expiresAt: new Date(now.getTime() + 30 * 86_400_000),
  });
}

/** The form token of the session, as the dismissals page carries it in its forms. */
async function csrfOn(path: string, cookie: string): Promise<string> {
  const html = await (await get(t, path, cookie)).text();
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

describe('the dismissals page', () => {
  it('lists who dismissed what, when and why, as plain text, per account and per repository', async () => {
    const a = await seedAccount(t, 'acme');
    await dismiss(a.accountId);
    await dismiss(a.accountId, {
      repository: 'acme/gadgets',
      title: 'Magic number',
      category: 'maintainability',
    });
    const cookie = await personSession(t, a.accountId, 'reader', 'member');

    const all = await (await get(t, '/dismissals', cookie)).text();
    expect(all).toContain('@maintainer');
    expect(all).toContain('Prefer const &lt;b&gt;here&lt;/b&gt;');
    expect(all).toContain('our linter owns this &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(all).not.toContain('<script>alert');
    expect(all).toContain('Magic number');
    expect(all).toContain('<time');
    // A member reads; only admins decide.
    expect(all).not.toContain('Accept…');
    expect(all).not.toContain('/decline');

    const one = await (await get(t, '/dismissals?repository=acme/gadgets', cookie)).text();
    expect(one).toContain('Magic number');
    expect(one).not.toContain('Prefer const');
    expect((await get(t, '/dismissals?repository=acme/nothing', cookie)).status).toBe(404);
  });

  it('counts, per category, the findings fixed and the findings dismissed', async () => {
    const a = await seedAccount(t, 'acme');
    await seedReview(
      t,
      a.accountId,
      makeReport({
        findings: [
          makeFinding({ category: 'style', state: 'dismissed' }),
          makeFinding({ category: 'style', state: 'dismissed' }),
          makeFinding({ category: 'style', state: 'fixed' }),
          makeFinding({ category: 'security', state: 'fixed' }),
          makeFinding({ category: 'security', state: 'new' }),
        ],
      }),
    );
    const cookie = await signInWithKey(t, a.key);
    const html = await (await get(t, '/dismissals?repository=acme/widgets', cookie)).text();
    const row = (category: string) =>
      new RegExp(`<th scope="row">${category}</th>((?:\\s*<td[^>]*>[^<]*</td>){4})`).exec(html)?.[1];
    const cells = (category: string) =>
      [...(row(category) ?? '').matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
    // Raised, fixed, dismissed, and the share of closed findings that were dismissed.
    expect(cells('style')).toEqual(['0', '1', '2', '67%']);
    expect(cells('security')).toEqual(['1', '1', '0', '0%']);
  });
});

describe("an admin's decision on a dismissal", () => {
  it('shows the entry and the config before saving, then saves it in one click, audited', async () => {
    const a = await seedAccount(t, 'acme');
    await putConfig(t.db, a.accountId, 'acme/widgets', 'fail-on: high\n', t.clock());
    const id = await dismiss(a.accountId);
    const cookie = await signInWithKey(t, a.key);

    const preview = await (await get(t, `/settings/dismissals/${id}`, cookie)).text();
    expect(preview).toContain('<code>src/**/*.ts</code>');
    expect(preview).toContain('Do not report style findings like');
    expect(preview).toContain('fail-on: high');
    expect(preview).toContain('instructions:');
    // Nothing saved by looking.
    expect((await getConfigs(t.db, a.accountId, 'acme/widgets')).repository?.yaml).toBe('fail-on: high\n');

    const csrf = await csrfOn(`/settings/dismissals/${id}`, cookie);
    const saved = await postForm(t, `/settings/dismissals/${id}/accept`, { _csrf: csrf }, { cookie });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/dismissals?repository=acme%2Fwidgets&notice=accepted');
    const yaml = (await getConfigs(t.db, a.accountId, 'acme/widgets')).repository?.yaml ?? '';
    expect(yaml).toContain('fail-on: high');
    expect(yaml).toContain('Do not report style findings like');
    expect((await auditEntries(t.db, a.accountId)).map((e) => [e.action, e.target])).toContainEqual([
      'dismissal.accept',
      'acme/widgets',
    ]);

    // A second click adds nothing.
    const again = await postForm(t, `/settings/dismissals/${id}/accept`, { _csrf: csrf }, { cookie });
    expect(again.headers.get('location')).toBe('/dismissals?notice=decided');
    expect((await getConfigs(t.db, a.accountId, 'acme/widgets')).repository?.yaml).toBe(yaml);
    const list = await (await get(t, '/dismissals', cookie)).text();
    expect(list).toContain('accepted');
  });

  it('declines one, audited, and refuses both to members', async () => {
    const a = await seedAccount(t, 'acme');
    const id = await dismiss(a.accountId);
    const admin = await signInWithKey(t, a.key);
    const member = await personSession(t, a.accountId, 'reader', 'member');
    const memberCsrf = await csrfOn('/dismissals', member);

    expect((await get(t, `/settings/dismissals/${id}`, member)).status).toBe(403);
    for (const action of ['accept', 'decline'])
      expect(
        (await postForm(t, `/settings/dismissals/${id}/${action}`, { _csrf: memberCsrf }, { cookie: member }))
          .status,
      ).toBe(403);

    const csrf = await csrfOn('/dismissals', admin);
    const declined = await postForm(
      t,
      `/settings/dismissals/${id}/decline`,
      { _csrf: csrf },
      { cookie: admin },
    );
    expect(declined.headers.get('location')).toBe('/dismissals?repository=acme%2Fwidgets&notice=declined');
    expect((await getConfigs(t.db, a.accountId, 'acme/widgets')).repository).toBeUndefined();
    expect((await auditEntries(t.db, a.accountId)).map((e) => e.action)).toContain('dismissal.decline');
    const list = await (await get(t, '/dismissals', admin)).text();
    expect(list).toContain('declined');
    expect(list).not.toContain(`/settings/dismissals/${id}/decline`);
    expect(
      (await postForm(t, '/settings/dismissals/nope/decline', { _csrf: csrf }, { cookie: admin })).status,
    ).toBe(404);
  });
});
