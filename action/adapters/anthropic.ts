// BaseAnthropic is the SDK's resource-less client: the same retries, timeouts, error classes and
// ANTHROPIC_BASE_URL handling as `Anthropic`, without bundling every API resource (~330 KB), which keeps
// dist/index.js under its size limit. It posts to the documented /v1/messages endpoint.
import { BaseAnthropic } from '@anthropic-ai/sdk/client';
import { APIError } from '@anthropic-ai/sdk/error';
import type { Middleware } from '@anthropic-ai/sdk/core/middleware';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type {
  ContentBlock,
  Message,
  MessageCreateParamsNonStreaming,
  RawMessageStreamEvent,
  ToolUseBlock,
} from '@anthropic-ai/sdk/resources/messages';
import { FINDINGS_TOOL, findingsTool, type ToolDefinition } from '../core/plan/prompt.js';
import { readFindingsAnswer, type FindingsAnswer } from '../core/findings/answer.js';
import { CONFIRM_TOOL, parseVerdicts } from '../core/findings/validation.js';
import { ANSWER_TOOL, parseAnswer } from '../core/plan/answer.js';
import type { RateBucket, RateLimitSnapshot } from '../core/plan/rate-budget.js';
import type { TokenUsage } from '../core/types.js';
import type {
  AnswerPort,
  AnswerResult,
  AttemptObserver,
  ConfirmRequest,
  ConfirmResult,
  ModelFailure,
  ModelPort,
  ModelRequest,
  ModelResult,
  TextResult,
} from '../ports.js';

/** SDK retries for 429 (honouring retry-after), 408/409, 5xx and 529; one loop, the SDK's. */
export const MODEL_MAX_RETRIES = 3;
/**
 * Per attempt until the answer starts, then the longest silence inside a streamed answer; a full review
 * answer (8k output tokens at ~60 tokens/s) fits well inside either.
 */
export const MODEL_TIMEOUT_MS = 300_000;

type Fetch = typeof fetch;

/**
 * A 429 without retry-after is a spend or quota cap, not a transient limit: retrying it only burns time.
 * The SDK retries every 429, so this tells it not to (its documented `x-should-retry` header).
 */
export function spendCapAwareFetch(inner: Fetch = fetch): Fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (res.status !== 429 || res.headers.has('retry-after') || res.headers.has('retry-after-ms')) return res;
    const headers = new Headers(res.headers);
    headers.set('x-should-retry', 'false');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

export interface AnthropicPortOptions {
  apiKey: string;
  maxRetries?: number;
  timeoutMs?: number;
}

/** ModelPort over the Messages API; the client is built here, never at import. */
export function createAnthropicPort(opts: AnthropicPortOptions): ModelPort & AnswerPort {
  const client = new BaseAnthropic({
    apiKey: opts.apiKey,
    maxRetries: opts.maxRetries ?? MODEL_MAX_RETRIES,
    timeout: opts.timeoutMs ?? MODEL_TIMEOUT_MS,
    fetch: spendCapAwareFetch(),
    // The SDK's debug log prints request bodies (code); diffray logs metadata itself.
    logLevel: 'off',
  });
  const timeoutMs = opts.timeoutMs ?? MODEL_TIMEOUT_MS;
  // Every answer is streamed: its headers, with the account's rate limits, arrive with the first token
  // rather than with the whole answer, so the run reads its budget seconds after each request goes out.
  const send: Send = async (body, hooks = {}) => {
    const stream = (await client.post('/v1/messages', {
      body: { ...body, stream: true },
      stream: true,
      ...(hooks.observer ? { middleware: [observeAttempts(hooks.observer)] } : {}),
    })) as unknown as Stream<RawMessageStreamEvent>;
    return collectStream(untilSilent(stream, timeoutMs), hooks.onFirstToken);
  };
  return {
    review: (request) => reviewWith(send, request),
    confirm: (request) => confirmWith(send, request),
    answer: (request) => answerWith(send, request),
    summarize: (request) => summarizeWith(send, request),
  };
}

type Tool = NonNullable<MessageCreateParamsNonStreaming['tools']>[number];

/**
 * One request answered once (no retry on a malformed answer): the message read by `read`, usage kept on
 * every path, API errors described rather than thrown. `tool` forces that tool call; without it, plain text.
 */
async function singleAnswer<R>(
  send: Send,
  request: ModelRequest,
  tool: ToolDefinition | undefined,
  read: (message: Message, usage: TokenUsage) => R | ModelFailure,
): Promise<R | ModelFailure> {
  const usage: TokenUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  try {
    const message = await send(
      {
        model: request.model,
        max_tokens: request.maxOutputTokens,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        system: [{ type: 'text', text: request.system }],
        ...(tool ? { tools: [tool as Tool], tool_choice: { type: 'tool' as const, name: tool.name } } : {}),
        messages: [{ role: 'user', content: request.user }],
      },
      hooksOf(request),
    );
    addUsage(usage, message);
    return read(message, usage);
  } catch (error) {
    return { ok: false, ...describeError(error), usage };
  }
}

/**
 * The validation request: one forced `confirm_findings` call, no retry on malformed output (the caller keeps
 * the findings when validation fails, so a second attempt would only add cost).
 */
export function confirmWith(send: Send, request: ConfirmRequest): Promise<ConfirmResult> {
  return singleAnswer(send, request, CONFIRM_TOOL, (message, usage): ConfirmResult => {
    const block = message.content?.find(
      (b): b is ToolUseBlock => b.type === 'tool_use' && b.name === CONFIRM_TOOL.name,
    );
    if (!block) return { ok: false, error: `no ${CONFIRM_TOOL.name} call in the answer`, usage };
    const parsed = parseVerdicts(block.input, request.count);
    return parsed.ok
      ? { ok: true, verdicts: parsed.verdicts, usage }
      : { ok: false, error: parsed.error, usage };
  });
}

/** A plain-text request (no tools): the answer's text blocks joined; an answer with none is a failure. */
export function summarizeWith(send: Send, request: ModelRequest): Promise<TextResult> {
  return singleAnswer(send, request, undefined, (message, usage): TextResult => {
    const text = (message.content ?? [])
      .flatMap((b) => (b.type === 'text' ? [b.text] : []))
      .join('\n')
      .trim();
    return text === '' ? { ok: false, error: 'no text in the answer', usage } : { ok: true, text, usage };
  });
}

/** A question in a diffray thread: one forced `answer_question` call, no retry (a person is waiting). */
export function answerWith(send: Send, request: ModelRequest): Promise<AnswerResult> {
  return singleAnswer(send, request, ANSWER_TOOL, (message, usage): AnswerResult => {
    const block = message.content?.find(
      (b): b is ToolUseBlock => b.type === 'tool_use' && b.name === ANSWER_TOOL.name,
    );
    if (!block) return { ok: false, error: `no ${ANSWER_TOOL.name} call in the answer`, usage };
    const parsed = parseAnswer(block.input);
    return parsed.ok ? { ok: true, answer: parsed.answer, usage } : { ok: false, error: parsed.error, usage };
  });
}

/**
 * Posts one Messages request, streamed, and assembles the events into the Message. `onFirstToken` is called
 * when the answer starts; `observer` sees each HTTP attempt (the SDK's retries included).
 */
export type Send = (body: MessageCreateParamsNonStreaming, hooks?: SendHooks) => Promise<Message>;

export interface SendHooks {
  onFirstToken?: () => void;
  observer?: AttemptObserver;
}

function hooksOf(request: ModelRequest, first = true): SendHooks {
  return {
    ...(first && request.onFirstToken ? { onFirstToken: request.onFirstToken } : {}),
    ...(request.observer ? { observer: request.observer } : {}),
  };
}

/**
 * Tells `observer` of every HTTP attempt of one request, the SDK's own retries included (per-request
 * middleware runs inside the SDK's retry loop): when it goes out, and the rate limits its answer states.
 * A 429 the SDK retries is seen here before the SDK waits out its retry-after.
 */
function observeAttempts(observer: AttemptObserver): Middleware {
  return async (request, next) => {
    observer.sent();
    const response = await next(request);
    observer.answered(parseRateLimits(response.headers, response.status));
    return response;
  };
}

const RATE_LIMIT_BUCKETS = {
  requests: 'requests',
  inputTokens: 'input-tokens',
  outputTokens: 'output-tokens',
  tokens: 'tokens',
} as const;

/**
 * The `anthropic-ratelimit-<bucket>-{limit,remaining,reset}` headers of one answer (resets are RFC 3339
 * times), and a 429's wait (`retry-after-ms`, else `retry-after` in seconds or as an HTTP date, as the SDK
 * reads them). A bucket missing any of its three headers, or with one unreadable, is left out.
 */
export function parseRateLimits(headers: Headers, status: number, now = Date.now()): RateLimitSnapshot {
  const snapshot: RateLimitSnapshot = { admitted: status >= 200 && status < 300 };
  for (const [key, name] of Object.entries(RATE_LIMIT_BUCKETS) as [
    keyof typeof RATE_LIMIT_BUCKETS,
    string,
  ][]) {
    const bucket = readBucket(headers, `anthropic-ratelimit-${name}`);
    if (bucket) snapshot[key] = bucket;
  }
  if (status === 429) {
    const retryAfterMs = readRetryAfter(headers, now);
    if (retryAfterMs !== undefined) snapshot.retryAfterMs = retryAfterMs;
  }
  return snapshot;
}

function readBucket(headers: Headers, prefix: string): RateBucket | undefined {
  const limit = Number(headers.get(`${prefix}-limit`) ?? NaN);
  const remaining = Number(headers.get(`${prefix}-remaining`) ?? NaN);
  const resetAt = Date.parse(headers.get(`${prefix}-reset`) ?? '');
  if (!(limit > 0) || !(remaining >= 0) || !Number.isFinite(resetAt)) return undefined;
  return { limit, remaining: Math.min(remaining, limit), resetAt };
}

function readRetryAfter(headers: Headers, now: number): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  if (ms >= 0) return ms;
  const text = headers.get('retry-after')?.trim();
  if (!text) return undefined;
  const seconds = Number(text);
  if (seconds >= 0) return seconds * 1000;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * The stream's events, aborting the request when none comes for `ms`: the SDK's timeout covers an attempt
 * until its answer starts, and a streamed answer that stalls after that would otherwise hold the run.
 */
async function* untilSilent<T>(stream: Stream<T>, ms: number): AsyncIterable<T> {
  let stalled = false;
  const timer = setTimeout(() => {
    stalled = true;
    stream.controller.abort();
  }, ms);
  try {
    for await (const event of stream) {
      timer.refresh();
      yield event;
    }
  } catch (error) {
    if (!stalled) throw error;
  } finally {
    clearTimeout(timer);
  }
  // Reported like a dropped connection (no status): this request fails, the others are unaffected.
  if (stalled) throw new APIError(undefined, undefined, `no answer event for ${ms} ms`, undefined);
}

/**
 * The Message a stream of events describes (message_start, content blocks with their deltas, message_delta
 * with the stop reason and final usage). Tool input arrives as JSON fragments; input that does not parse is
 * left as its raw text, which the schema then rejects (and the caller asks again), as for a malformed answer.
 */
export async function collectStream(
  events: AsyncIterable<RawMessageStreamEvent>,
  onFirstToken?: () => void,
): Promise<Message> {
  let message: Message | undefined;
  const json = new Map<number, string>();
  let started = false;
  for await (const event of events) {
    if (!started) {
      started = true;
      onFirstToken?.();
    }
    switch (event.type) {
      case 'message_start':
        message = { ...event.message, content: [] };
        break;
      case 'content_block_start':
        if (message) message.content[event.index] = { ...event.content_block } as ContentBlock;
        break;
      case 'content_block_delta': {
        const block = message?.content[event.index];
        if (event.delta.type === 'input_json_delta')
          json.set(event.index, (json.get(event.index) ?? '') + event.delta.partial_json);
        else if (event.delta.type === 'text_delta' && block?.type === 'text') block.text += event.delta.text;
        break;
      }
      case 'content_block_stop': {
        const block = message?.content[event.index];
        const raw = json.get(event.index);
        if (block?.type === 'tool_use' && raw !== undefined) block.input = parseJson(raw);
        break;
      }
      case 'message_delta':
        if (message) {
          message.stop_reason = event.delta.stop_reason;
          message.stop_sequence = event.delta.stop_sequence;
          const usage = event.usage as unknown as Record<string, number | null | undefined>;
          const merged = message.usage as unknown as Record<string, unknown>;
          for (const [key, value] of Object.entries(usage))
            if (typeof value === 'number') merged[key] = value;
        }
        break;
      default:
        break;
    }
  }
  // Reported like a dropped connection (no status): this request fails, the others are unaffected.
  if (!message) throw new APIError(undefined, undefined, 'the answer stream ended early', undefined);
  message.content = message.content.filter((b) => b !== undefined);
  return message;
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

const CORRECTION =
  'The report_findings input did not match its schema. Call report_findings again with input that matches ' +
  'the schema exactly: {"findings": [...]} (an empty list when there is nothing to report).';

/**
 * One forced tool call. Findings are read one by one (see core/findings/answer.ts): a bad finding is
 * repaired or dropped alone; only an answer that is no findings list at all is asked for once more, then
 * reported as a failure.
 */
export async function reviewWith(send: Send, request: ModelRequest): Promise<ModelResult> {
  const usage: TokenUsage = { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 };
  const params: MessageCreateParamsNonStreaming = {
    model: request.model,
    max_tokens: request.maxOutputTokens,
    system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
    tools: [findingsTool(request.walkthrough === true) as ToolDefinition as Tool],
    tool_choice: { type: 'tool', name: FINDINGS_TOOL.name },
    messages: [{ role: 'user', content: request.user }],
  };
  try {
    const first = await send(params, hooksOf(request));
    addUsage(usage, first);
    const parsed = parseToolInput(first);
    if (parsed.ok) return answered(parsed, usage);

    const toolUse = first.content.find((b): b is ToolUseBlock => b.type === 'tool_use');
    const retry: MessageCreateParamsNonStreaming = {
      ...params,
      messages: toolUse
        ? [
            ...params.messages,
            { role: 'assistant', content: [toolUse] },
            {
              role: 'user',
              content: [
                {
                  type: 'tool_result',
                  tool_use_id: toolUse.id,
                  is_error: true,
                  content: `${parsed.error}. ${CORRECTION}`,
                },
              ],
            },
          ]
        : [
            ...params.messages,
            { role: 'assistant', content: 'I will call report_findings.' },
            { role: 'user', content: CORRECTION },
          ],
    };
    const second = await send(retry, hooksOf(request, false));
    addUsage(usage, second);
    const again = parseToolInput(second);
    if (again.ok) return answered(again, usage);
    return {
      ok: false,
      error: `the model's findings were malformed twice (${again.error})`,
      usage,
    };
  } catch (error) {
    return { ok: false, ...describeError(error), usage };
  }
}

function addUsage(total: TokenUsage, message: Message): void {
  const u = message.usage;
  total.input += u?.input_tokens ?? 0;
  total.cacheWrite += u?.cache_creation_input_tokens ?? 0;
  total.cacheRead += u?.cache_read_input_tokens ?? 0;
  total.output += u?.output_tokens ?? 0;
}

function answered(answer: Extract<FindingsAnswer, { ok: true }>, usage: TokenUsage): ModelResult {
  const { findings, dropped, repaired, walkthrough } = answer;
  return {
    ok: true,
    findings,
    usage,
    ...(dropped.length > 0 || repaired > 0 ? { repairs: { dropped, repaired } } : {}),
    ...(walkthrough ? { walkthrough } : {}),
  };
}

export function parseToolInput(message: Message): FindingsAnswer {
  const block = message.content?.find(
    (b): b is ToolUseBlock => b.type === 'tool_use' && b.name === FINDINGS_TOOL.name,
  );
  if (!block)
    return {
      ok: false,
      error: `no ${FINDINGS_TOOL.name} call in the answer (stop reason ${message.stop_reason ?? 'unknown'})`,
    };
  const answer = readFindingsAnswer(block.input);
  if (answer.ok) return answer;
  const truncated = message.stop_reason === 'max_tokens' ? ' (answer cut at max_tokens)' : '';
  return { ok: false, error: `${answer.error}${truncated}` };
}

/** Status, error type and request id only: never the prompt, the response body or the key. */
export function describeError(error: unknown): Pick<ModelFailure, 'error' | 'blocks'> {
  if (error instanceof APIError) {
    const status = error.status;
    const parts = [status === undefined ? 'connection error' : `HTTP ${status}`];
    if (error.type) parts.push(error.type);
    if (error.requestID) parts.push(`request id ${error.requestID}`);
    const spendCap = status === 429 && !error.headers?.get('retry-after');
    const hint =
      status === 401
        ? ': check anthropic-api-key'
        : status === 403
          ? ': the key may not use this model'
          : spendCap
            ? ': spend or quota limit reached'
            : '';
    const blocks =
      status === 401 || spendCap ? 'account' : status === 403 || status === 404 ? 'model' : undefined;
    return { error: `Anthropic API ${parts.join(', ')}${hint}`, ...(blocks ? { blocks } : {}) };
  }
  const name = error instanceof Error ? error.name : 'unknown error';
  return { error: `Anthropic request failed (${name})` };
}
