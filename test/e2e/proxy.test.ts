import { execFileSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { closeNow, listenOnLoopback } from '../fakes/server.js';
import { BUNDLE_NODE, startPr } from './harness.js';

/**
 * A forward proxy that records each request it relays: CONNECT tunnels (how fetch's proxy agent reaches
 * any origin) and absolute-form requests (how a plain HTTP proxy client asks).
 */
async function startForwardProxy(): Promise<{ url: string; relayed: string[]; close(): Promise<void> }> {
  const relayed: string[] = [];
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    relayed.push(`${req.method} ${target.host}`);
    const upstream = request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket, head) => {
    relayed.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return { url: await listenOnLoopback(server), relayed, close: () => closeNow(server) };
}

const nodeMajor = Number(/^v(\d+)/.exec(execFileSync(BUNDLE_NODE, ['--version'], { encoding: 'utf8' }))?.[1]);

// The README tells self-hosted runners behind a proxy to set NODE_USE_ENV_PROXY=1 beside HTTP(S)_PROXY.
// Node 24 (the action's runtime) has it; CI runs this file again on Node 24.
describe.skipIf(nodeMajor < 24)('the bundled action behind a proxy (Node 24, NODE_USE_ENV_PROXY=1)', () => {
  it('sends its GitHub and Anthropic requests through the proxy and still completes the review', async () => {
    const { github, anthropic, run, close } = await startPr({
      base: { 'src/app.ts': 'export const a = 1;\n' },
      head: { 'src/app.ts': 'export const a = 2;\n' },
      script: () => ({ findings: [] }),
    });
    onTestFinished(close);
    const proxy = await startForwardProxy();
    onTestFinished(proxy.close);

    const result = await run({
      env: { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
    });

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(github.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    const hosts = new Set(proxy.relayed.map((r) => r.split(' ')[1]));
    expect(hosts).toContain(new URL(github.url).host);
    expect(hosts).toContain(new URL(anthropic.url).host);
  });
});
