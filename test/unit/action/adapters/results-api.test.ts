/**
 * The results-API adapter against a small local HTTP server: what it sends (key only in the Authorization
 * header), what it parses, and that every failure (5xx, timeout, refused connection, bad JSON, redirect)
 * comes back as a warning instead of a throw. The https-only rule for `api-url` is enforced by the inputs
 * module (test/unit/action/inputs.test.ts), the only place the URL enters the action; it is checked here too
 * through `validateInputs` so the rule stays pinned next to the adapter it protects.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createResultsApiPort, RESULTS_API_TIMEOUT_MS } from '../../../../action/adapters/results-api.js';
import { validateInputs } from '../../../../action/inputs.js';
import { makeReport } from '../../../api/helpers.js';
import { closeNow, listenOnLoopback, readBody } from '../../../fakes/server.js';
import { RUNNER_INPUTS } from '../../../support/action-inputs.js';

const KEY = 'dfr_TestKey0123456789abcdefghijABCDEFGHIJ_ck';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeNow(s);
});

async function startServer(handler: Handler): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    handler(req, res, body);
  });
  const url = await listenOnLoopback(server);
  servers.push(server);
  return { url, seen, server };
}

const json =
  (status: number, data: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof data === 'string' ? data : JSON.stringify(data));
  };

/** Every answer the port gives must be a value; a warning must never carry the key. */
function expectWarning(result: unknown): string {
  expect(result).toHaveProperty('warning');
  const warning = (result as { warning: string }).warning;
  expect(warning).toMatch(/diffray results API/);
  expect(warning).not.toContain(KEY);
  return warning;
}

describe('fetchConfig', () => {
  it('sends GET /v1/config?repository=… with the key only in Authorization: Bearer', async () => {
    const api = await startServer(json(200, { config: {} }));
    await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).fetchConfig('acme/widgets');

    expect(api.seen).toHaveLength(1);
    const [req] = api.seen;
    expect(req!.method).toBe('GET');
    expect(req!.url).toBe('/v1/config?repository=acme%2Fwidgets');
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.url).not.toContain(KEY);
    expect(req!.url).not.toContain('dfr_');
    const otherHeaders = Object.entries(req!.headers).filter(([name]) => name !== 'authorization');
    expect(JSON.stringify(otherHeaders)).not.toContain(KEY);
  });

  it('parses the hosted config as the API serves it ({ repository, config, yaml })', async () => {
    const api = await startServer(
      json(200, {
        repository: 'acme/widgets',
        config: { 'fail-on': 'medium', exclude: ['docs/**'] },
        yaml: { account: 'fail-on: medium\nexclude:\n  - docs/**\n', repository: null },
      }),
    );
    const result = await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).fetchConfig('acme/widgets');
    expect(result).toEqual({ config: { 'fail-on': 'medium', exclude: ['docs/**'] } });
  });

  it('accepts a bare config object and a { yaml: string } answer', async () => {
    const bare = await startServer(json(200, { 'max-comments': 5 }));
    expect(await createResultsApiPort({ baseUrl: bare.url, apiKey: KEY }).fetchConfig('a/b')).toEqual({
      config: { 'max-comments': 5 },
    });
    const yaml = await startServer(json(200, { yaml: 'fail-on: low\n' }));
    expect(await createResultsApiPort({ baseUrl: yaml.url, apiKey: KEY }).fetchConfig('a/b')).toEqual({
      config: { 'fail-on': 'low' },
    });
  });

  it('keeps a path prefix and drops trailing slashes of the base URL', async () => {
    const api = await startServer(json(200, { config: {} }));
    await createResultsApiPort({ baseUrl: `${api.url}/diffray//`, apiKey: KEY }).fetchConfig('a/b');
    expect(api.seen[0]!.url).toBe('/diffray/v1/config?repository=a%2Fb');
  });

  it('treats 404 as "no hosted config", without a warning', async () => {
    const api = await startServer(json(404, { error: { code: 'not_found' } }));
    expect(await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).fetchConfig('a/b')).toEqual({});
  });

  it('turns an invalid hosted config into a warning naming the key', async () => {
    const api = await startServer(json(200, { config: { 'fail-on': 'sometimes' } }));
    const result = await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).fetchConfig('a/b');
    expect(result.config).toBeUndefined();
    expect(expectWarning(result)).toContain('fail-on');
  });

  it.each([
    ['a 500', json(500, { error: 'boom' })],
    ['a 503', json(503, 'Service Unavailable')],
    ['a 401', json(401, { error: { code: 'unauthorized' } })],
    ['malformed JSON', json(200, '{"config": {')],
    ['an HTML error page', json(200, '<html>bad gateway</html>')],
  ])('turns %s into a warning, never a throw', async (_name, handler) => {
    const api = await startServer(handler);
    const result = await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).fetchConfig('a/b');
    expect(result.config).toBeUndefined();
    expectWarning(result);
  });
});

describe('sendReport', () => {
  it('POSTs the report as JSON to /v1/reviews and returns { id, url }', async () => {
    const created = { id: '01J0000000000000000000000', url: 'https://diffray.test/reviews/01J0' };
    const api = await startServer(json(201, created));
    const report = makeReport();
    const result = await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).sendReport(report);

    expect(result).toEqual(created);
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v1/reviews');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(req!.body)).toEqual(report);
    expect(req!.url + req!.body).not.toContain(KEY);
  });

  it.each([
    ['a 500', json(500, { error: { code: 'internal' } })],
    ['a 503', json(503, 'upstream down')],
    ['a 422', json(422, { error: { code: 'invalid_request' } })],
    ['a 403 (key without reviews:write)', json(403, { error: { code: 'forbidden' } })],
    ['malformed JSON in a 201', json(201, '{"id": "x", "url":')],
    ['a 201 of the wrong shape', json(201, { ok: true })],
    ['an empty 201', json(201, '')],
  ])('turns %s into a warning, never a throw', async (_name, handler) => {
    const api = await startServer(handler);
    expectWarning(await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).sendReport(makeReport()));
  });

  it('names an unreadable 201 answer as such', async () => {
    const api = await startServer(json(201, '{"id": "x", "url":'));
    const result = await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).sendReport(makeReport());
    expect(expectWarning(result)).toBe('diffray results API: unexpected answer to the report upload');
  });

  it('gives up after the timeout when the server never answers, with a warning saying so', async () => {
    const api = await startServer(() => {
      /* never answers */
    });
    const started = performance.now();
    const port = createResultsApiPort({ baseUrl: api.url, apiKey: KEY, timeoutMs: 200 });
    const sent = await port.sendReport(makeReport());
    const config = await port.fetchConfig('a/b');
    const elapsed = performance.now() - started;

    expect(expectWarning(sent)).toMatch(/timed out after 200 ms/);
    expect(expectWarning(config)).toMatch(/timed out after 200 ms/);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('also times out when the headers arrive but the body never ends', async () => {
    const api = await startServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"id":');
    });
    const port = createResultsApiPort({ baseUrl: api.url, apiKey: KEY, timeoutMs: 200 });
    expect(expectWarning(await port.sendReport(makeReport()))).toMatch(/timed out/);
  });

  it('turns a refused connection into a warning', async () => {
    const api = await startServer(json(201, {}));
    const url = api.url;
    await closeNow(api.server);
    servers.splice(servers.indexOf(api.server), 1);

    const port = createResultsApiPort({ baseUrl: url, apiKey: KEY, timeoutMs: 2_000 });
    // The system error code says what to fix; the message (which could echo the URL) is not used.
    expect(expectWarning(await port.sendReport(makeReport()))).toMatch(
      /report upload failed \(.*ECONNREFUSED\)/,
    );
    expect(expectWarning(await port.fetchConfig('a/b'))).toMatch(/config fetch failed \(.*ECONNREFUSED\)/);
  });

  it('does not follow a redirect (the key would travel to the redirect target)', async () => {
    const target = await startServer(json(201, { id: 'x', url: 'https://evil.test/x' }));
    const api = await startServer(json(307, '', { location: `${target.url}/v1/reviews` }));
    const port = createResultsApiPort({ baseUrl: api.url, apiKey: KEY });

    expectWarning(await port.sendReport(makeReport()));
    expectWarning(await port.fetchConfig('a/b'));
    expect(target.seen).toHaveLength(0);
  });

  it('uses a 10 s timeout by default', () => {
    expect(RESULTS_API_TIMEOUT_MS).toBe(10_000);
  });
});

describe('reportAnswer', () => {
  const ANSWER = {
    repository: 'acme/widgets',
    pullRequest: 7,
    model: 'claude-sonnet-4-5',
    tokens: { input: 2_000, cacheWrite: 0, cacheRead: 0, output: 300 },
    costUsd: 0.0105,
  };

  it("POSTs an answer's tokens and cost to /v1/answers with the key in Authorization only", async () => {
    const api = await startServer(json(201, { id: 'a1' }));
    expect(await createResultsApiPort({ baseUrl: api.url, apiKey: KEY }).reportAnswer(ANSWER)).toEqual({});
    expect(api.seen.map((r) => [r.method, r.url])).toEqual([['POST', '/v1/answers']]);
    expect(JSON.parse(api.seen[0]!.body)).toEqual(ANSWER);
    expect(api.seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('turns a refusal into a warning naming what was not recorded', async () => {
    const api = await startServer(json(503, { error: {} }));
    const port = createResultsApiPort({ baseUrl: api.url, apiKey: KEY });
    expect(expectWarning(await port.reportAnswer(ANSWER))).toMatch(/answer cost report answered HTTP 503/);
  });
});

describe('api-url: https except for localhost (enforced where the URL enters: the inputs)', () => {
  const inputs = (apiUrl: string) => validateInputs({ ...RUNNER_INPUTS, 'api-key': KEY, 'api-url': apiUrl });

  it.each([
    'https://api.diffray.example',
    'http://localhost:8787',
    'http://127.0.0.1:3000',
    'http://[::1]:1',
  ])('accepts %s', (url) => {
    expect(inputs(url).apiUrl).toBe(url);
  });

  it.each([
    'http://api.diffray.example',
    'http://localhost.evil.example',
    'http://127.0.0.1.nip.io',
    'http://10.0.0.5:8080',
  ])('refuses %s without echoing the key', (url) => {
    let message = '';
    try {
      inputs(url);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/api-url/);
    expect(message).not.toContain(KEY);
  });
});
