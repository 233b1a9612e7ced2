/**
 * The migration that made membership the person's to accept: every membership already stored becomes an
 * invitation. Sign-in used to open the oldest membership, so a sign-in seen before is no proof the person
 * chose that account; each confirms once, at their next GitHub sign-in. The GitHub sessions it opened end.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountsOf, MIGRATIONS_FOLDER } from '../../api/db/index.js';
import { openTestDatabase, T0 } from './helpers.js';
import { databaseAtMigration } from './legacy-database.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-members-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tag of the migration just before the one whose tag ends with `suffix`. */
function tagBefore(suffix: string): string {
  const { entries } = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const at = entries.findIndex((e) => e.tag.endsWith(suffix));
  if (at < 1) throw new Error(`no migration before ${suffix}`);
  return entries[at - 1]!.tag;
}

describe('the membership invitations migration', () => {
  it('turns every membership already there into an invitation, keeps its role, ends GitHub sessions', async () => {
    const path = join(dir, 'before.db');
    const s = databaseAtMigration(path, tagBefore('_memberships_and_profiles'));
    const at = T0.getTime();
    s.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('a1', 'Acme', ?), ('a2', 'Bravo', ?)").run(
      at,
      at,
    );
    s.prepare(
      "INSERT INTO users (id, github_id, login, login_key, created_at) VALUES ('u1', 7, 'Octo', 'octo', ?)",
    ).run(at);
    s.prepare(
      "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ('a1', 'u1', 'admin', ?), ('a2', 'u1', 'member', ?)",
    ).run(at, at);
    s.prepare(
      `INSERT INTO sessions (id, account_id, user_id, session_version, created_at, expires_at)
       VALUES ('s1', 'a1', 'u1', 1, ?, ?)`,
    ).run(at, at + 3_600_000);
    s.pragma('wal_checkpoint(TRUNCATE)');
    s.close();

    const db = openTestDatabase(path);
    try {
      expect(await accountsOf(db, 'u1')).toEqual([
        expect.objectContaining({ accountId: 'a1', accountName: 'Acme', role: 'admin', acceptedAt: null }),
        expect.objectContaining({ accountId: 'a2', accountName: 'Bravo', role: 'member', acceptedAt: null }),
      ]);
      expect((await accountsOf(db, 'u1')).map((m) => m.invitedBy)).toEqual([null, null]);
      const session = db.sqlite.prepare("SELECT revoked_at AS r FROM sessions WHERE id = 's1'").get() as {
        r: number | null;
      };
      expect(session.r).not.toBeNull();
    } finally {
      await db.close();
    }
  });
});
