import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicPort, parseRateLimits } from '../../../../action/adapters/anthropic.js';
import type { RateLimitSnapshot } from '../../../../action/core/plan/rate-budget.js';
import { modelFinding, startFakeAnthropic, type FakeAnthropic } from '../../../fakes/anthropic.js';
import { closeNow, listenOnLoopback } from '../../../fakes/server.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');

function headersOf(values: Record<string, string>): Headers {
  return new Headers(values);
}

/** The three headers of one bucket, as Anthropic sends them. */
function bucketHeaders(
  name: string,
  limit: number,
  remaining: number,
  reset: string,
): Record<string, string> {
  return {
    [`anthropic-ratelimit-${name}-limit`]: String(limit),
    [`anthropic-ratelimit-${name}-remaining`]: String(remaining),
    [`anthropic-ratelimit-${name}-reset`]: reset,
  };
}

describe('parseRateLimits', () => {
  it('reads every bucket of a successful answer, resets as RFC 3339 times', () => {
    const headers = headersOf({
      ...bucketHeaders('requests', 4000, 3999, '2026-03-02T10:00:00Z'),
      ...bucketHeaders('input-tokens', 2_000_000, 1_940_000, '2026-03-02T10:00:02Z'),
      ...bucketHeaders('output-tokens', 400_000, 392_000, '2026-03-02T10:00:01.250Z'),
      ...bucketHeaders('tokens', 400_000, 392_000, '2026-03-02T10:00:01.250Z'),
    });
    expect(parseRateLimits(headers, 200, NOW)).toEqual({
      admitted: true,
      requests: { limit: 4000, remaining: 3999, resetAt: NOW },
      inputTokens: { limit: 2_000_000, remaining: 1_940_000, resetAt: NOW + 2_000 },
      outputTokens: { limit: 400_000, remaining: 392_000, resetAt: NOW + 1_250 },
      tokens: { limit: 400_000, remaining: 392_000, resetAt: NOW + 1_250 },
    } satisfies RateLimitSnapshot);
  });

  it('says nothing of the limits when the headers are missing, and leaves out a bucket missing one', () => {
    expect(parseRateLimits(headersOf({}), 200, NOW)).toEqual({ admitted: true });
    const partial = headersOf({
      ...bucketHeaders('requests', 50, 49, '2026-03-02T10:00:01Z'),
      'anthropic-ratelimit-input-tokens-limit': '200000',
      'anthropic-ratelimit-input-tokens-remaining': '140000',
    });
    expect(parseRateLimits(partial, 200, NOW)).toEqual({
      admitted: true,
      requests: { limit: 50, remaining: 49, resetAt: NOW + 1_000 },
    });
  });

  it('leaves out a bucket with an unreadable value, and caps what remains at the limit', () => {
    const headers = headersOf({
      ...bucketHeaders('requests', 50, 60, '2026-03-02T10:00:01Z'),
      ...bucketHeaders('input-tokens', 200_000, 1_000, 'soon'),
      ...bucketHeaders('output-tokens', 0, 0, '2026-03-02T10:00:01Z'),
      'anthropic-ratelimit-tokens-limit': 'many',
      'anthropic-ratelimit-tokens-remaining': '1000',
      'anthropic-ratelimit-tokens-reset': '2026-03-02T10:00:01Z',
    });
    expect(parseRateLimits(headers, 200, NOW)).toEqual({
      admitted: true,
      requests: { limit: 50, remaining: 50, resetAt: NOW + 1_000 },
    });
  });

  it("reads a 429's retry-after in seconds, as retry-after-ms, or as an HTTP date", () => {
    expect(parseRateLimits(headersOf({ 'retry-after': '7' }), 429, NOW)).toEqual({
      admitted: false,
      retryAfterMs: 7_000,
    });
    expect(
      parseRateLimits(headersOf({ 'retry-after-ms': '1500', 'retry-after': '2' }), 429, NOW).retryAfterMs,
    ).toBe(1_500);
    const date = new Date(NOW + 3_000).toUTCString();
    expect(parseRateLimits(headersOf({ 'retry-after': date }), 429, NOW).retryAfterMs).toBe(3_000);
    expect(parseRateLimits(headersOf({ 'retry-after': 'later' }), 429, NOW)).toEqual({ admitted: false });
  });

  it('reads retry-after only on a 429, and calls any other status not admitted', () => {
    expect(parseRateLimits(headersOf({ 'retry-after': '7' }), 529, NOW)).toEqual({ admitted: false });
    expect(parseRateLimits(headersOf({ 'retry-after': '7' }), 200, NOW)).toEqual({ admitted: true });
  });
});

describe("the Anthropic port's attempt observer", () => {
  let fake: FakeAnthropic | undefined;
  const baseUrl = process.env.ANTHROPIC_BASE_URL;
  afterEach(async () => {
    await fake?.close();
    if (baseUrl === undefined) delete process.env.ANTHROPIC_BASE_URL;
    else process.env.ANTHROPIC_BASE_URL = baseUrl;
  });

  it("sees every attempt, the SDK's retry of a 429 included, with the tier's headers on each answer", async () => {
    fake = await startFakeAnthropic(
      (_request, n) => (n === 0 ? { status: 429, retryAfter: 1 } : { findings: [modelFinding()] }),
      { rateLimits: { requestsPerMinute: 50, inputTokensPerMinute: 200_000, outputTokensPerMinute: 40_000 } },
    );
    process.env.ANTHROPIC_BASE_URL = fake.url;
    const port = createAnthropicPort({ apiKey: 'sk-ant-test' });
    const events: string[] = [];
    const answers: RateLimitSnapshot[] = [];
    const result = await port.review({
      model: 'claude-sonnet-4-5',
      system: 'Review the code.',
      user: 'diff',
      maxOutputTokens: 8_192,
      observer: {
        sent: () => events.push('sent'),
        answered: (limits) => {
          events.push(limits.admitted ? 'admitted' : `refused, wait ${limits.retryAfterMs} ms`);
          answers.push(limits);
        },
      },
    });
    expect(result.ok).toBe(true);
    expect(events).toEqual(['sent', 'refused, wait 1000 ms', 'sent', 'admitted']);
    // The first attempt was admitted by the tier (taking one request) before the script refused it.
    expect(answers[0]?.requests).toMatchObject({ limit: 50, remaining: 49 });
    expect(answers[1]).toMatchObject({
      requests: { limit: 50 },
      inputTokens: { limit: 200_000 },
      outputTokens: { limit: 40_000 },
    });
  });
});

describe('a streamed answer that stalls', () => {
  const baseUrl = process.env.ANTHROPIC_BASE_URL;
  afterEach(() => {
    if (baseUrl === undefined) delete process.env.ANTHROPIC_BASE_URL;
    else process.env.ANTHROPIC_BASE_URL = baseUrl;
  });

  it('fails its request once no event came for the timeout, instead of holding the run', async () => {
    // The answer starts (head and message_start), then nothing more ever comes.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message",' +
          '"role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,' +
          '"usage":{"input_tokens":1,"output_tokens":1}}}\n\n',
      );
    });
    process.env.ANTHROPIC_BASE_URL = await listenOnLoopback(server);
    try {
      const port = createAnthropicPort({ apiKey: 'sk-ant-test', timeoutMs: 200, maxRetries: 0 });
      let started = false;
      const result = await port.review({
        model: 'claude-sonnet-4-5',
        system: 'Review the code.',
        user: 'diff',
        maxOutputTokens: 100,
        onFirstToken: () => (started = true),
      });
      expect(started).toBe(true);
      expect(result).toMatchObject({ ok: false, error: 'Anthropic API connection error' });
    } finally {
      await closeNow(server);
    }
  });
});
