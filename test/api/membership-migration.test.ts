/**
 * The migration that made membership the person's to accept: every membership already stored becomes an
 * invitation. Sign-in used to open the oldest membership, so a sign-in seen before is no proof the person
 * chose that account; each confirms once, at their next GitHub sign-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accountsOf, openDatabase } from '../../api/db/index.js';
import { migrationsBefore, T0 } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-members-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the membership_invitations migration', () => {
  it('turns every membership already there into an invitation, and keeps its role', () => {
    const old = join(dir, 'migrations');
    migrationsBefore(old, '_membership_invitations');
    const path = join(dir, 'before.db');
    const before = openDatabase(path, { migrationsFolder: old });
    const s = before.sqlite;
    s.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('a1', 'Acme', ?), ('a2', 'Bravo', ?)").run(
      T0.getTime(),
      T0.getTime(),
    );
    s.prepare(
      "INSERT INTO users (id, github_id, login, login_key, created_at) VALUES ('u1', 7, 'Octo', 'octo', ?)",
    ).run(T0.getTime());
    s.prepare(
      "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ('a1', 'u1', 'admin', ?), ('a2', 'u1', 'member', ?)",
    ).run(T0.getTime(), T0.getTime());
    before.close();

    const db = openDatabase(path);
    try {
      expect(accountsOf(db.orm, 'u1')).toEqual([
        expect.objectContaining({ accountId: 'a1', role: 'admin', acceptedAt: null, invitedBy: null }),
        expect.objectContaining({ accountId: 'a2', role: 'member', acceptedAt: null, invitedBy: null }),
      ]);
    } finally {
      db.close();
    }
  });
});
