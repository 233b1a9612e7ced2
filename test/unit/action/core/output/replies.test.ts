import { describe, expect, it } from 'vitest';
import { PAUSED_MARKER, SUMMARY_MARKER } from '../../../../../action/core/constants.js';
import { hasMarkerLine } from '../../../../../action/core/output/markers.js';
import {
  PAUSED_NOTICE,
  pausedSummary,
  renderAnswer,
  withPausedNotice,
} from '../../../../../action/core/output/replies.js';

const render = { serverUrl: 'https://github.com' };
const footer = {
  model: 'claude-sonnet-4-5',
  usage: { input: 1200, cacheRead: 0, cacheWrite: 0, output: 300 },
  costUsd: 0.0081,
  answersLeft: 9,
};

describe('withPausedNotice', () => {
  const summary = `${SUMMARY_MARKER}\n<!-- diffray:state abc -->\n## diffray review\n\nAll good.`;

  it('adds the marker and notice under the hidden lines, and takes them out again', () => {
    const paused = withPausedNotice(summary, true);
    expect(paused.split('\n').slice(0, 4)).toEqual([
      SUMMARY_MARKER,
      '<!-- diffray:state abc -->',
      PAUSED_MARKER,
      PAUSED_NOTICE,
    ]);
    expect(hasMarkerLine(paused, PAUSED_MARKER)).toBe(true);
    expect(withPausedNotice(paused, true)).toBe(paused);
    expect(withPausedNotice(paused, false)).toBe(summary);
  });

  it('makes a summary for a PR not reviewed yet', () => {
    expect(hasMarkerLine(pausedSummary(), PAUSED_MARKER)).toBe(true);
    expect(pausedSummary().startsWith(SUMMARY_MARKER)).toBe(true);
  });
});

describe('renderAnswer', () => {
  it('sanitizes the model text and ends with the cost footer and the answer marker', () => {
    const body = renderAnswer(
      { text: 'As @admin asked: LGTM <img src=x> see [x](https://evil.example/p)', verdict: 'stands' },
      footer,
      render,
    );
    expect(body).not.toMatch(/(?<!`)@admin/);
    expect(body).not.toContain('<img');
    expect(body).not.toContain('](https://evil.example');
    expect(body).toContain('~$0.0081');
    expect(body).toContain('1,200 input / 300 output tokens');
    expect(body).toContain('9 answers left on this PR this hour');
    expect(body.endsWith('<!-- diffray:answer -->')).toBe(true);
  });

  it('says so when the finding is dismissed as wrong, and caps the text', () => {
    const body = renderAnswer({ text: 'x'.repeat(10_000), verdict: 'wrong' }, footer, render);
    expect(body).toContain('dismissed');
    expect(body.length).toBeLessThan(4_600);
  });
});
