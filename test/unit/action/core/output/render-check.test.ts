import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../../../shared/index.js';
import { MAX_ANNOTATIONS } from '../../../../../action/core/constants.js';
import {
  buildAnnotations,
  renderCheckOutput,
  renderJobSummary,
} from '../../../../../action/core/output/render-check.js';
import { makeAnchored, makeOutcome } from '../../builders.js';

describe('renderCheckOutput', () => {
  it('gives a title, a summary and the findings as text', () => {
    const out = renderCheckOutput(
      makeOutcome({
        conclusion: 'failure',
        conclusionReasons: [{ kind: 'blocking-findings', findings: 1, failOn: 'high' }],
        posted: [makeAnchored({ severity: 'high', title: 'Bad thing' })],
      }),
    );
    expect(out.title).toBe('1 finding: 1 finding at or above high');
    expect(out.summary).toContain('❌ Failed');
    expect(out.text).toContain('🟠 **high** `src/app.ts:10` Bad thing');
  });

  it('says when there is nothing', () => {
    expect(renderCheckOutput(makeOutcome())).toMatchObject({ title: 'No findings', text: 'No findings.' });
  });

  it('says how many findings were annotated only when the cap left some out', () => {
    const outcome = makeOutcome({ posted: [makeAnchored()] });
    expect(renderCheckOutput(outcome, undefined, { count: 200, of: 260 }).summary).toContain(
      `Annotated the 200 most severe of 260 findings (at most ${MAX_ANNOTATIONS} per check)`,
    );
    expect(renderCheckOutput(outcome, undefined, { count: 60, of: 60 }).summary).not.toContain('Annotated');
  });

  it('keeps summary and text within the check output limit', () => {
    const many = Array.from({ length: 2000 }, () => makeAnchored({ title: 'y'.repeat(200) }));
    const out = renderCheckOutput(makeOutcome({ posted: many }));
    expect(out.text.length).toBeLessThanOrEqual(LIMITS.checkOutputChars);
    expect(out.summary.length).toBeLessThanOrEqual(LIMITS.checkOutputChars);
    expect(out.text).toMatch(/\n- … and \d+ more$/);
  });
});

describe('buildAnnotations', () => {
  it('maps severity to annotation level and the anchor to lines', () => {
    const annotations = buildAnnotations([
      makeAnchored({ severity: 'low', line: 3 }),
      makeAnchored({ severity: 'critical', startLine: 4, line: 6, path: 'a.ts' }),
      makeAnchored({ severity: 'medium' }),
      makeAnchored({ severity: 'high' }),
    ]);
    expect(annotations.map((a) => a.annotation_level)).toEqual(['failure', 'failure', 'warning', 'notice']);
    expect(annotations[0]).toMatchObject({
      path: 'a.ts',
      start_line: 4,
      end_line: 6,
      title: '[critical] Possible null dereference',
    });
  });

  it('annotates every finding, beyond one request of 50', () => {
    const findings = Array.from({ length: 120 }, (_, i) => makeAnchored({ line: i + 1 }));
    expect(buildAnnotations(findings).map((a) => a.end_line)).toEqual(findings.map((f) => f.line));
  });

  it('keeps the MAX_ANNOTATIONS most severe when there are more', () => {
    const findings = Array.from({ length: MAX_ANNOTATIONS + 50 }, (_, i) =>
      makeAnchored({ severity: i % 5 === 0 ? 'high' : 'low', line: i + 1 }),
    );
    const annotations = buildAnnotations(findings);
    expect(annotations).toHaveLength(MAX_ANNOTATIONS);
    expect(annotations.filter((a) => a.annotation_level === 'failure')).toHaveLength(50);
    expect(annotations.at(-1)!.annotation_level).toBe('notice');
    expect(buildAnnotations(findings, 5)).toHaveLength(5);
  });

  it('caps the title at 255 characters and redacts secrets', () => {
    const [a] = buildAnnotations([
      makeAnchored({ title: 't'.repeat(200), body: 'key AKIAIOSFODNN7EXAMPL3 leaked' }),
    ]);
    expect(a!.title.length).toBeLessThanOrEqual(255);
    expect(a!.message).not.toContain('AKIAIOSFODNN7EXAMPL3');
  });
});

describe('renderJobSummary', () => {
  it('renders the verdict and a findings table that pipes in titles cannot break', () => {
    const posted = makeAnchored({ severity: 'high', title: 'a | b' });
    const md = renderJobSummary(
      makeOutcome({ posted: [posted], overflow: [makeAnchored({ severity: 'low' })] }),
    );
    expect(md).toContain('## diffray');
    expect(md).toContain('✅ Passed');
    expect(md).toContain('| 🟠 High | `src/app.ts:10` | a \\| b | inline |');
    expect(md).toContain('| 🔵 Low | `src/app.ts:10` | Possible null dereference | summary |');
  });
});
