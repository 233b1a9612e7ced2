import { describe, expect, it } from 'vitest';
import {
  findingMarker,
  hasMarkerLike,
  neutralizeMarkers,
  parseFindingMarkers,
  parseSummaryState,
  renderSummaryState,
  SUMMARY_MARKER,
  type SummaryState,
} from '../../../../../action/core/output/markers.js';
import { BASE_SHA, HEAD_SHA } from '../../builders.js';

const FP1 = 'a'.repeat(32);
const FP2 = 'b'.repeat(32);
const state: SummaryState = { version: 1, headSha: HEAD_SHA, baseSha: BASE_SHA, fingerprints: [FP1, FP2] };

describe('summary state with the finding lifecycle', () => {
  it('round-trips the open and dismissed findings, and still reads a state written without them', () => {
    const lifecycle = {
      open: [
        {
          fingerprint: FP1,
          path: 'src/a.ts',
          title: 'Off by one',
          severity: 'high' as const,
          category: 'correctness' as const,
          span: 1,
          seenAt: HEAD_SHA,
        },
      ],
      dismissed: [FP2],
    };
    const body = `${SUMMARY_MARKER}\n${renderSummaryState({ ...state, lifecycle })}\n`;
    expect(parseSummaryState(body)).toEqual({ ...state, lifecycle });
    expect(parseSummaryState(`${SUMMARY_MARKER}\n${renderSummaryState(state)}`)).toEqual(state);
  });
});

describe('finding markers', () => {
  it('renders a hidden HTML comment', () => {
    expect(findingMarker(FP1)).toBe(`<!-- diffray:finding:${FP1} -->`);
    expect(SUMMARY_MARKER).toBe('<!-- diffray:summary -->');
  });

  it('refuses to render something that is not a fingerprint', () => {
    expect(() => findingMarker('x --> <img>')).toThrow(/not a fingerprint/);
  });

  it('reads back the markers of a comment body, once each', () => {
    const body = `**High** issue\n\n${findingMarker(FP1)}\r\n${findingMarker(FP2)}\n${findingMarker(FP1)}`;
    expect(parseFindingMarkers(body)).toEqual([FP1, FP2]);
  });

  it('ignores markers quoted inside fenced code, inline code or indented text', () => {
    const body = [
      '```html',
      findingMarker(FP1),
      '```',
      `text \`${findingMarker(FP2)}\``,
      `    ${findingMarker(FP2)}`,
      `see ${findingMarker(FP2)} here`,
    ].join('\n');
    expect(parseFindingMarkers(body)).toEqual([]);
  });

  it('ignores malformed fingerprints', () => {
    expect(parseFindingMarkers('<!-- diffray:finding:XYZ -->\n<!-- diffray:finding:abc -->')).toEqual([]);
  });
});

describe('summary state', () => {
  it('round-trips through the comment body', () => {
    const body = `${SUMMARY_MARKER}\n${renderSummaryState(state)}\n## diffray review`;
    expect(parseSummaryState(body)).toEqual(state);
  });

  it('encodes as base64url, so the JSON can never close the HTML comment', () => {
    expect(renderSummaryState(state)).toMatch(/^<!-- diffray:state [A-Za-z0-9_-]+ -->$/);
  });

  it('keeps at most 500 fingerprints', () => {
    const many = Array.from({ length: 600 }, (_, i) => i.toString(16).padStart(32, '0'));
    const parsed = parseSummaryState(renderSummaryState({ ...state, fingerprints: many }));
    expect(parsed?.fingerprints).toHaveLength(500);
  });

  const encode = (value: unknown) =>
    `<!-- diffray:state ${Buffer.from(JSON.stringify(value)).toString('base64url')} -->`;

  it.each([
    ['no marker', 'just a comment'],
    ['not base64 JSON', '<!-- diffray:state bm90IGpzb24 -->'],
    ['an unknown version', encode({ ...state, version: 2 })],
    ['a bad sha', encode({ ...state, headSha: 'main' })],
    ['a bad fingerprint', encode({ ...state, fingerprints: ['<script>'] })],
    ['a missing field', encode({ version: 1, headSha: HEAD_SHA })],
    ['an array', encode([state])],
    ['a state inside a code fence', '```\n' + encode(state) + '\n```'],
  ])('ignores %s instead of throwing', (_, body) => {
    expect(parseSummaryState(body)).toBeUndefined();
  });
});

describe('marker-like text from untrusted sources', () => {
  it('is detected and renamed so it can never be read back as ours', () => {
    const fake = `<!-- diffray:finding:${FP1} -->`;
    expect(hasMarkerLike(fake)).toBe(true);
    expect(hasMarkerLike('<!--  DiffRay:state x -->')).toBe(true);
    expect(hasMarkerLike('<!-- other -->')).toBe(false);
    const neutralized = neutralizeMarkers(`${fake}\n<!--DIFFRAY:summary -->`);
    expect(parseFindingMarkers(neutralized)).toEqual([]);
    expect(neutralized).not.toMatch(/<!--\s*diffray:/i);
  });
});
