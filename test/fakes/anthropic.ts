/**
 * A fake Anthropic Messages API (POST /v1/messages) on 127.0.0.1. Each answer is scripted by a function of
 * the request, so tests can return findings that reference the diff the action sent; it answers with a
 * forced tool_use block and usage numbers (cache writes on the first sight of a system prefix, cache reads
 * after), and can answer 429 with retry-after, 529 overloaded, or malformed tool input on demand.
 * Every request is recorded (raw body included) so tests can assert what reached the model.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system: { type: string; text: string; cache_control?: { type: string } }[];
  tools: { name: string; input_schema: unknown }[];
  tool_choice: { type: string; name: string };
  messages: { role: string; content: unknown }[];
}

export interface RecordedMessage {
  raw: string;
  body: MessagesRequest;
  headers: IncomingMessage['headers'];
}

export type FakeReply =
  | { findings: unknown[] }
  /** Tool input as given, valid or not. */
  | { toolInput: unknown }
  | { status: 429; retryAfter?: number }
  | { status: 529 }
  | { status: number; type: string; message: string };

/** `n` counts requests from 0 (retries included). */
export type Script = (request: MessagesRequest, n: number) => FakeReply;

export class FakeAnthropic {
  readonly requests: RecordedMessage[] = [];
  private readonly seenPrefixes = new Set<string>();
  private server = createServer((req, res) => void this.handle(req, res));

  constructor(
    private script: Script,
    private readonly latencyMs = 0,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setScript(script: Script): void {
    this.script = script;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Everything the action sent to the model, as one string (for "never reached the model" checks). */
  allSentText(): string {
    return this.requests.map((r) => r.raw).join('\n');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': `req_fake_${this.requests.length}`,
        ...headers,
      });
      res.end(JSON.stringify(data));
    };
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/v1/messages') {
      return send(404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
    }
    const body = JSON.parse(raw) as MessagesRequest;
    const n = this.requests.length;
    this.requests.push({ raw, body, headers: req.headers });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const reply = this.script(body, n);

    if ('status' in reply) {
      if (reply.status === 429 && !('type' in reply)) {
        const { retryAfter } = reply as { retryAfter?: number };
        const headers: Record<string, string> =
          retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
        return send(
          429,
          { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } },
          headers,
        );
      }
      if (reply.status === 529)
        return send(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      const r = reply as { status: number; type: string; message: string };
      return send(r.status, { type: 'error', error: { type: r.type, message: r.message } });
    }
    const input = 'findings' in reply ? { findings: reply.findings } : reply.toolInput;
    const systemText = body.system.map((s) => s.text).join('');
    const prefixTokens = Math.ceil(systemText.length / 4);
    const cached = this.seenPrefixes.has(systemText);
    this.seenPrefixes.add(systemText);
    const userTokens = Math.ceil(JSON.stringify(body.messages).length / 4);
    send(200, {
      id: `msg_fake_${n}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'tool_use', id: `toolu_fake_${n}`, name: body.tool_choice.name, input }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: userTokens,
        cache_creation_input_tokens: cached ? 0 : prefixTokens,
        cache_read_input_tokens: cached ? prefixTokens : 0,
        output_tokens: Math.ceil(JSON.stringify(input).length / 4),
      },
    });
  }
}

export async function startFakeAnthropic(
  script: Script,
  opts: { latencyMs?: number } = {},
): Promise<FakeAnthropic> {
  return new FakeAnthropic(script, opts.latencyMs).start();
}

/** The user message text of a request (the chunk's diff, context and PR text). */
export function userText(request: MessagesRequest): string {
  const content = request.messages[0]?.content;
  if (typeof content === 'string') return content;
  return JSON.stringify(content);
}

/** A finding as the model would report it, with overrides. */
export function modelFinding(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    path: 'src/app.ts',
    line: 1,
    severity: 'medium',
    category: 'correctness',
    title: 'Possible bug',
    body: 'This looks wrong.',
    confidence: 0.8,
    ...overrides,
  };
}
