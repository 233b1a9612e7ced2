/**
 * The HTTP plumbing the fakes and the small stub servers share: a server on a free port of 127.0.0.1 (the
 * only host the network guard lets tests reach), its request bodies, and a teardown that does not wait.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on a free loopback port and returns its base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops `server` now: keep-alive connections are cut, so a test's teardown never waits on a client. */
export async function closeNow(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A fake service: subclasses answer each request in `handle`. */
export abstract class FakeServer {
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private baseUrl: string | undefined;

  get url(): string {
    if (this.baseUrl === undefined) throw new Error('the fake server is not started');
    return this.baseUrl;
  }

  async start(): Promise<this> {
    this.baseUrl = await listenOnLoopback(this.server);
    return this;
  }

  close(): Promise<void> {
    return closeNow(this.server);
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
