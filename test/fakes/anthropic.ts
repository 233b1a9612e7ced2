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
 *
 * It can also enforce an account tier's rate limits (`rateLimits`) as Anthropic describes them: per model,
 * token buckets of requests, input tokens and output tokens a minute, replenished continuously up to the
 * limit. Input counts the uncached prompt and cache writes (cache reads are free); output is reserved at
 * `max_tokens` when a request is admitted and the unused part given back when its answer ends. Every answer
 * then carries the `anthropic-ratelimit-*` headers (limit, remaining, reset as an RFC 3339 time), stated
 * when the request was admitted or refused, and a request a bucket cannot cover is answered 429 with
 * `retry-after` in whole seconds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, readBody } from './server.js';

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system: { type: string; text: string; cache_control?: { type: string } }[];
  tools: { name: string; input_schema: unknown }[];
  /** Absent on a plain-text request (the PR-wide overview). */
  tool_choice?: { type: string; name: string };
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
  /** The answer's HTTP status. */
  status?: number;
  /** With `rateLimits`: the input tokens the request counted against the input limit, if admitted. */
  countedInput?: number;
}

/** An account tier's limits, per model, as Anthropic publishes them: each a minute. */
export interface TierLimits {
  requestsPerMinute: number;
  inputTokensPerMinute: number;
  outputTokensPerMinute: number;
  /**
   * How long the tier's minute lasts here (default 60,000 ms). Shorter, the buckets replenish faster with
   * the same published limits: time is scaled, not the limits.
   */
  minuteMs?: number;
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
  /** Enforce these rate limits (see the module's comment); unset, answers carry no rate-limit headers. */
  rateLimits?: TierLimits;
}

export type FakeReply =
  /** `walkthrough`, when given, goes into the tool input beside the findings. */
  | { findings: unknown[]; walkthrough?: unknown }
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

/** By default the validator gives every finding it is shown the top score. */
export const confirmAll: ConfirmScript = (_request, count) => ({
  verdicts: Array.from({ length: count }, (_, index) => ({ index, score: 100, reason: 'confirmed' })),
});

export class FakeAnthropic extends FakeServer {
  readonly requests: RecordedMessage[] = [];
  private readonly seenPrefixes = new Set<string>();
  /** realisticCache: prefix → when it becomes readable and when it expires. */
  private readonly cacheEntries = new Map<string, { readyAt: number; expiresAt: number }>();
  private readonly opts: FakeAnthropicOptions;
  private readonly limiter: RateLimiter | undefined;

  constructor(
    private script: Script,
    latency: number | FakeAnthropicOptions = 0,
  ) {
    super();
    this.opts = typeof latency === 'number' ? { latencyMs: latency } : latency;
    this.limiter = this.opts.rateLimits ? new RateLimiter(this.opts.rateLimits) : undefined;
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

  /** The requests answered 429, in order. */
  rateLimited(): RecordedMessage[] {
    return this.requests.filter((r) => r.status === 429);
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    // The rate-limit headers of the tier, stated when the request is admitted or refused.
    let limitHeaders: Record<string, string> = {};
    const sendJson = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'request-id': `req_fake_${this.requests.length}`,
        ...limitHeaders,
        ...headers,
      });
      res.end(JSON.stringify(data));
    };
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/v1/messages') {
      return sendJson(404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } });
    }
    const receivedAt = performance.now();
    const body = JSON.parse(raw) as MessagesRequest;
    const n = this.requests.length;
    const record: RecordedMessage = { raw, body, headers: req.headers };
    this.requests.push(record);
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      sendJson(status, data, headers);
    };
    if (this.limiter) {
      const { input_tokens, cache_creation_input_tokens } = this.inputUsage(body, receivedAt, false);
      const counted = input_tokens + cache_creation_input_tokens;
      const verdict = this.limiter.admit(body.model, { input: counted, output: body.max_tokens }, Date.now());
      limitHeaders = verdict.headers;
      if (verdict.retryAfterSeconds !== undefined) {
        return send(
          429,
          { type: 'error', error: { type: 'rate_limit_error', message: `Rate limited: ${verdict.reason}` } },
          { 'retry-after': String(verdict.retryAfterSeconds) },
        );
      }
      record.countedInput = counted;
    }
    // An admitted request that ends without an answer gives its whole output reservation back.
    let outputUsed = 0;
    res.on('close', () => this.limiter?.release(body.model, body.max_tokens - outputUsed, Date.now()));
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    // A request without a forced tool (the PR-wide overview) is answered in plain text.
    const reply: FakeReply | ConfirmReply | { text: string } =
      body.tool_choice === undefined
        ? { text: this.overviewScript(body) }
        : body.tool_choice.name === 'confirm_findings'
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
    const text = 'text' in reply ? reply.text : undefined;
    const input =
      'text' in reply
        ? undefined
        : 'findings' in reply
          ? {
              findings: reply.findings,
              ...('walkthrough' in reply ? { walkthrough: reply.walkthrough } : {}),
            }
          : 'verdicts' in reply
            ? { verdicts: reply.verdicts }
            : reply.toolInput;
    const usage = {
      ...this.inputUsage(body, receivedAt, true),
      output_tokens: this.count(text ?? JSON.stringify(input)),
    };
    outputUsed = usage.output_tokens;
    const firstTokenAt = receivedAt + (this.opts.firstTokenMs ?? 0);
    const rate = this.opts.outputTokensPerSecond;
    const doneAt = firstTokenAt + (rate ? (usage.output_tokens / rate) * 1000 : 0);
    const until = async (at: number) => {
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    };
    if (body.stream === true) {
      await until(firstTokenAt);
      record.status = 200;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'request-id': `req_fake_${n}`,
        ...limitHeaders,
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
      if (text !== undefined) {
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
      } else {
        event('content_block_start', {
          index: 0,
          content_block: { type: 'tool_use', id: `toolu_fake_${n}`, name: body.tool_choice!.name, input: {} },
        });
        // The input in two fragments, as the real API splits it.
        const json = JSON.stringify(input);
        const half = Math.floor(json.length / 2);
        for (const part of [json.slice(0, half), json.slice(half)])
          event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } });
      }
      await until(doneAt);
      record.usage = usage;
      record.timing = { receivedAt, firstTokenAt, doneAt: performance.now() };
      event('content_block_stop', { index: 0 });
      event('message_delta', {
        delta: { stop_reason: text !== undefined ? 'end_turn' : 'tool_use', stop_sequence: null },
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
      content:
        text !== undefined
          ? [{ type: 'text', text }]
          : [{ type: 'tool_use', id: `toolu_fake_${n}`, name: body.tool_choice!.name, input }],
      stop_reason: text !== undefined ? 'end_turn' : 'tool_use',
      stop_sequence: null,
      usage,
    });
  }

  /** Overview requests (no forced tool), in arrival order. */
  textRequests(): RecordedMessage[] {
    return this.requests.filter((r) => r.body.tool_choice === undefined);
  }

  private overviewScript: (request: MessagesRequest) => string = () =>
    'The change reworks the modules listed; each part uses the helpers the others define.';

  /** Scripts the plain-text answers (the PR-wide overview of a split review). */
  setTextScript(script: (request: MessagesRequest) => string): void {
    this.overviewScript = script;
  }

  private count(text: string): number {
    return this.opts.countTokens ? this.opts.countTokens(text) : Math.ceil(text.length / 4);
  }

  /**
   * The input side of the usage: what a request is billed for its prompt, and so what it counts against the
   * input limit. `commit` records the cache writes it makes (off for the rate-limit check before admission).
   */
  private inputUsage(body: MessagesRequest, now: number, commit: boolean): Omit<FakeUsage, 'output_tokens'> {
    return this.opts.realisticCache
      ? this.realisticInput(body, now, this.opts.realisticCache, commit)
      : this.simpleInput(body, commit);
  }

  private simpleInput(body: MessagesRequest, commit: boolean): Omit<FakeUsage, 'output_tokens'> {
    const systemText = body.system.map((s) => s.text).join('');
    const prefixTokens = this.count(systemText);
    const cached = this.seenPrefixes.has(systemText);
    if (commit) this.seenPrefixes.add(systemText);
    return {
      input_tokens: this.count(JSON.stringify(body.messages)),
      cache_creation_input_tokens: cached ? 0 : prefixTokens,
      cache_read_input_tokens: cached ? prefixTokens : 0,
    };
  }

  private realisticInput(
    body: MessagesRequest,
    now: number,
    cache: { minPrefixTokens: number; ttlMs?: number },
    commit: boolean,
  ): Omit<FakeUsage, 'output_tokens'> {
    const prefix = JSON.stringify(body.tools) + body.system.map((s) => s.text).join('');
    const prefixTokens = this.count(prefix);
    const messageTokens = body.messages.reduce((n, m) => n + this.count(messageText(m.content)), 0);
    const cacheable = body.system.some((s) => s.cache_control) && prefixTokens >= cache.minPrefixTokens;
    if (!cacheable) {
      return {
        input_tokens: prefixTokens + messageTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      };
    }
    const ttl = cache.ttlMs ?? 300_000;
    // Caches are per model: the same prefix sent to another model is written again.
    const key = `${body.model}\n${prefix}`;
    const entry = this.cacheEntries.get(key);
    const hit = entry !== undefined && entry.readyAt <= now && entry.expiresAt > now;
    if (commit && hit) entry.expiresAt = now + ttl;
    else if (commit && (entry === undefined || entry.expiresAt <= now)) {
      this.cacheEntries.set(key, { readyAt: now + (this.opts.firstTokenMs ?? 0), expiresAt: now + ttl });
    }
    return {
      input_tokens: messageTokens,
      cache_creation_input_tokens: hit ? 0 : prefixTokens,
      cache_read_input_tokens: hit ? prefixTokens : 0,
    };
  }
}

/** A bucket replenished continuously at `limit` per `minuteMs`, up to `limit`; it starts full. */
class Bucket {
  private level: number;
  private at: number;

  constructor(
    readonly limit: number,
    private readonly minuteMs: number,
    now: number,
  ) {
    this.level = limit;
    this.at = now;
  }

  private get perMs(): number {
    return this.limit / this.minuteMs;
  }

  levelAt(now: number): number {
    return Math.min(this.limit, this.level + (now - this.at) * this.perMs);
  }

  /** How long until it holds `amount` (all of it, for more than it can hold). */
  waitFor(amount: number, now: number): number {
    return Math.max(0, (Math.min(amount, this.limit) - this.levelAt(now)) / this.perMs);
  }

  add(amount: number, now: number): void {
    this.level = Math.min(this.limit, this.levelAt(now) + amount);
    this.at = now;
  }

  /** The headers stating it: remaining rounded (to the thousand for tokens), reset when it is full again. */
  headers(name: string, now: number, roundTo: number): Record<string, string> {
    const level = this.levelAt(now);
    const remaining = Math.max(0, Math.round(level / roundTo) * roundTo);
    const resetAt = now + (this.limit - level) / this.perMs;
    return {
      [`anthropic-ratelimit-${name}-limit`]: String(this.limit),
      [`anthropic-ratelimit-${name}-remaining`]: String(Math.min(remaining, this.limit)),
      [`anthropic-ratelimit-${name}-reset`]: new Date(Math.ceil(resetAt)).toISOString(),
    };
  }
}

/** The tier's buckets, per model. */
class RateLimiter {
  private readonly models = new Map<string, { requests: Bucket; input: Bucket; output: Bucket }>();

  constructor(private readonly tier: TierLimits) {}

  private bucketsOf(model: string, now: number) {
    let buckets = this.models.get(model);
    if (!buckets) {
      const minute = this.tier.minuteMs ?? 60_000;
      buckets = {
        requests: new Bucket(this.tier.requestsPerMinute, minute, now),
        input: new Bucket(this.tier.inputTokensPerMinute, minute, now),
        output: new Bucket(this.tier.outputTokensPerMinute, minute, now),
      };
      this.models.set(model, buckets);
    }
    return buckets;
  }

  /** Admits the request (taking its cost) or refuses it with the wait; the headers say where the buckets stand. */
  admit(
    model: string,
    cost: { input: number; output: number },
    now: number,
  ): { headers: Record<string, string>; retryAfterSeconds?: number; reason?: string } {
    const b = this.bucketsOf(model, now);
    const short = (
      [
        ['requests', b.requests, 1],
        ['input tokens', b.input, cost.input],
        ['output tokens', b.output, cost.output],
      ] as const
    ).filter(([, bucket, amount]) => bucket.levelAt(now) < Math.min(amount, bucket.limit));
    if (short.length === 0) {
      b.requests.add(-1, now);
      b.input.add(-cost.input, now);
      b.output.add(-cost.output, now);
    }
    const headers = this.headers(b, now);
    if (short.length === 0) return { headers };
    const waitMs = Math.max(...short.map(([, bucket, amount]) => bucket.waitFor(amount, now)));
    return {
      headers,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      reason: `this request would exceed the ${short.map(([name]) => name).join(' and ')} per minute limit`,
    };
  }

  /** Output reserved at admission and not used, given back when the answer ends. */
  release(model: string, output: number, now: number): void {
    if (output > 0) this.bucketsOf(model, now).output.add(output, now);
  }

  private headers(
    b: { requests: Bucket; input: Bucket; output: Bucket },
    now: number,
  ): Record<string, string> {
    // `tokens` states the most restrictive token limit: the one closest to empty, relatively.
    const tight =
      b.input.levelAt(now) / b.input.limit <= b.output.levelAt(now) / b.output.limit ? b.input : b.output;
    return {
      ...b.requests.headers('requests', now, 1),
      ...b.input.headers('input-tokens', now, 1000),
      ...b.output.headers('output-tokens', now, 1000),
      ...tight.headers('tokens', now, 1000),
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
