import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../../../shared/index.js';
import {
  parseFindingMarkers,
  parseSummaryState,
  SUMMARY_MARKER,
  type SummaryState,
} from '../../../../../action/core/output/markers.js';
import { isDismissCommand } from '../../../../../action/core/findings/lifecycle.js';
import {
  fenceFor,
  fixedReply,
  renderInlineComment,
  renderReviewBody,
  renderSummary,
  type SummaryContext,
} from '../../../../../action/core/output/render.js';
import {
  BASE_SHA,
  HEAD_SHA,
  makeAnchored,
  makeCoverageGap,
  makeOutcome,
  makeUnanchored,
} from '../../builders.js';

const opts = { serverUrl: 'https://github.com' };
const FP = 'c'.repeat(32);
const state: SummaryState = { version: 1, headSha: HEAD_SHA, baseSha: BASE_SHA, fingerprints: [FP] };
const ctx: SummaryContext = { ...opts, state };

describe('renderInlineComment', () => {
  it('shows severity, category, title, sanitized body and the finding marker', () => {
    const body = renderInlineComment(
      makeAnchored({ fingerprint: FP, severity: 'high', title: 'SQL <b>injection</b>', body: 'ping @admin' }),
      opts,
    );
    expect(body).toContain('**🟠 High** · correctness · **SQL &lt;b>injection&lt;/b>**');
    expect(body).toContain('ping `@admin`');
    expect(body.endsWith(`<!-- diffray:finding:${FP} -->`)).toBe(true);
    expect(parseFindingMarkers(body)).toEqual([FP]);
  });

  it('adds a suggestion block only when the suggestion applies', () => {
    const f = makeAnchored({ fingerprint: FP, suggestion: '  return user?.name;' });
    expect(renderInlineComment({ ...f, suggestionApplies: true }, opts)).toContain(
      '```suggestion\n  return user?.name;\n```',
    );
    expect(renderInlineComment({ ...f, suggestionApplies: false }, opts)).not.toContain('suggestion');
  });

  it('uses a fence longer than any backtick run in the suggestion, so it cannot be closed early', () => {
    const suggestion = 'const s = `x`;\n```\n<!-- not closed -->';
    const body = renderInlineComment(
      makeAnchored({ fingerprint: FP, suggestion, suggestionApplies: true }),
      opts,
    );
    expect(body).toContain(`\`\`\`\`suggestion\n${suggestion}\n\`\`\`\``);
    expect(parseFindingMarkers(body)).toEqual([FP]);
  });

  it('renders an empty suggestion (delete the lines)', () => {
    const body = renderInlineComment(
      makeAnchored({ fingerprint: FP, suggestion: '', suggestionApplies: true }),
      opts,
    );
    expect(body).toContain('```suggestion\n```');
  });

  it('drops a suggestion that carries a fake marker or a secret', () => {
    const marker = `x <!-- diffray:finding:${'d'.repeat(32)} -->`;
    const secret = 'const key = "AKIAIOSFODNN7EXAMPL3";';
    for (const suggestion of [marker, secret]) {
      const body = renderInlineComment(
        makeAnchored({ fingerprint: FP, suggestion, suggestionApplies: true }),
        opts,
      );
      expect(body).not.toContain('suggestion');
      expect(parseFindingMarkers(body)).toEqual([FP]);
    }
  });

  it('stays within the comment limit for the largest finding the schema allows', () => {
    const body = renderInlineComment(
      makeAnchored({
        fingerprint: FP,
        title: '<'.repeat(LIMITS.findingTitleChars),
        body: '<'.repeat(LIMITS.findingBodyChars),
        suggestion: '`'.repeat(20_000),
        suggestionApplies: true,
      }),
      opts,
    );
    expect(body.length).toBeLessThanOrEqual(LIMITS.commentBodyChars);
  });
});

describe('fenceFor', () => {
  it.each([
    ['plain', '```'],
    ['a ``` b', '````'],
    ['`````', '``````'],
  ])('%s → %s', (code, fence) => expect(fenceFor(code)).toBe(fence));
});

describe('renderReviewBody', () => {
  it('counts the new comments and points to the summary', () => {
    expect(renderReviewBody(1)).toBe(
      'diffray found 1 new issue in this push; the summary comment lists everything.',
    );
    expect(renderReviewBody(3)).toContain('diffray found 3 new issues in this push');
  });
});

describe('fixedReply', () => {
  it('names the head that fixed it', () => {
    expect(fixedReply('c'.repeat(40))).toBe(
      'Fixed in ccccccc: the code this comment pointed at has changed. (diffray)',
    );
  });

  it('is never read back as a dismiss command', () => {
    expect(isDismissCommand(fixedReply('c'.repeat(40)))).toBe(false);
  });
});

describe('renderSummary', () => {
  const outcome = makeOutcome({
    conclusion: 'neutral',
    conclusionReasons: [{ kind: 'failed-requests', failed: 1, total: 2 }],
    posted: [makeAnchored({ severity: 'critical' })],
    overflow: [makeAnchored({ severity: 'low', path: 'src/b.ts', line: 3, title: 'Overflowed' })],
    unanchored: [
      makeUnanchored({
        severity: 'high',
        path: 'src/c.ts',
        line: 9,
        title: 'Elsewhere',
        reason: 'line-not-in-diff',
      }),
    ],
    alreadyPosted: 2,
    secrets: [{ path: 'config/.env', line: 4, kind: 'aws-access-key' }],
    reviewedFiles: ['src/a.ts', 'src/b.ts'],
    skipped: [
      { path: 'package-lock.json', reason: 'lockfile' },
      { path: 'yarn.lock', reason: 'lockfile' },
      { path: 'dist/app.min.js', reason: 'minified' },
    ],
    failedChunks: [{ id: 'chunk-2', files: ['src/d.ts'], error: 'HTTP 529 overloaded (request req_1)' }],
    coverage: {
      files: [
        { path: 'src/a.ts', status: 'reviewed', changedLines: 100, reviewedLines: 100 },
        { path: 'src/b.ts', status: 'reviewed', changedLines: 50, reviewedLines: 50 },
        { path: 'src/d.ts', status: 'skipped', changedLines: 50, reviewedLines: 0, reason: 'request-failed' },
        {
          path: 'package-lock.json',
          status: 'skipped',
          changedLines: 0,
          reviewedLines: 0,
          reason: 'lockfile',
        },
        { path: 'yarn.lock', status: 'skipped', changedLines: 0, reviewedLines: 0, reason: 'lockfile' },
        { path: 'dist/app.min.js', status: 'skipped', changedLines: 0, reviewedLines: 0, reason: 'minified' },
      ],
      filesChanged: 6,
      filesReviewed: 2,
      filesPartial: 0,
      filesSkipped: 4,
      linesChanged: 200,
      linesReviewed: 150,
      skippedByReason: { 'request-failed': 1, lockfile: 2, minified: 1 },
      complete: false,
    },
  });
  const text = renderSummary(outcome, { ...ctx, resultsUrl: 'https://diffray.example/r/1' });

  it('starts with the summary marker and a state the next run can read', () => {
    expect(text.startsWith(`${SUMMARY_MARKER}\n<!-- diffray:state `)).toBe(true);
    expect(parseSummaryState(text)).toEqual(state);
  });

  it('shows the verdict and counts by severity', () => {
    expect(text).toContain('⚪ Neutral: 1 of 2 review requests failed');
    expect(text).toContain('| 🔴 Critical | 1 |');
    expect(text).toContain('| 🟠 High | 1 |');
    expect(text).toContain('| 🔵 Low | 1 |');
    expect(text).toContain('1 posted inline · 2 listed below · 2 already posted by an earlier run.');
  });

  it('lists findings not posted inline, most severe first, with location and reason', () => {
    const elsewhere = text.indexOf('`src/c.ts:9` Elsewhere — _line 9 is not in the diff_');
    const overflowed = text.indexOf('`src/b.ts:3` Overflowed — _over the max-comments cap_');
    expect(elsewhere).toBeGreaterThan(0);
    expect(overflowed).toBeGreaterThan(elsewhere);
  });

  it('names secrets by kind and location only', () => {
    expect(text).toContain('`aws-access-key` in `config/.env:4`');
  });

  it('groups skipped files by reason and reports coverage', () => {
    expect(text).toContain(
      'Reviewed 150 of 200 changed lines in 2 of 6 files; skipped: 1 failed request, 2 lockfiles, 1 minified.',
    );
    expect(text).toContain('- **lockfile** (2): `package-lock.json`, `yarn.lock`');
    expect(text).toContain('- **minified** (1): `dist/app.min.js`');
  });

  it('names failed requests, and shows model, tokens, cost and duration', () => {
    expect(text).toContain('`chunk-2` (1 file): HTTP 529 overloaded (request req_1)');
    expect(text).toContain('| `claude-sonnet-4-5` | 1000 | 2000 | 3000 | 400 | $0.0123 | 4.2 s |');
    expect(text).toContain('[Full results](https://diffray.example/r/1)');
  });

  it('says which range an incremental review covered and how findings evolved', () => {
    const incremental = renderSummary(
      makeOutcome({
        range: {
          mode: 'incremental',
          from: 'a'.repeat(40),
          to: 'b'.repeat(40),
          reason: 'pushed',
          lastHead: 'a'.repeat(40),
        },
        lifecycle: {
          new: 3,
          stillOpen: 2,
          fixed: 4,
          dismissed: 0,
          since: 'a'.repeat(40),
          replies: { posted: 4, capped: 0 },
        },
      }),
      ctx,
    );
    expect(incremental).toContain('Reviewed changes pushed since aaaaaaa (aaaaaaa..bbbbbbb).');
    expect(incremental).toContain('**3 new · 2 still open · 4 fixed since aaaaaaa**');
    expect(incremental).not.toContain('Replied in');
  });

  it('shows the range, lifecycle, validation, routing, guidelines and coverage receipt of the run', () => {
    const text = renderSummary(
      makeOutcome({
        range: {
          mode: 'full',
          from: 'a'.repeat(40),
          to: 'b'.repeat(40),
          reason: 'history-rewritten',
          lastHead: 'c'.repeat(40),
        },
        lifecycle: {
          new: 3,
          stillOpen: 2,
          fixed: 14,
          dismissed: 1,
          since: 'c'.repeat(40),
          replies: { posted: 10, capped: 4 },
        },
        validation: { checked: 4, dropped: 1, threshold: 80, models: ['claude-haiku-4-5'] },
        filtered: { 'low-confidence': 2, 'base-only': 1 },
        routing: {
          triage: { model: 'claude-haiku-4-5', files: 2 },
          fallback: { model: 'claude-haiku-4-5', overloaded: 'claude-sonnet-4-5' },
        },
        guidelines: ['CLAUDE.md'],
        coverage: makeCoverageGap(),
      }),
      ctx,
    );
    expect(text).toContain(
      'Reviewed the whole pull request (aaaaaaa..bbbbbbb): the last reviewed head ccccccc is no longer in the branch history (force-push or rebase).',
    );
    expect(text).toContain('3 new · 2 still open · 14 fixed since ccccccc · 1 dismissed');
    expect(text).toContain(
      'Replied in 10 fixed threads; 4 more fixed findings got no reply (at most 10 replies per run',
    );
    expect(text).toContain(
      '3 findings dropped by filters: 2 below confidence 0.5, 1 about code the PR deleted or does not change.',
    );
    expect(text).toContain(
      '1 finding dropped by validation (score below 80 of 100; 4 findings graded by `claude-haiku-4-5`).',
    );
    expect(text).toContain('2 trivial files (docs, renames, formatting) reviewed by `claude-haiku-4-5`.');
    expect(text).toContain(
      'Fallback model: claude-sonnet-4-5 was overloaded (HTTP 529 after retries), so claude-haiku-4-5 finished the review.',
    );
    expect(text).toContain('Guidelines followed: `CLAUDE.md`');
    expect(text).toContain('Reviewed 40 of 80 changed lines in 1 of 2 files; skipped: 1 too large.');
  });

  it('shrinks long lists to fit one comment, keeping the markers', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      makeUnanchored({
        path: `src/${'deep/'.repeat(20)}file${i}.ts`,
        title: 'x'.repeat(150),
        fingerprint: i.toString(16).padStart(32, '0'),
      }),
    );
    const skipped = Array.from({ length: 3000 }, (_, i) => ({
      path: `gen/${'n'.repeat(60)}${i}.ts`,
      reason: 'generated' as const,
    }));
    const big = renderSummary(makeOutcome({ unanchored: many, skipped }), ctx);
    expect(big.length).toBeLessThanOrEqual(LIMITS.commentBodyChars);
    expect(big).toMatch(/… and \d+ more/);
    expect(parseSummaryState(big)).toEqual(state);
  });

  it('does not render a results link that is not http(s)', () => {
    expect(renderSummary(outcome, { ...ctx, resultsUrl: 'javascript:alert(1)' })).not.toContain(
      'Full results',
    );
  });
});
