/**
 * Encryption at rest (SECURITY.md): finding texts and personal data are sealed before they reach SQLite.
 * A canary written into every sealed column is readable through the JSON API, the export and the page,
 * and its bytes are nowhere in the database, its WAL or its shared-memory file; a database from before
 * encryption is sealed on its first start; a ciphertext moved to another row does not open there; and the
 * lookups, filters and orders that used the plaintext still work.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addMember,
  dailyTotals,
  dataKeyIds,
  DecryptError,
  deleteRepositoryEverywhere,
  findRepository,
  getReview,
  listMembers,
  listRepositories,
} from '../../api/db/index.js';
import { kidOf } from '../../api/db/envelope.js';
import { databaseBeforeEncryption } from './legacy-database.js';
import { countOf, exportedData, ON_SQLITE, openTestDatabase, rowsOf, T0 } from './helpers.js';
import {
  get,
  makeFinding,
  makeReport,
  makeTestApp,
  personSession,
  PUBLIC_URL,
  seedAccount,
  SESSION_COOKIE_NAME,
  seedReview,
  signInWithKey,
  type TestApp,
} from '../web/helpers.js';

/** Every file of the database (main file, -wal, -shm) in `dir` that holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.db(-wal|-shm)?$/.test(f))
    .filter((f) => readFileSync(join(dir, f)).includes(Buffer.from(needle, 'utf8')));
}

/**
 * Where the database keeps `needle` in plain: its files on SQLite (`filesHolding`); on PostgreSQL, whose
 * files are the server's, the tables whose rows hold it as text or as bytes.
 */
async function placesHolding(t: TestApp, needle: string): Promise<string[]> {
  if (t.db.engine === 'sqlite') return filesHolding(t.dir, needle);
  const tables = await rowsOf<{ name: string }>(
    t.db,
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
  );
  const holding: string[] = [];
  for (const { name } of tables) {
    const n = await countOf(
      t.db,
      `SELECT count(*) AS n FROM "${name}" t WHERE strpos(t::text, ?) > 0 OR strpos(t::text, ?) > 0`,
      needle,
      Buffer.from(needle, 'utf8').toString('hex'),
    );
    if (n > 0) holding.push(name);
  }
  return holding;
}

let apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps) await t.close();
  apps = [];
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('a canary in every sealed column', () => {
  it('is readable through the API, the export and the page, and absent from what the database stores', async () => {
    const canary = `c${randomUUID().replaceAll('-', '')}`;
    const t = await makeTestApp();
    apps.push(t);
    const { accountId, key } = await seedAccount(t, `Acme ${canary}`);
    await addMember(t.db, { accountId, login: canary.slice(0, 30), role: 'member', now: t.clock() });
    const report = makeReport({
      repository: `octo/${canary}`,
      findings: [
        makeFinding({ path: `src/${canary}.ts`, title: `Title ${canary}`, body: `Body ${canary}` }),
        makeFinding({ path: 'src/other.ts', title: 'Plain title' }),
      ],
    });
    const posted = await t.app.request('/v1/reviews', {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    expect(posted.status).toBe(201);
    const { id } = (await posted.json()) as { id: string };
    const put = await t.app.request('/v1/config', {
      method: 'PUT',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ repository: `octo/${canary}`, yaml: `# ${canary}\nfail-on: high\n` }),
    });
    expect(put.status).toBe(200);
    const created = await t.app.request('/v1/keys', {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ name: `key ${canary}`, scopes: ['reviews:read'] }),
    });
    expect(created.status).toBe(201);
    // A disconnected repository's name stays in the audit log.
    await seedReview(t, accountId, makeReport({ repository: `gone/${canary}` }));
    const gone = await t.app.request(`/v1/repositories/gone/${canary}`, {
      method: 'DELETE',
      headers: { ...bearer(key), 'x-forwarded-for': '203.0.113.7' },
    });
    expect(gone.status).toBe(204);

    // What the account holds about itself and about a person, as corrected by an admin and by the person.
    const details = await t.app.request('/v1/account', {
      method: 'PATCH',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ company: `Company ${canary}`, contactEmail: `billing.${canary}@acme.example` }),
    });
    expect(details.status).toBe(200);
    const person = await personSession(t, accountId, 'Person-canary', 'member');
    const personHeaders = {
      cookie: `${SESSION_COOKIE_NAME}=${person}`,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/json',
    };
    const me = await t.app.request(`${PUBLIC_URL}/v1/me`, {
      method: 'PATCH',
      headers: personHeaders,
      body: JSON.stringify({ displayName: `Name ${canary}`, email: `me.${canary}@person.example` }),
    });
    expect(me.status).toBe(200);
    const personal = [
      `Company ${canary}`,
      `billing.${canary}@acme.example`,
      `Name ${canary}`,
      `me.${canary}@person.example`,
    ];
    const account = await (await t.app.request('/v1/account', { headers: bearer(key) })).text();
    for (const text of personal.slice(0, 2)) expect(account).toContain(text);
    const mine = await (await t.app.request(`${PUBLIC_URL}/v1/me`, { headers: personHeaders })).text();
    for (const text of personal.slice(2)) expect(mine).toContain(text);
    const profile = await (await get(t, '/profile', person)).text();
    for (const text of personal.slice(2)) expect(profile).toContain(text);

    const review = await (await t.app.request(`/v1/reviews/${id}`, { headers: bearer(key) })).text();
    for (const text of [`octo/${canary}`, `src/${canary}.ts`, `Title ${canary}`, `Body ${canary}`])
      expect(review).toContain(text);
    const exported = await (await t.app.request('/v1/account/export', { headers: bearer(key) })).text();
    for (const text of [
      `Acme ${canary}`,
      canary.slice(0, 30),
      `key ${canary}`,
      `# ${canary}`,
      `gone/${canary}`,
      ...personal,
    ])
      expect(exported).toContain(text);
    const cookie = await signInWithKey(t, key);
    const page = await (await get(t, `/reviews/${id}`, cookie)).text();
    expect(page).toContain(`Title ${canary}`);
    expect(page).toContain(`Acme ${canary}`);
    const settings = await (await get(t, '/settings', cookie)).text();
    for (const text of personal) expect(settings).toContain(text);

    // On SQLite: not in the main file, the -wal (which holds the latest writes) or the -shm, before and
    // after the close copies the WAL back.
    if (ON_SQLITE) expect(existsSync(join(t.dir, 'diffray.db-wal'))).toBe(true);
    expect(await placesHolding(t, canary)).toEqual([]);
    if (ON_SQLITE) {
      await t.db.close();
      expect(filesHolding(t.dir, canary)).toEqual([]);
    }
  });
});

// A SQLite file from before sealing: PostgreSQL's schema began sealed.
describe.skipIf(!ON_SQLITE)('a database from before encryption', () => {
  it('is sealed on its first start: the canary leaves every file, and every read and lookup still works', async () => {
    const canary = `c${randomUUID().replaceAll('-', '')}`;
    const { dir, path } = databaseBeforeEncryption(canary);
    const db = openTestDatabase(path);
    try {
      expect(filesHolding(dir, canary)).toEqual([]);
      const review = (await getReview(db, { accountId: 'acc', id: 'rev', now: T0 }))!;
      expect(review.review.repository).toBe(`Octo/${canary}`);
      expect(review.findings.map((f) => [f.path, f.title, f.body])).toEqual([
        ['src/a.ts', `first ${canary}`, 'body one'],
        ['src/b.ts', 'second', `body ${canary}`],
      ]);
      expect((await listMembers(db, 'acc')).map((m) => m.login)).toEqual([`Login${canary.slice(0, 20)}`]);
      expect((await findRepository(db, 'acc', `OCTO/${canary.toUpperCase()}`))?.id).toBe('repo');
      const trend = await dailyTotals(db, {
        accountId: 'acc',
        sinceDay: '2025-01-01',
        repository: `octo/${canary}`,
      });
      expect(trend).toEqual([expect.objectContaining({ day: '2025-03-01', reviews: 2, high: 1 })]);
      const exported = JSON.stringify(await exportedData(db, 'acc', T0));
      for (const text of [
        `Acme ${canary}`,
        `key ${canary}`,
        `# ${canary}`,
        `audit ${canary}`,
        '198.51.100.9',
      ])
        expect(exported).toContain(text);
      expect((await exportedData(db, 'acc', T0))!.dailyAggregates).toEqual([
        expect.objectContaining({ repository: `Octo/${canary}`, reviews: 2 }),
      ]);
    } finally {
      await db.close();
    }
    expect(filesHolding(dir, canary)).toEqual([]);
  });
});

describe('associated data', () => {
  it('a ciphertext moved to another row does not open there', async () => {
    const t = await makeTestApp();
    apps.push(t);
    const a = await seedAccount(t, 'A');
    const b = await seedAccount(t, 'B');
    const secret = await seedReview(
      t,
      a.accountId,
      makeReport({ findings: [makeFinding({ title: 'secret' })] }),
    );
    const mine = await seedReview(t, b.accountId, makeReport({ findings: [makeFinding({ title: 'mine' })] }));
    await rowsOf(
      t.db,
      'UPDATE finding_texts SET sealed = (SELECT sealed FROM finding_texts WHERE review_id = ?) WHERE review_id = ?',
      secret,
      mine,
    );
    await expect(getReview(t.db, { accountId: b.accountId, id: mine, now: t.clock() })).rejects.toThrow(
      DecryptError,
    );
    const res = await t.app.request(`/v1/reviews/${mine}`, { headers: bearer(b.key) });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');

    await rowsOf(
      t.db,
      'UPDATE accounts SET name = (SELECT name FROM accounts WHERE id = ?) WHERE id = ?',
      a.accountId,
      b.accountId,
    );
    await expect(exportedData(t.db, b.accountId, t.clock())).rejects.toThrow(DecryptError);
  });
});

describe('lookups, filters and orders on sealed values', () => {
  it('find repositories and logins in any case, filter and delete by name, order by path and name', async () => {
    const t = await makeTestApp();
    apps.push(t);
    const { accountId, key } = await seedAccount(t, 'Acme');
    const id = await seedReview(
      t,
      accountId,
      makeReport({
        repository: 'Octo/Hello',
        findings: [
          makeFinding({ path: 'src/b.ts', line: 2, title: 'b2' }),
          makeFinding({ path: 'src/a.ts', line: 9, title: 'a9' }),
          makeFinding({ path: 'src/b.ts', line: 1, title: 'b1' }),
          makeFinding({ path: 'src/a.ts', line: 9, title: 'a9 again' }),
        ],
      }),
    );
    await seedReview(t, accountId, makeReport({ repository: 'octo/HELLO' }));
    await seedReview(t, accountId, makeReport({ repository: 'acme/zeta' }));
    await seedReview(t, accountId, makeReport({ repository: 'Acme/Alpha' }));
    expect((await getReview(t.db, { accountId, id, now: t.clock() }))!.findings.map((f) => f.title)).toEqual([
      'a9',
      'a9 again',
      'b1',
      'b2',
    ]);
    expect((await listRepositories(t.db, accountId)).map((r) => r.fullName)).toEqual([
      'Acme/Alpha',
      'acme/zeta',
      'Octo/Hello',
    ]);
    const listed = await t.app.request('/v1/reviews?repository=OCTO/hello', { headers: bearer(key) });
    expect(((await listed.json()) as { reviews: unknown[] }).reviews).toHaveLength(2);

    const first = await addMember(t.db, { accountId, login: 'MonaLisa', role: 'member', now: t.clock() });
    const again = await addMember(t.db, { accountId, login: 'monalisa', role: 'admin', now: t.clock() });
    expect(again.userId).toBe(first.userId);
    expect(again.login).toBe('MonaLisa');
    expect(await listMembers(t.db, accountId)).toHaveLength(1);

    expect(await deleteRepositoryEverywhere(t.db, 'OCTO/HELLO')).toEqual([
      { accountId, fullName: 'Octo/Hello' },
    ]);
    expect(await findRepository(t.db, accountId, 'octo/hello')).toBeUndefined();
  });
});

describe('the writer thread', () => {
  it('seals finding texts and new repositories with the newest data key', async () => {
    const t = await makeTestApp({ dataKeys: [randomBytes(32), randomBytes(32)] });
    apps.push(t);
    const { accountId } = await seedAccount(t, 'Acme');
    const id = await seedReview(t, accountId);
    const [newest] = dataKeyIds(t.db);
    const { sealed } = (
      await rowsOf<{ sealed: Uint8Array }>(t.db, 'SELECT sealed FROM finding_texts WHERE review_id = ?', id)
    )[0]!;
    expect(kidOf(sealed)).toBe(newest);
    const { name } = (await rowsOf<{ name: string }>(t.db, 'SELECT full_name AS name FROM repositories'))[0]!;
    expect(kidOf(name)).toBe(newest);
  });
});
