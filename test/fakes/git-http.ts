/**
 * A git smart-HTTP server (`git http-backend` behind a CGI bridge) standing in for GitHub's git endpoint
 * with its credential check: a request must carry `Authorization: Basic base64(x-access-token:<token>)`,
 * the form GitHub accepts for a workflow token; anything else gets 401 with a Basic challenge, as GitHub
 * answers for a private repository. Serves every bare repository under `root`.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer } from './server.js';

export interface GitHttpRequest {
  method: string;
  path: string;
  /** The Authorization header as received, if any (tests assert where a token went). */
  authorization: string | undefined;
}

export class FakeGitHttp extends FakeServer {
  readonly requests: GitHttpRequest[] = [];

  constructor(
    private readonly root: string,
    private readonly token: string,
  ) {
    super();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const authorization = req.headers.authorization;
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, authorization });
    const expected = Buffer.from(`x-access-token:${this.token}`, 'utf8').toString('base64');
    const [scheme, credentials] = (authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'basic' || credentials !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const output = await this.backend(req, url, body);
    const split = output.indexOf('\r\n\r\n');
    const head = output.subarray(0, split).toString('latin1').split('\r\n');
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers).end(output.subarray(split + 4));
  }

  /** Runs `git http-backend` as the CGI program for this request and returns what it printed. */
  private backend(req: IncomingMessage, url: URL, body: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH ?? '',
          GIT_PROJECT_ROOT: this.root,
          GIT_HTTP_EXPORT_ALL: '1',
          GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
          REQUEST_METHOD: req.method ?? 'GET',
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
          CONTENT_LENGTH: String(body.length),
          HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
          REMOTE_ADDR: '127.0.0.1',
        },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const out: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.on('error', reject);
      child.on('close', () => resolve(Buffer.concat(out)));
      child.stdin.end(body);
    });
  }
}
