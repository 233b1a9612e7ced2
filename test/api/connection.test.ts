import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DiffrayDb } from '../../api/db/index.js';

let dir: string | undefined;
let db: DiffrayDb | undefined;
afterEach(() => {
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  db = undefined;
  dir = undefined;
});

describe('the serving connection', () => {
  it('runs with WAL, foreign keys, a busy timeout, secure_delete and NORMAL sync, as issue #3 asks', () => {
    dir = mkdtempSync(join(tmpdir(), 'diffray-conn-'));
    db = openDatabase(join(dir, 'diffray.db'));
    const value = (pragma: string) => db!.sqlite.pragma(pragma, { simple: true });
    expect(value('journal_mode')).toBe('wal');
    expect(value('foreign_keys')).toBe(1);
    expect(value('busy_timeout')).toBe(5000);
    expect(value('secure_delete')).toBe(1);
    // NORMAL: in WAL mode no fsync per commit; a power cut may lose the last commits, never the database.
    expect(value('synchronous')).toBe(1);
  });
});
