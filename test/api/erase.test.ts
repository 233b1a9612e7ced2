/**
 * Deleted text leaves no readable trace in any database file within seconds, whichever path deleted it:
 * `secure_delete` zeroes it in the database's pages (freed pages included), and the WAL, which still holds
 * the pages as they were before the deletion, is checkpointed and truncated right after it. Text is sealed
 * before it is stored (encryption at rest), so its plaintext never reaches the files; what must leave no
 * trace is the sealed value, which whoever holds the data key could still open. Each case stores a canary in
 * findings (or a config), takes bytes of the value stored for it, deletes it, and scans the bytes of the
 * database file and of its -wal and -shm files: on a database opened as `serve` opens it (background
 * checkpoints: the checkpointer thread truncates) and as the CLI does (no checkpointer: the deletion
 * truncates).
 *
 * Where the canary sits in the WAL matters. SQLite writes the WAL from its start again (over the old frames)
 * at the first commit after a checkpoint copied every frame back, so a deletion right after such a
 * checkpoint could overwrite the canary's frames by chance and hide a missing truncation. `storeCanary`
 * therefore writes other data before the canary, in the same pass through the WAL (a reader holds the WAL so
 * no checkpoint completes in between); the deletion's frames then land over that data, not over the canary.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount, purge, type SqliteDb } from '../../api/db/index.js';
import { signPayload } from '../../api/github-webhook.js';
import { purgeCutoffs } from '../../api/retention.js';
import { DAY_MS, LIMITS } from '../../shared/index.js';
import {
  asSqlite,
  makeFinding,
  makeReport,
  seedAccount,
  seedKey,
  startServer,
  T0,
  type TestServer,
} from './helpers.js';

const WEBHOOK_SECRET = 'a-webhook-secret-for-the-tests';
/** Within this, every trace is gone (the checkpointer ticks every 200 ms; a loaded machine is slow). */
const ERASED_WITHIN_MS = 5_000;
/** When the canary is stored (it expires 30 days later); the other data is younger and outlives it. */
const CANARY_AT = new Date(T0.getTime() + 5 * DAY_MS);
const FILLER_AT = new Date(T0.getTime() + 10 * DAY_MS);

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** Which of the database's files hold `needle`. */
function filesHolding(db: SqliteDb, needle: Buffer): string[] {
  return [db.path, `${db.path}-wal`, `${db.path}-shm`].filter(
    (file) => existsSync(file) && readFileSync(file).includes(needle),
  );
}

async function waitFor(done: () => boolean): Promise<void> {
  const deadline = Date.now() + ERASED_WITHIN_MS;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

async function waitUntilErased(db: SqliteDb, trace: Buffer): Promise<string[]> {
  await waitFor(() => filesHolding(db, trace).length === 0);
  return filesHolding(db, trace);
}

/** 64 bytes from the middle of the finding texts stored (sealed) for review `reviewId`. */
function sealedTexts(db: SqliteDb, reviewId: string): Buffer {
  const { sealed } = db.sqlite
    .prepare('SELECT sealed FROM finding_texts WHERE review_id = ?')
    .get(reviewId) as { sealed: Buffer };
  const middle = Math.floor(sealed.length / 2);
  return sealed.subarray(middle, middle + 64);
}

/** The sealed value stored for the account's config of `repository`, as the file holds it (UTF-8). */
function sealedConfig(db: SqliteDb, accountId: string): Buffer {
  const { yaml } = db.sqlite
    .prepare('SELECT yaml FROM configs WHERE account_id = ? AND repository_id IS NOT NULL')
    .get(accountId) as { yaml: string };
  return Buffer.from(yaml, 'utf8');
}

/** 40 findings with `text` in their titles and long bodies (overflow pages, freed whole when deleted). */
const findingsWith = (text: string) =>
  Array.from({ length: 40 }, (_, i) =>
    makeFinding({
      line: i + 1,
      title: `${text} title ${i}`,
      body: `${text} `.repeat(LIMITS.findingBodyChars / (text.length + 1)),
    }),
  );

/**
 * Stores `canary` in a review of `repository` in a new account, after two reviews of another account in
 * the same pass through the WAL (see the module comment), then lets a checkpoint copy it into the database
 * file too, so the deletion must clear it from there as well. Returns the account and the bytes of the
 * sealed texts to look for.
 */
async function storeCanary(server: TestServer, repository: string, canary: string) {
  const db = asSqlite(server.db);
  const account = await seedAccount(db, { name: 'holder' });
  let reviewId: string;
  // A write, and in the same turn a reader that sees it in the WAL: no checkpoint completes while it reads.
  const other = await createAccount(db, 'other', T0);
  const reader = new Database(db.path, { readonly: true });
  reader.prepare('BEGIN').run();
  reader.prepare('SELECT count(*) FROM accounts').get();
  try {
    const otherKey = (await seedKey(db, other.id, ['reviews:write'])).key;
    server.time.set(FILLER_AT);
    for (const pullRequest of [1, 2]) {
      const res = await server.call('POST', '/v1/reviews', {
        key: otherKey,
        body: makeReport({ repository: 'octo/other', pullRequest, findings: findingsWith('other data') }),
      });
      expect(res.status).toBe(201);
    }
    server.time.set(CANARY_AT);
    const res = await server.call('POST', '/v1/reviews', {
      key: account.key,
      body: makeReport({ repository, findings: findingsWith(canary) }),
    });
    expect(res.status).toBe(201);
    reviewId = (res.json as { id: string }).id;
  } finally {
    reader.prepare('COMMIT').run();
    reader.close();
  }
  const trace = sealedTexts(db, reviewId);
  await waitFor(() => {
    db.sqlite.pragma('wal_checkpoint(PASSIVE)');
    return filesHolding(db, trace).includes(db.path);
  });
  expect(filesHolding(db, trace)).toEqual([db.path, `${db.path}-wal`]);
  expect(filesHolding(db, Buffer.from(canary, 'utf8'))).toEqual([]);
  return { account, trace };
}

const deliver = (server: TestServer, event: string, payload: unknown) => {
  const body = JSON.stringify(payload);
  return server.call('POST', '/v1/github/webhook', {
    body,
    headers: {
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signPayload(WEBHOOK_SECRET, body),
    },
  });
};

describe.each([
  ['as serve opens it (the checkpointer thread truncates)', true],
  ['as the CLI opens it (the deletion truncates)', false],
])('no trace of deleted text in the database files, %s', (_name, backgroundCheckpoints) => {
  const start = async () => {
    s = await startServer({ db: { backgroundCheckpoints }, config: { webhookSecrets: [WEBHOOK_SECRET] } });
    return s;
  };
  const canary = () => `CANARY-${randomUUID()}`;

  it('after a repository disconnect (DELETE /v1/repositories/:owner/:name)', async () => {
    const server = await start();
    const { account, trace } = await storeCanary(server, 'octo/disconnected', canary());
    const res = await server.call('DELETE', '/v1/repositories/octo/disconnected', { key: account.key });
    expect(res.status).toBe(204);
    expect(await waitUntilErased(asSqlite(server.db), trace)).toEqual([]);
  });

  it('after a webhook deletion (repository deleted)', async () => {
    const server = await start();
    const { trace } = await storeCanary(server, 'octo/deleted', canary());
    const res = await deliver(server, 'repository', {
      action: 'deleted',
      repository: { full_name: 'octo/deleted' },
    });
    expect(res.json).toMatchObject({ status: 'processed' });
    expect(await waitUntilErased(asSqlite(server.db), trace)).toEqual([]);
  });

  it("after a config is replaced, of the old config's text", async () => {
    const server = await start();
    const { account } = await storeCanary(server, 'octo/configured', canary());
    const put = (yaml: string) =>
      server.call('PUT', '/v1/config', { key: account.key, body: { repository: 'octo/configured', yaml } });
    expect((await put(`# ${canary()}\nfail-on: high\n`)).status).toBe(200);
    const trace = sealedConfig(asSqlite(server.db), account.accountId);
    expect(filesHolding(asSqlite(server.db), trace)).not.toEqual([]);
    expect((await put('fail-on: low\n')).status).toBe(200);
    expect(await waitUntilErased(asSqlite(server.db), trace)).toEqual([]);
  });

  it('after the purge of expired reviews', async () => {
    const server = await start();
    const { trace } = await storeCanary(server, 'octo/expiring', canary());
    const result = await purge(
      asSqlite(server.db),
      purgeCutoffs(new Date(CANARY_AT.getTime() + 31 * DAY_MS)),
    );
    expect(result).toMatchObject({ reviews: 1 });
    expect(await waitUntilErased(asSqlite(server.db), trace)).toEqual([]);
  });

  it("after the purge of a deleted account's data", async () => {
    const server = await start();
    const { account, trace } = await storeCanary(server, 'octo/leaving', canary());
    server.time.set(T0);
    expect(
      (await server.call('DELETE', '/v1/account', { key: account.key, body: { confirm: 'holder' } })).status,
    ).toBe(202);
    // Past the account's grace period, before its review expires.
    const result = await purge(asSqlite(server.db), purgeCutoffs(new Date(T0.getTime() + 31 * DAY_MS)));
    expect(result).toMatchObject({ accounts: 1, reviews: 1 });
    expect(await waitUntilErased(asSqlite(server.db), trace)).toEqual([]);
  });
});
