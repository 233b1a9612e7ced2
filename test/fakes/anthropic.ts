/**
 * A fake Anthropic Messages API (POST /v1/messages) on 127.0.0.1. Each answer is scripted by a function of
 * the request, so tests can return findings that reference the diff the action sent; it answers with a
 * forced tool_use block and usage numbers (cache writes on the first sight of a system prefix, cache reads
 * after), and can answer 429 with retry-after, 529 overloaded, or malformed tool input on demand.
 * Every request is recorded (raw body included) so tests can assert what reached the model.
 *
 * For benchmarks it can also behave like the real service in time and caching (`FakeAnthropicOptions`):
 * a time to first token plus an output rate, and a prompt cache that holds only prefixes above a minimum
 * length and becomes readable only once the writing request's first token is out (so requests sent at
 * the same moment with a new prefix all pay the cache write, as they do on the real API).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, readBody } from './server.js';

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system: { type: string; text: string; cache_control?: { type: string } }[];
  tools: { name: string; input_schema: unknown }[];
  tool_choice: { type: string; name: string };
  messages: { role: string; content: unknown }[];
  /** Server-sent events: message_start at the first token, the tool input, then message_stop. */
  stream?: boolean;
}

export interface RecordedMessage {
  raw: string;
  body: MessagesRequest;
  headers: IncomingMessage['headers'];
  /** The usage the fake answered with (successful answers only). */
  usage?: FakeUsage;
  /** When the request arrived, its first token was due, and its answer was sent (performance.now() ms). */
  timing?: { receivedAt: number; firstTokenAt: number; doneAt: number };
}

export interface FakeUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

export interface FakeAnthropicOptions {
  /** A fixed delay before every answer (errors included). */
  latencyMs?: number;
  /** Time to first token of a successful answer; the answer is sent after this plus the output time. */
  firstTokenMs?: number;
  /** Output tokens per second after the first token (unset: output takes no time). */
  outputTokensPerSecond?: number;
  /** Token counter for usage; default: characters ÷ 4 of the JSON, as before. */
  countTokens?: (text: string) => number;
  /**
   * The real API's cache behaviour instead of the simple one: the cached prefix is tools + system, a
   * prefix shorter than `minPrefixTokens` is never cached (it is billed as uncached input), an entry is
   * readable from its writer's first token on and lives `ttlMs` after its last use. The uncached input is
   * then the user message's text, not its JSON.
   */
  realisticCache?: { minPrefixTokens: number; ttlMs?: number };
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

/** A validation answer: tool input for confirm_findings, or a fault. */
export type ConfirmReply = { verdicts: unknown[] } | Exclude<FakeReply, { findings: unknown[] }>;
/** Scripts `confirm_findings` requests (the validation pass); `count` is the number of findings listed. */
export type ConfirmScript = (request: MessagesRequest, count: number) => ConfirmReply;

/** By default the validator confirms every finding it is shown. */
export const confirmAll: ConfirmScript = (_request, count) => ({
  verdicts: Array.from({ length: count }, (_, index) => ({ index, confirmed: true, reason: 'confirmed' })),
});

export class FakeAnthropic extends FakeServer {
  readonly requests: RecordedMessage[] = [];
  private readonly seenPrefixes = new Set<string>();
  /** realisticCache: prefix → when it becomes readable and when it expires. */
  private readonly cacheEntries = new Map<string, { readyAt: number; expiresAt: number }>();
  private readonly opts: FakeAnthropicOptions;

  constructor(
    private script: Script,
    latency: number | FakeAnthropicOptions = 0,
  ) {
    super();
    this.opts = typeof latency === 'number' ? { latencyMs: latency } : latency;
  }

  private get latencyMs(): number {
    return this.opts.latencyMs ?? 0;
  }

  setScript(script: Script): void {
    this.script = script;
  }

  private confirmScript: ConfirmScript = confirmAll;

  /** Scripts the validation pass's answers (default: every finding confirmed). */
  setConfirmScript(script: ConfirmScript): void {
    this.confirmScript = script;
  }

  /** Review requests (report_findings), in arrival order. */
  reviewRequests(): RecordedMessage[] {
    return this.requests.filter((r) => r.body.tool_choice?.name === 'report_findings');
  }

  /** Validation requests (confirm_findings), in arrival order. */
  confirmRequests(): RecordedMessage[] {
    return this.requests.filter((r) => r.body.tool_choice?.name === 'confirm_findings');
  }

  /** Everything the action sent to the model, as one string (for "never reached the model" checks). */
  allSentText(): string {
    return this.requests.map((r) => r.raw).join('\n');
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
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
    const receivedAt = performance.now();
    const body = JSON.parse(raw) as MessagesRequest;
    const n = this.requests.length;
    const record: RecordedMessage = { raw, body, headers: req.headers };
    this.requests.push(record);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const reply: FakeReply | ConfirmReply =
      body.tool_choice?.name === 'confirm_findings'
        ? this.confirmScript(body, (userText(body).match(/^\[\d+\] /gm) ?? []).length)
        : this.script(body, n);

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
    const input =
      'findings' in reply
        ? { findings: reply.findings }
        : 'verdicts' in reply
          ? { verdicts: reply.verdicts }
          : reply.toolInput;
    const usage = this.opts.realisticCache
      ? this.realisticUsage(body, input, receivedAt, this.opts.realisticCache)
      : this.simpleUsage(body, input);
    const firstTokenAt = receivedAt + (this.opts.firstTokenMs ?? 0);
    const rate = this.opts.outputTokensPerSecond;
    const doneAt = firstTokenAt + (rate ? (usage.output_tokens / rate) * 1000 : 0);
    const until = async (at: number) => {
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    };
    if (body.stream === true) {
      await until(firstTokenAt);
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'request-id': `req_fake_${n}`,
      });
      const event = (type: string, data: Record<string, unknown>) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      const { output_tokens, ...inputUsage } = usage;
      event('message_start', {
        message: {
          id: `msg_fake_${n}`,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...inputUsage, output_tokens: 1 },
        },
      });
      event('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: `toolu_fake_${n}`, name: body.tool_choice.name, input: {} },
      });
      // The input in two fragments, as the real API splits it.
      const json = JSON.stringify(input);
      const half = Math.floor(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)])
        event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } });
      await until(doneAt);
      record.usage = usage;
      record.timing = { receivedAt, firstTokenAt, doneAt: performance.now() };
      event('content_block_stop', { index: 0 });
      event('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens },
      });
      event('message_stop', {});
      res.end();
      return;
    }
    await until(doneAt);
    record.usage = usage;
    record.timing = { receivedAt, firstTokenAt, doneAt: performance.now() };
    send(200, {
      id: `msg_fake_${n}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'tool_use', id: `toolu_fake_${n}`, name: body.tool_choice.name, input }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage,
    });
  }

  private count(text: string): number {
    return this.opts.countTokens ? this.opts.countTokens(text) : Math.ceil(text.length / 4);
  }

  private simpleUsage(body: MessagesRequest, input: unknown): FakeUsage {
    const systemText = body.system.map((s) => s.text).join('');
    const prefixTokens = this.count(systemText);
    const cached = this.seenPrefixes.has(systemText);
    this.seenPrefixes.add(systemText);
    return {
      input_tokens: this.count(JSON.stringify(body.messages)),
      cache_creation_input_tokens: cached ? 0 : prefixTokens,
      cache_read_input_tokens: cached ? prefixTokens : 0,
      output_tokens: this.count(JSON.stringify(input)),
    };
  }

  private realisticUsage(
    body: MessagesRequest,
    input: unknown,
    now: number,
    cache: { minPrefixTokens: number; ttlMs?: number },
  ): FakeUsage {
    const prefix = JSON.stringify(body.tools) + body.system.map((s) => s.text).join('');
    const prefixTokens = this.count(prefix);
    const messageTokens = body.messages.reduce((n, m) => n + this.count(messageText(m.content)), 0);
    const output_tokens = this.count(JSON.stringify(input));
    const cacheable = body.system.some((s) => s.cache_control) && prefixTokens >= cache.minPrefixTokens;
    if (!cacheable) {
      return {
        input_tokens: prefixTokens + messageTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens,
      };
    }
    const ttl = cache.ttlMs ?? 300_000;
    // Caches are per model: the same prefix sent to another model is written again.
    const key = `${body.model}\n${prefix}`;
    const entry = this.cacheEntries.get(key);
    const hit = entry !== undefined && entry.readyAt <= now && entry.expiresAt > now;
    if (hit) entry.expiresAt = now + ttl;
    else if (entry === undefined || entry.expiresAt <= now) {
      this.cacheEntries.set(key, { readyAt: now + (this.opts.firstTokenMs ?? 0), expiresAt: now + ttl });
    }
    return {
      input_tokens: messageTokens,
      cache_creation_input_tokens: hit ? 0 : prefixTokens,
      cache_read_input_tokens: hit ? prefixTokens : 0,
      output_tokens,
    };
  }
}

/** The text of a message's content: a string, or its text and tool blocks' text. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return JSON.stringify(content);
  return content
    .map((block: Record<string, unknown>) =>
      typeof block.text === 'string'
        ? block.text
        : typeof block.content === 'string'
          ? block.content
          : JSON.stringify(block.input ?? block.content ?? ''),
    )
    .join('\n');
}

export async function startFakeAnthropic(
  script: Script,
  opts: FakeAnthropicOptions = {},
): Promise<FakeAnthropic> {
  return new FakeAnthropic(script, opts).start();
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

/** Answers with the findings whose file is in the request, as a model sees only the files it is sent. */
export function findingsFor(...findings: Record<string, unknown>[]): Script {
  return (request) => ({
    findings: findings.filter((f) => userText(request).includes(`## ${String(f.path)}`)),
  });
}
