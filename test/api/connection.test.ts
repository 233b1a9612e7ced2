import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount, insertReview, type SqliteDb } from '../../api/db/index.js';
import { makeReport, openTestDatabase } from './helpers.js';

let dir: string | undefined;
let db: SqliteDb | undefined;
afterEach(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  db = undefined;
  dir = undefined;
});

describe('the serving connection', () => {
  it('runs with WAL, foreign keys, a busy timeout, secure_delete and NORMAL sync', () => {
    dir = mkdtempSync(join(tmpdir(), 'diffray-conn-'));
    db = openTestDatabase(join(dir, 'diffray.db'));
    const value = (pragma: string) => db!.sqlite.pragma(pragma, { simple: true });
    expect(value('journal_mode')).toBe('wal');
    expect(value('foreign_keys')).toBe(1);
    expect(value('busy_timeout')).toBe(5000);
    expect(value('secure_delete')).toBe(1);
    // NORMAL: in WAL mode no fsync per commit; a power cut may lose the last commits, never the database.
    expect(value('synchronous')).toBe(1);
  });

  it("creates its folder and files for the server's user alone, whatever the umask", async () => {
    dir = mkdtempSync(join(tmpdir(), 'diffray-conn-'));
    const previous = process.umask(0o022);
    try {
      const path = join(dir, 'data', 'diffray.db');
      db = openTestDatabase(path);
      // A write, so the WAL and shared-memory files exist.
      await insertReview(db, {
        accountId: (await createAccount(db, 'acme', new Date())).id,
        report: makeReport(),
        now: new Date(),
        expiresAt: new Date(Date.now() + 1000),
      });
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(join(dir, 'data'))).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file), file).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('gives every folder it creates 0700, even under a umask that would leave it unusable', () => {
    dir = mkdtempSync(join(tmpdir(), 'diffray-conn-'));
    const previous = process.umask(0o177);
    try {
      db = openTestDatabase(join(dir, 'a', 'b', 'diffray.db'));
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect([mode(join(dir, 'a')), mode(join(dir, 'a', 'b'))]).toEqual([0o700, 0o700]);
      expect(mode(join(dir, 'a', 'b', 'diffray.db'))).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });
});
