/**
 * Databases as earlier versions of the API left them, for the migration tests: the committed migrations
 * up to a given one applied by drizzle's migrator alone (no sealing), then rows written with raw SQL.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { MIGRATIONS_FOLDER } from '../../api/db/index.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { T0 } from './helpers.js';

/** A new database at `path` with the committed migrations up to `lastTag` (e.g. `0001_...`), open. */
export function databaseAtMigration(path: string, lastTag: string): Database.Database {
  const folder = mkdtempSync(join(tmpdir(), 'diffray-migrations-'));
  mkdirSync(join(folder, 'meta'));
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  if (last === -1) throw new Error(`no migration ${lastTag}`);
  const kept = journal.entries.slice(0, last + 1);
  writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: kept }));
  for (const { tag } of kept) cpSync(join(MIGRATIONS_FOLDER, `${tag}.sql`), join(folder, `${tag}.sql`));
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  return sqlite;
}

/**
 * A database of migration 0002 (the last before encryption) holding `canary` in plaintext in every column
 * that is now sealed: account `acc` with repository `repo` (`Octo/<canary>`), review `rev` with two
 * findings and another review without any, a member, a key, a config, an audit entry and the day's
 * aggregate. Closed, with its WAL checkpointed into the file.
 */
export function databaseBeforeEncryption(canary: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-legacy-'));
  const path = join(dir, 'diffray.db');
  const s = databaseAtMigration(path, '0002_findings_by_row_range');
  const at = T0.getTime();
  const expires = reviewExpiresAt(T0).getTime();
  s.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('acc', ?, ?)").run(`Acme ${canary}`, at);
  s.prepare(
    "INSERT INTO repositories (id, account_id, full_name, name_key, created_at) VALUES ('repo', 'acc', ?, ?, ?)",
  ).run(`Octo/${canary}`, `octo/${canary}`, at);
  const review = s.prepare(
    `INSERT INTO reviews (id, account_id, repository_id, pull_request, head_sha, base_sha, status, conclusion, model,
       tokens_input, tokens_cache_write, tokens_cache_read, tokens_output, cost_usd, duration_ms, files_reviewed,
       files_skipped, lines_reviewed, lines_changed, critical, high, medium, low, created_at, expires_at,
       findings_first, findings_last)
     VALUES (?, 'acc', 'repo', 1, 'h', 'b', 'completed', 'success', 'm', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?, 0, 0, ?, ?, ?, ?)`,
  );
  review.run('rev', 1, at, expires, 1, 2);
  review.run('rev-empty', 0, at + 1, expires + 1, null, null);
  const finding = s.prepare(
    `INSERT INTO findings (row_id, review_id, path, start_line, line, severity, category, title, body, fingerprint)
     VALUES (?, 'rev', ?, NULL, ?, 'high', 'security', ?, ?, ?)`,
  );
  finding.run(1, 'src/b.ts', 3, 'second', `body ${canary}`, 'fp-b');
  finding.run(2, 'src/a.ts', 7, `first ${canary}`, 'body one', 'fp-a');
  s.prepare(
    "INSERT INTO users (id, github_id, login, login_key, created_at) VALUES ('user', 42, ?, ?, ?)",
  ).run(`Login${canary.slice(0, 20)}`, `login${canary.slice(0, 20)}`, at);
  s.prepare(
    "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ('acc', 'user', 'admin', ?)",
  ).run(at);
  s.prepare(
    `INSERT INTO api_keys (id, account_id, hash, prefix, name, scopes, created_at)
     VALUES ('key', 'acc', ?, 'dfr_abcd', ?, '["admin"]', ?)`,
  ).run('0'.repeat(64), `key ${canary}`, at);
  s.prepare(
    "INSERT INTO configs (id, account_id, repository_id, yaml, updated_at) VALUES ('cfg', 'acc', 'repo', ?, ?)",
  ).run(`# ${canary}\n`, at);
  s.prepare(
    `INSERT INTO audit_log (id, account_id, actor, action, target, at, client_address)
     VALUES ('audit', 'acc', 'cli', 'config.put', ?, ?, '198.51.100.9')`,
  ).run(`audit ${canary}`, at);
  s.prepare(
    `INSERT INTO daily_aggregates (account_id, repository, day, reviews, critical, high, medium, low)
     VALUES ('acc', ?, '2025-03-01', 2, 0, 1, 0, 0)`,
  ).run(`octo/${canary}`);
  s.pragma('wal_checkpoint(TRUNCATE)');
  s.close();
  return { dir, path };
}
