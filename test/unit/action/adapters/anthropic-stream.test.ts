import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { collectStream } from '../../../../action/adapters/anthropic.js';

async function* events(list: unknown[]): AsyncIterable<RawMessageStreamEvent> {
  for (const e of list) yield e as RawMessageStreamEvent;
}

const start = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 2000,
      output_tokens: 1,
    },
  },
};

/** A tool_use block as the API streams it: its start, the input JSON in `fragments`, its stop. */
function toolCall(...fragments: string[]): unknown[] {
  return [
    {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 't', name: 'x', input: {} },
    },
    ...fragments.map((partial_json) => ({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json },
    })),
    { type: 'content_block_stop', index: 0 },
  ];
}

describe('collectStream', () => {
  it('assembles the tool call from JSON fragments, calls onFirstToken once, and keeps the final usage', async () => {
    let calls = 0;
    const message = await collectStream(
      events([
        start,
        ...toolCall('{"findings":', '[]}'),
        {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { output_tokens: 42 },
        },
        { type: 'message_stop' },
      ]),
      () => (calls += 1),
    );
    expect(calls).toBe(1);
    expect(message.content).toEqual([{ type: 'tool_use', id: 't', name: 'x', input: { findings: [] } }]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({
      input_tokens: 10,
      cache_read_input_tokens: 2000,
      output_tokens: 42,
    });
  });

  it('leaves unparseable tool input as text (the schema then rejects it) and fails on an empty stream', async () => {
    const message = await collectStream(events([start, ...toolCall('{"findi')]), () => undefined);
    expect((message.content[0] as { input: unknown }).input).toBe('{"findi');
    await expect(collectStream(events([]), () => undefined)).rejects.toThrow(/ended early/);
  });
});
