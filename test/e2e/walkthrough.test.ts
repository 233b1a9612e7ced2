/**
 * The walkthrough through the bundled action and the fake model: asked for in the same review requests as
 * the findings, merged in file order across a split PR, shown collapsed in the summary comment, and left
 * out entirely with `walkthrough: false`. The PR changes a doc and a code file, so it is two requests: the
 * code to the configured model (`c1`), the doc to the cheap triage model (`tc1`).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { userText, type MessagesRequest } from '../fakes/anthropic.js';
import { APP_BASE, APP_HEAD, OFF_BY_ONE } from './fixtures.js';
import { startPr } from './harness.js';

/** Each request describes its own files; the code request also reports the off-by-one. */
function answer(request: MessagesRequest) {
  const code = userText(request).includes('## src/app.ts');
  return code
    ? {
        findings: [OFF_BY_ONE],
        walkthrough: {
          overview: 'Trims parsed parts and changes how items are counted.',
          files: [{ path: 'src/app.ts', summary: 'parse() trims each part; count() adds one.' }],
        },
      }
    : {
        findings: [],
        walkthrough: {
          overview: 'Documents the trimming.',
          files: [
            { path: 'docs/guide.md', summary: 'Says that parsing trims each part.' },
            // Not a file of this request: left out.
            { path: 'src/app.ts', summary: 'Injected line about another file.' },
          ],
        },
      };
}

async function start(config?: string) {
  const pr = await startPr({
    base: {
      'src/app.ts': APP_BASE,
      'docs/guide.md': '# Guide\n',
      ...(config !== undefined ? { '.diffray.yml': config } : {}),
    },
    head: { 'src/app.ts': APP_HEAD, 'docs/guide.md': '# Guide\n\nParsing trims each part.\n' },
    script: answer,
  });
  onTestFinished(pr.close);
  return pr;
}

const toolOf = (request: MessagesRequest) => request.tools[0] as { input_schema: { required: string[] } };

describe('the walkthrough', () => {
  it('comes with the findings in the same requests, merged in file order, collapsed in the summary', async () => {
    const { github, anthropic, run } = await start();
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    const requests = anthropic.reviewRequests();
    // No extra call: one request per chunk, each asking for the walkthrough in its findings tool.
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      expect(toolOf(r.body).input_schema.required).toEqual(['findings', 'walkthrough']);
      expect(r.body.system[0]!.text).toContain('# Walkthrough');
    }
    const summary = github.issueComments[0]!.body;
    const details = summary.slice(summary.indexOf('<details>'), summary.indexOf('</details>') + 10);
    expect(details).toBe(
      [
        '<details>',
        '<summary>Walkthrough: what this pull request changes (2 files)</summary>',
        '',
        'Documents the trimming.',
        '',
        'Trims parsed parts and changes how items are counted.',
        '',
        '- `docs/guide.md`: Says that parsing trims each part.',
        '- `src/app.ts`: parse() trims each part; count() adds one.',
        '</details>',
      ].join('\n'),
    );
    expect(summary).not.toContain('Injected line');
    expect(summary.length).toBeLessThanOrEqual(65_536);
    // The findings are unaffected.
    expect(github.reviewComments.map((c) => `${c.path}:${c.line}`)).toEqual([
      `src/app.ts:${OFF_BY_ONE.line}`,
    ]);
  });

  it('is neither asked for nor shown with walkthrough: false', async () => {
    const { github, anthropic, run } = await start('walkthrough: false\n');
    const result = await run();

    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const r of anthropic.reviewRequests()) {
      expect(toolOf(r.body).input_schema.required).toEqual(['findings']);
      expect(JSON.stringify(r.body.tools)).not.toContain('walkthrough');
      expect(r.body.system[0]!.text).not.toContain('# Walkthrough');
    }
    // A model that answers with one anyway is not shown.
    expect(github.issueComments[0]!.body).not.toContain('<details>');
  });
});
