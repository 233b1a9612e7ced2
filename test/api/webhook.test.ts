import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from '../../api/github-webhook.js';
import { makeReport, seedAccount, startServer, testIndex, type TestServer } from './helpers.js';

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
    expect(res.json).toEqual({ status: 'ignored', deletedFrom: 0 });
  });

  it("deletes a deleted repository's data in every account that has it; a redelivery is a no-op", async () => {
    const a = seedAccount(s.db, { name: 'A' });
    const b = seedAccount(s.db, { name: 'B' });
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
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 2 });
    expect((await s.call('GET', `/v1/reviews/${ra}`, { key: a.key })).status).toBe(404);
    expect((await s.call('GET', `/v1/reviews/${keep}`, { key: a.key })).status).toBe(200);
    expect(
      s.db.sqlite
        .prepare('SELECT count(*) AS n FROM repositories WHERE name_key = ?')
        .get(testIndex('repository', 'octo/doomed')),
    ).toEqual({ n: 0 });

    // The same delivery again (GitHub redelivers): no-op, even after the data came back.
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/doomed' }) });
    const again = await deliver(body, { event: 'repository', delivery });
    expect(again.json).toEqual({ status: 'duplicate' });
    expect(
      s.db.sqlite
        .prepare('SELECT count(*) AS n FROM repositories WHERE name_key = ?')
        .get(testIndex('repository', 'octo/doomed')),
    ).toEqual({ n: 1 });
  });

  it('deletes repositories removed from an installation', async () => {
    const a = seedAccount(s.db, { name: 'C' });
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/r1' }) });
    await s.call('POST', '/v1/reviews', { key: a.key, body: makeReport({ repository: 'octo/r2' }) });
    const body = JSON.stringify({
      action: 'removed',
      repositories_removed: [{ full_name: 'octo/r1' }, { full_name: 'octo/r2' }],
    });
    const res = await deliver(body, { event: 'installation_repositories' });
    expect(res.json).toEqual({ status: 'processed', deletedFrom: 2 });
    const added = JSON.stringify({ action: 'added', repositories_added: [{ full_name: 'octo/r3' }] });
    expect((await deliver(added, { event: 'installation_repositories' })).json).toMatchObject({
      status: 'ignored',
    });
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
