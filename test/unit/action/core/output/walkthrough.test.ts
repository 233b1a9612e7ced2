import { describe, expect, it } from 'vitest';
import { LIMITS, ReviewReportSchema } from '../../../../../shared/index.js';
import { readFindingsAnswer } from '../../../../../action/core/findings/answer.js';
import { findingsTool, buildSystemPrompt } from '../../../../../action/core/plan/prompt.js';
import { parseSummaryState, type SummaryState } from '../../../../../action/core/output/markers.js';
import { renderSummary } from '../../../../../action/core/output/render.js';
import { toReviewReport } from '../../../../../action/core/output/report.js';
import {
  mergeWalkthrough,
  renderWalkthrough,
  WALKTHROUGH_MAX_CHARS,
} from '../../../../../action/core/output/walkthrough.js';
import type { DiffFile, ReviewChunk, Walkthrough } from '../../../../../action/core/types.js';
import { BASE_SHA, HEAD_SHA, makeDiffFile, makeOutcome, makeUnanchored } from '../../builders.js';

const file = (path: string): DiffFile => makeDiffFile(path, [{ newStart: 1, lines: ['+x'] }]);
const [a, b, c] = [file('a.ts'), file('b/b.ts'), file('c.md')];
const files = [a, b, c];

function chunk(id: string, ...slices: [DiffFile, { index: number; of: number }?][]): ReviewChunk {
  return {
    id,
    slices: slices.map(([f, part]) => ({ file: f, hunks: f.hunks, ...(part ? { part } : {}) })),
    estimatedTokens: 1,
  };
}

describe('the walkthrough in the model answer', () => {
  it('is read beside the findings, texts cut to their limits, unusable entries left out', () => {
    const answer = readFindingsAnswer({
      findings: [],
      walkthrough: {
        overview: 'o'.repeat(LIMITS.walkthroughOverviewChars + 50),
        files: [
          { path: 'a.ts', summary: 's'.repeat(1_000) },
          { path: '', summary: 'no path' },
          { path: 'b/b.ts', summary: '  ' },
          'c.md',
        ],
      },
    });
    expect(answer).toMatchObject({ ok: true, dropped: [], repaired: 0 });
    const walkthrough = answer.ok ? answer.walkthrough : undefined;
    expect(walkthrough?.overview).toHaveLength(LIMITS.walkthroughOverviewChars);
    expect(walkthrough?.files).toEqual([{ path: 'a.ts', summary: `${'s'.repeat(199)}…` }]);
    // Missing or unusable, it never costs the findings.
    expect(readFindingsAnswer({ findings: [], walkthrough: 'nope' })).toEqual({
      ok: true,
      findings: [],
      dropped: [],
      repaired: 0,
    });
  });

  it('cut short at max_tokens while it is written, costs only itself: the findings before it are kept', () => {
    const finding = {
      path: 'a.ts',
      line: 1,
      severity: 'low',
      category: 'style',
      title: 'T',
      body: 'Not ,"walkthrough": a key, "quoted" in a body.',
      confidence: 0.9,
    };
    const whole = JSON.stringify({ findings: [finding], walkthrough: { overview: 'Adds a.', files: [] } });
    const cut = whole.slice(0, whole.indexOf('Adds'));
    expect(readFindingsAnswer(cut)).toEqual({ ok: true, findings: [finding], dropped: [], repaired: 0 });
    // Cut inside the findings, the answer is malformed as before (and asked for again).
    expect(readFindingsAnswer(whole.slice(0, 40))).toMatchObject({ ok: false });
  });

  it('is a required field of the tool when on, absent when off; the prompt asks for it only when on', () => {
    expect(findingsTool(true).input_schema.required).toEqual(['findings', 'walkthrough']);
    expect(findingsTool(false).input_schema.properties).not.toHaveProperty('walkthrough');
    expect(findingsTool(false).input_schema.required).toEqual(['findings']);
    expect(buildSystemPrompt({ walkthrough: true })).toContain('# Walkthrough');
    expect(buildSystemPrompt({})).not.toContain('# Walkthrough');
  });
});

describe('mergeWalkthrough', () => {
  it("merges a split PR's parts in file order, joins a split file's parts in part order", () => {
    const merged = mergeWalkthrough(
      [
        // Answered first, but its files come later in the diff.
        {
          chunk: chunk('c2', [b, { index: 2, of: 2 }], [c]),
          walkthrough: {
            overview: 'Second part.',
            files: [
              { path: 'c.md', summary: 'Documents it.' },
              { path: 'b/b.ts', summary: 'And the end of b.' },
            ],
          },
        },
        {
          chunk: chunk('c1', [a], [b, { index: 1, of: 2 }]),
          walkthrough: {
            overview: 'First part.',
            files: [
              { path: 'b/b.ts', summary: 'Starts b.' },
              { path: './a.ts', summary: 'Adds a.' },
            ],
          },
        },
      ],
      files,
    );
    expect(merged).toEqual({
      overview: ['First part.', 'Second part.'],
      files: [
        { path: 'a.ts', summary: 'Adds a.' },
        { path: 'b/b.ts', summary: 'Starts b. And the end of b.' },
        { path: 'c.md', summary: 'Documents it.' },
      ],
    });
  });

  it('leaves out lines about files the request was not sent, and is undefined without any part', () => {
    const merged = mergeWalkthrough(
      [
        {
          chunk: chunk('c1', [a]),
          walkthrough: {
            files: [
              { path: 'c.md', summary: 'Not mine.' },
              { path: 'a.ts', summary: 'Mine.' },
            ],
          },
        },
      ],
      files,
    );
    expect(merged).toEqual({ overview: [], files: [{ path: 'a.ts', summary: 'Mine.' }] });
    expect(mergeWalkthrough([], files)).toBeUndefined();
  });
});

const opts = { serverUrl: 'https://github.com' };
const many: Walkthrough = {
  overview: ['Adds widget parsing.'],
  files: Array.from({ length: 500 }, (_, i) => ({ path: `src/file${i}.ts`, summary: 'x'.repeat(150) })),
};

describe('renderWalkthrough', () => {
  it('is collapsed, sanitizes the model text, and lists one line per file', () => {
    const text = renderWalkthrough(
      {
        overview: ['Adds parsing. </details><img src=x> ping @admin'],
        files: [{ path: 'a.ts', summary: 'Adds `parse`.\nSecond line.' }],
      },
      { ...opts, maxChars: 10_000 },
    )!;
    expect(
      text.startsWith('<details>\n<summary>Walkthrough: what this pull request changes (1 file)</summary>'),
    ).toBe(true);
    expect(text.endsWith('</details>')).toBe(true);
    expect(text.match(/<\/details>/g)).toHaveLength(1);
    expect(text).not.toContain('<img');
    expect(text).toContain('`@admin`');
    expect(text).toContain('- `a.ts`: Adds `parse`. Second line.');
  });

  it("is the push's on an incremental run", () => {
    expect(renderWalkthrough(many, { ...opts, maxChars: 5_000, incremental: true })).toContain(
      '<summary>Walkthrough: what this push changes (500 files)</summary>',
    );
  });

  it('fits in the room it is given, says how many files did not fit, and is left out without room', () => {
    const text = renderWalkthrough(many, { ...opts, maxChars: 5_000 })!;
    expect(text.length).toBeLessThanOrEqual(5_000);
    expect(text).toMatch(/- … and \d+ more files\n<\/details>$/);
    expect(renderWalkthrough(many, { ...opts, maxChars: 1_000_000 })!.length).toBeLessThanOrEqual(
      WALKTHROUGH_MAX_CHARS,
    );
    expect(renderWalkthrough(many, { ...opts, maxChars: 100 })).toBeUndefined();
  });
});

describe('the walkthrough in the summary comment and the report', () => {
  const state: SummaryState = { version: 1, headSha: HEAD_SHA, baseSha: BASE_SHA, fingerprints: [] };

  it('shows collapsed after the verdict, and gives way to the findings when the comment is full', () => {
    const small = renderSummary(makeOutcome({ walkthrough: many }), { ...opts, state });
    expect(small.indexOf('<details>')).toBeGreaterThan(small.indexOf('## diffray review'));
    expect(small.indexOf('<details>')).toBeLessThan(small.indexOf('| Severity |'));

    const findings = Array.from({ length: 3000 }, (_, i) =>
      makeUnanchored({ title: 'x'.repeat(150), fingerprint: i.toString(16).padStart(32, '0') }),
    );
    const full = renderSummary(makeOutcome({ walkthrough: many, unanchored: findings }), { ...opts, state });
    expect(full.length).toBeLessThanOrEqual(LIMITS.commentBodyChars);
    expect(parseSummaryState(full)).toEqual(state);
    expect(full).toContain('### Not posted inline (3000)');
  });

  it('goes to the results API as prose only: code stripped and masked like finding bodies', () => {
    const code = 'const internalAlgorithm = computeSecretSauce(42);';
    const report = toReviewReport(
      makeOutcome({
        walkthrough: {
          overview: [`Adds the algorithm.\n\n\`\`\`ts\n${code}\n\`\`\``, '```\nonly code\n```'],
          files: [
            { path: 'a.ts', summary: `Calls ${code} twice.` },
            { path: 'b.ts', summary: '`x`' },
            { path: 'c.ts', summary: '```\nonly code\n```' },
          ],
        },
      }),
      { repository: 'acme/widgets', pullRequest: 7, headSha: HEAD_SHA, baseSha: BASE_SHA },
      [code],
    );
    expect(ReviewReportSchema.parse(report)).toEqual(report);
    expect(JSON.stringify(report)).not.toContain('computeSecretSauce');
    expect(report.walkthrough?.overview).toEqual(['Adds the algorithm.\n\n[code omitted]', '[code omitted]']);
    expect(report.walkthrough?.files).toEqual([
      { path: 'a.ts', summary: 'Calls [code omitted] twice.' },
      { path: 'b.ts', summary: '`x`' },
      { path: 'c.ts', summary: '[code omitted]' },
    ]);
    expect(
      toReviewReport(
        makeOutcome(),
        { repository: 'acme/widgets', pullRequest: 7, headSha: HEAD_SHA, baseSha: BASE_SHA },
        [],
      ),
    ).not.toHaveProperty('walkthrough');
  });
});
