import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../../api/github-webhook.js';
import {
  auditEntries,
  countRows,
  exportedData,
  makeReport,
  rowsOf,
  seedAccount,
  startServer,
  testIndex,
  type TestServer,
} from './helpers.js';

// GitHub's published example: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const GH_SECRET = "It's a Secret to Everybody";
const GH_BODY = 'Hello, World!';
const GH_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
const OLD_SECRET = 'the-previous-secret-0123456789';

describe('verifySignature', () => {
  const body = Buffer.from(GH_BODY);
  it("accepts GitHub's published test vector", () => {
    expect(signPayload(GH_SECRET, GH_BODY)).toBe(GH_SIGNATURE);
    expect(verifySignature(body, GH_SIGNATURE, [GH_SECRET])).toBe(true);
  });
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['sha1 form', 'sha1=757107ea0eb2509fc211221cce984b8a37570b6d'],
    ['short digest', 'sha256=757107ea0eb2509fc211221cce984b8a'],
    ['long digest', `${GH_SIGNATURE}00`],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['no prefix', GH_SIGNATURE.slice(7)],
  ])('rejects a %s signature without throwing', (_name, header) => {
    expect(verifySignature(body, header, [GH_SECRET])).toBe(false);
  });
  it('rejects a tampered body and a wrong secret', () => {
    expect(verifySignature(Buffer.from('Hello, World?'), GH_SIGNATURE, [GH_SECRET])).toBe(false);
    expect(verifySignature(body, GH_SIGNATURE, ['another secret entirely'])).toBe(false);
  });
  it('accepts the previous secret during rotation', () => {
    expect(verifySignature(body, signPayload(OLD_SECRET, body), [GH_SECRET, OLD_SECRET])).toBe(true);
  });
});

describe('POST /v1/github/webhook', () => {
  let s: TestServer;
  const repositoriesOf = async (accountId: string) =>
    rowsOf(s.db, 'SELECT full_name FROM repositories WHERE account_id = ?', accountId);
  const auditOf = async (accountId: string) =>
    (await auditEntries(s.db, accountId))
      .map(({ actor, action, target }) => ({ actor, action, target }))
      .sort((x, y) => String(x.target).localeCompare(String(y.target)));
  beforeAll(async () => {
    s = await startServer({ config: { webhookSecrets: [GH_SECRET, OLD_SECRET] } });
  });
  afterAll(() => s.close());

  const deliver = (body: string, opts: { event?: string; signature?: string; delivery?: string } = {}) =>
    s.call('POST', '/v1/github/webhook', {
      body,
      headers: {
        'x-github-event': opts.event ?? 'ping',
        'x-github-delivery': opts.delivery ?? randomUUID(),
        ...(opts.signature === ''
          ? {}
          : { 'x-hub-signature-256': opts.signature ?? signPayload(GH_SECRET, body) }),
      },
    });

  it('accepts the published test vector over HTTP', async () => {
    const res = await deliver(GH_BODY, { signature: GH_SIGNATURE });
    // Signature good; the body is not JSON, so it is refused after verification.
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'malformed_json' } });
  });

  it('refuses a tampered body, a malformed or missing header (401, JSON, no 500)', async () => {
    const body = JSON.stringify({ zen: 'hi' });
    expect((await deliver(`${body} `, { signature: signPayload(GH_SECRET, body) })).status).toBe(401);
    expect((await deliver(body, { signature: 'sha256=abc' })).status).toBe(401);
    expect((await deliver(body, { signature: 'garbage' })).status).toBe(401);
    expect((await deliver(body, { signature: '' })).status).toBe(401);
  });

  it('accepts the previous secret during rotation', async () => {
    const body = JSON.stringify({ zen: 'hi' });
    const res = await deliver(body, { signature: signPayload(OLD_SECRET, body) });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ignored', deletedFrom: 0, movedIn: 0 });
  });

  it("deletes a deleted repository's data in every account that has it; a redelivery is a no-op", async () => {
    const a = await seedAccount(s.db, { name: 'A' });
    const b = await seedAccount(s.db, { name: 'B' });
    const ra = (
      (await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/doomed' }) }))
        .json as { id: string }
    ).id;
    await s.call('POST', '/v1/reviews', { key: b.key, body: makeReport({ repository: 'Octo/Doomed' }) });
    const keep = (
      (await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/safe' }) }))
        .json as { id: string }
    ).id;
    const body = JSON.stringify({ action: 'deleted', repository: { full_name: 'octo/doomed' } });
    const delivery = randomUUID();
    const res = await deliver(body, { event: 'repository', delivery });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 2, movedIn: 0 });
    expect((await s.call('GET', `/v1/reviews/${ra}`, { key: a.key })).status).toBe(404);
    expect((await s.call('GET', `/v1/reviews/${keep}`, { key: a.key })).status).toBe(200);
    expect(
      await countRows(s.db, 'repositories', 'name_key = ?', testIndex('repository', 'octo/doomed')),
    ).toBe(0);

    // The same delivery again (GitHub redelivers): no-op, even after the data came back.
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/doomed' }) });
    const again = await deliver(body, { event: 'repository', delivery });
    expect(again.json).toEqual({ status: 'duplicate' });
    expect(
      await countRows(s.db, 'repositories', 'name_key = ?', testIndex('repository', 'octo/doomed')),
    ).toBe(1);
  });

  it('deletes repositories removed from an installation', async () => {
    const a = await seedAccount(s.db, { name: 'C' });
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/r1' }) });
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/r2' }) });
    const body = JSON.stringify({
      action: 'removed',
      repositories_removed: [{ full_name: 'octo/r1' }, { full_name: 'octo/r2' }],
    });
    const res = await deliver(body, { event: 'installation_repositories' });
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 2, movedIn: 0 });
    expect(await repositoriesOf(a.accountId)).toEqual([]);
    expect(await auditOf(a.accountId)).toEqual([
      { actor: 'github', action: 'repository.delete', target: 'octo/r1' },
      { actor: 'github', action: 'repository.delete', target: 'octo/r2' },
    ]);
    const added = JSON.stringify({ action: 'added', repositories_added: [{ full_name: 'octo/r3' }] });
    expect((await deliver(added, { event: 'installation_repositories' })).json).toMatchObject({
      status: 'ignored',
    });
  });
});

describe('uninstalling the GitHub App, renamed and transferred repositories', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ config: { webhookSecrets: [GH_SECRET] } });
  });
  afterAll(() => s.close());

  const deliver = (event: string, payload: unknown, delivery = randomUUID()) => {
    const body = JSON.stringify(payload);
    return s.call('POST', '/v1/github/webhook', {
      body,
      headers: {
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': signPayload(GH_SECRET, body),
      },
    });
  };
  const report = async (key: string, repository: string) => {
    const res = await s.call('POST', '/v1/reviews', { key, body: makeReport({ repository }) });
    expect(res.status).toBe(201);
    return (res.json as { id: string }).id;
  };
  const repositories = (key: string) =>
    s
      .call('GET', '/v1/account/export', { key })
      .then((res) =>
        (res.json as { repositories: { fullName: string }[] }).repositories.map((r) => r.fullName).sort(),
      );
  const reviewsOf = async (key: string, repository: string) =>
    (
      (await s.call('GET', `/v1/reviews?repository=${repository}`, { key })).json as {
        reviews: { id: string; repository: string }[];
      }
    ).reviews;
  const aggregates = async (accountId: string) =>
    (await exportedData(s.db, accountId, s.time.clock()))!.dailyAggregates
      .map(({ repository, reviews }) => ({ repository, reviews }))
      .sort((x, y) => String(x.repository).localeCompare(String(y.repository)));
  const audit = async (accountId: string) =>
    (await auditEntries(s.db, accountId))
      .filter((e) => e.actor === 'github')
      .map(({ actor, action, target }) => ({ actor, action, target }))
      .sort((x, y) => String(x.target).localeCompare(String(y.target)));

  it("deletes an uninstalled installation's listed repositories in every account, audited; nothing else", async () => {
    const a = await seedAccount(s.db, { name: 'uninstall A' });
    const b = await seedAccount(s.db, { name: 'uninstall B' });
    await report(a.key, 'acme/one');
    await report(a.key, 'acme/two');
    await report(a.key, 'acme/kept');
    await report(b.key, 'ACME/One');
    const payload = {
      action: 'deleted',
      installation: { id: 1, account: { login: 'acme' }, repository_selection: 'selected' },
      repositories: [{ full_name: 'acme/one' }, { full_name: 'acme/two' }],
    };
    const delivery = randomUUID();
    const res = await deliver('installation', payload, delivery);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 3, movedIn: 0 });
    expect(await repositories(a.key)).toEqual(['acme/kept']);
    expect(await repositories(b.key)).toEqual([]);
    expect(await aggregates(a.accountId)).toEqual([{ repository: 'acme/kept', reviews: 1 }]);
    expect(await audit(a.accountId)).toEqual([
      { actor: 'github', action: 'repository.delete', target: 'acme/one' },
      { actor: 'github', action: 'repository.delete', target: 'acme/two' },
    ]);
    // GitHub redelivers: a no-op, even once a repository of that name reports again.
    await report(a.key, 'acme/one');
    expect((await deliver('installation', payload, delivery)).json).toEqual({ status: 'duplicate' });
    expect(await repositories(a.key)).toEqual(['acme/kept', 'acme/one']);
  });

  it("deletes every repository of the owner when the installation covered all of them, and no other owner's", async () => {
    const a = await seedAccount(s.db, { name: 'uninstall all' });
    for (const repository of ['whole/one', 'Whole/Two', 'wholesale/three', 'other/whole']) {
      await report(a.key, repository);
    }
    const res = await deliver('installation', {
      action: 'deleted',
      installation: { id: 2, account: { login: 'Whole' }, repository_selection: 'all' },
    });
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 2, movedIn: 0 });
    expect(await repositories(a.key)).toEqual(['other/whole', 'wholesale/three']);
  });

  it('moves a renamed repository: its reviews, config and trends follow the new name, audited', async () => {
    const a = await seedAccount(s.db, { name: 'rename' });
    const id = await report(a.key, 'octo/before');
    const yaml = 'fail-on: critical\n';
    await s.call('PUT', '/v1/config', { key: a.key, body: { repository: 'octo/before', yaml } });
    const res = await deliver('repository', {
      action: 'renamed',
      changes: { repository: { name: { from: 'before' } } },
      repository: { name: 'after', full_name: 'octo/after', owner: { login: 'octo' } },
    });
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 0, movedIn: 1 });
    expect(await repositories(a.key)).toEqual(['octo/after']);
    expect((await reviewsOf(a.key, 'octo/after')).map((r) => [r.id, r.repository])).toEqual([
      [id, 'octo/after'],
    ]);
    expect(await reviewsOf(a.key, 'octo/before')).toEqual([]);
    const config = await s.call('GET', '/v1/config?repository=octo/after', { key: a.key });
    expect((config.json as { yaml: { repository: string } }).yaml.repository).toBe(yaml);
    expect(await aggregates(a.accountId)).toEqual([{ repository: 'octo/after', reviews: 1 }]);
    expect(await audit(a.accountId)).toEqual([
      { actor: 'github', action: 'repository.move', target: 'octo/before -> octo/after' },
    ]);
  });

  it('moves a transferred repository, merging it with what already reports under the new name', async () => {
    const a = await seedAccount(s.db, { name: 'transfer' });
    const old = await report(a.key, 'person/tool');
    s.time.advance(60_000);
    await s.call('PUT', '/v1/config', {
      key: a.key,
      body: { repository: 'person/tool', yaml: 'fail-on: high\n' },
    });
    // The action ran after the transfer and before the webhook arrived: the new name exists already.
    s.time.advance(60_000);
    const fresh = await report(a.key, 'company/tool');
    await s.call('PUT', '/v1/config', {
      key: a.key,
      body: { repository: 'company/tool', yaml: 'fail-on: low\n' },
    });
    const res = await deliver('repository', {
      action: 'transferred',
      changes: { owner: { from: { user: { login: 'person' } } } },
      repository: { name: 'tool', full_name: 'company/tool', owner: { login: 'company' } },
    });
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 0, movedIn: 1 });
    expect(await repositories(a.key)).toEqual(['company/tool']);
    expect((await reviewsOf(a.key, 'company/tool')).map((r) => r.id).sort()).toEqual([old, fresh].sort());
    // The config set last (under the new name) wins; the day's counts add up.
    const config = await s.call('GET', '/v1/config?repository=company/tool', { key: a.key });
    expect((config.json as { yaml: { repository: string } }).yaml.repository).toBe('fail-on: low\n');
    expect(await aggregates(a.accountId)).toEqual([{ repository: 'company/tool', reviews: 2 }]);
    expect(await countRows(s.db, 'configs', 'account_id = ?', a.accountId)).toBe(1);
  });

  it('moves a repository transferred from an organization, and one renamed only in case', async () => {
    const a = await seedAccount(s.db, { name: 'transfer org' });
    await report(a.key, 'old-org/lib');
    await deliver('repository', {
      action: 'transferred',
      changes: { owner: { from: { organization: { login: 'old-org' } } } },
      repository: { name: 'lib', full_name: 'new-org/lib', owner: { login: 'new-org' } },
    });
    expect(await repositories(a.key)).toEqual(['new-org/lib']);
    const res = await deliver('repository', {
      action: 'renamed',
      changes: { repository: { name: { from: 'lib' } } },
      repository: { name: 'Lib', full_name: 'new-org/Lib', owner: { login: 'new-org' } },
    });
    expect(res.json).toMatchObject({ movedIn: 1 });
    expect(await repositories(a.key)).toEqual(['new-org/Lib']);
  });

  it('ignores a rename of a repository no account holds, and a malformed one', async () => {
    expect(
      (
        await deliver('repository', {
          action: 'renamed',
          changes: { repository: { name: { from: 'nobody-has-this' } } },
          repository: { name: 'x', full_name: 'octo/x', owner: { login: 'octo' } },
        })
      ).json,
    ).toEqual({ status: 'ignored', deletedFrom: 0, movedIn: 0 });
    expect(
      (
        await deliver('repository', {
          action: 'renamed',
          changes: { repository: { name: { from: '../..' } } },
          repository: { name: 'x', full_name: 'octo/x', owner: { login: 'octo' } },
        })
      ).json,
    ).toEqual({ status: 'ignored', deletedFrom: 0, movedIn: 0 });
  });
});

describe('webhook disabled', () => {
  it('answers 404 when no webhook secret is configured', async () => {
    const s = await startServer();
    try {
      const res = await s.call('POST', '/v1/github/webhook', {
        body: GH_BODY,
        headers: { 'x-hub-signature-256': GH_SIGNATURE },
      });
      expect(res.status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
