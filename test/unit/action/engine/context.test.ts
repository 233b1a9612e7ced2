/**
 * runReview in process: the context a review request gets beyond its files (issue 18 §3): guideline files
 * of the directories of changed files, sent only with the files under them, and the PR-wide overview of a
 * split review, requested only when the review takes more than one request, its tokens and cost counted in
 * the run's.
 */
import { describe, expect, it } from 'vitest';
import { usageSection } from '../../../../action/core/output/render-parts.js';
import { estimateCostUsd } from '../../../../action/core/plan/cost.js';
import { runReview } from '../../../../action/engine.js';
import { fakePr, lists } from '../../../support/fake-ports.js';
import { BASE, HEAD } from './fixtures.js';

const API_GUIDE = 'Every handler checks the caller scope first.';
/** A module of 80 lines: split in parts under the budget below, with the overview's room kept. */
const module = (name: string) =>
  Array.from({ length: 80 }, (_, i) => `export const ${name}${i} = compute(${i});`).join('\n') + '\n';
const SPLIT = { budgetTokens: 1_200 };
const FILES = { 'src/a.ts': module('a'), 'src/b.ts': module('b') };

describe('directory guidelines', () => {
  it('sends a nested CLAUDE.md only with the files under its directory, from the base commit', async () => {
    const pr = fakePr({
      base: { ...BASE, 'src/api/CLAUDE.md': `${API_GUIDE}\n`, 'docs/AGENTS.md': 'Docs guide.\n' },
      head: { ...FILES, 'src/api/handler.ts': module('handle') },
      // Several requests: the guideline must ride only in those of the file under it.
      settings: SPLIT,
    });

    const run = await runReview(pr.deps, pr.settings);

    const withApi = pr.model.reviews.filter((r) => lists(r, 'src/api/handler.ts'));
    const others = pr.model.reviews.filter((r) => !lists(r, 'src/api/handler.ts'));
    expect(withApi.length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(0);
    for (const r of withApi) {
      expect(r.user).toContain(`[g1] From src/api/CLAUDE.md:\n${API_GUIDE}`);
      expect(r.user).toMatch(/^applies: g1$/m);
    }
    for (const r of others) expect(r.user).not.toContain(API_GUIDE);
    // The system prompt, the cached prefix, is the same in every request.
    expect(new Set(pr.model.reviews.map((r) => r.system)).size).toBe(1);
    expect(pr.model.reviews[0]!.system).not.toContain(API_GUIDE);
    // A directory no changed file is under is not read; the one used is named in the summary.
    expect(run.outcome.guidelines).toEqual(['src/api/CLAUDE.md']);
  });
});

describe('the PR-wide overview', () => {
  it('is requested once from the cheap model for a split PR and goes into every review request', async () => {
    const pr = fakePr({ base: BASE, head: FILES, settings: SPLIT });

    await runReview(pr.deps, pr.settings);

    expect(pr.model.reviews.length).toBeGreaterThan(1);
    expect(pr.model.summaries).toHaveLength(1);
    const ask = pr.model.summaries[0]!;
    expect(ask.model).toBe('claude-haiku-4-5');
    expect(ask.user).toContain('src/a.ts (added, +80 -0)');
    expect(ask.user).toContain('src/b.ts (added, +80 -0)');
    expect(ask.user).toContain('<untrusted_pr_description>');
    for (const r of pr.model.reviews)
      expect(r.user).toContain(
        '<untrusted_pr_overview>\nOverview of the whole change.\n</untrusted_pr_overview>',
      );
  });

  it("counts its tokens and cost in the run's usage and cost, as the review and validation requests are", async () => {
    const overview = { input: 40_000, cacheWrite: 0, cacheRead: 0, output: 300 };
    const run = async (usage: typeof overview) => {
      const pr = fakePr({ base: BASE, head: FILES, settings: SPLIT });
      pr.model.summarize = () => Promise.resolve({ ok: true, text: 'Overview of the whole change.', usage });
      return (await runReview(pr.deps, pr.settings)).outcome;
    };
    const without = await run({ input: 0, cacheWrite: 0, cacheRead: 0, output: 0 });
    const withOverview = await run(overview);

    expect(withOverview.usage.input - without.usage.input).toBe(40_000);
    expect(withOverview.usage.output - without.usage.output).toBe(300);
    expect(withOverview.costUsd - without.costUsd).toBeCloseTo(
      estimateCostUsd('claude-haiku-4-5', overview),
      10,
    );
    // The summary's usage row (and the check's) shows the totals the overview is part of.
    const u = withOverview.usage;
    expect(usageSection(withOverview)).toContain(
      `| ${u.input} | ${u.cacheWrite} | ${u.cacheRead} | ${u.output} | $${withOverview.costUsd.toFixed(4)} |`,
    );
  });

  it('is not requested when the PR fits one request', async () => {
    const pr = fakePr({ base: BASE, head: HEAD });

    await runReview(pr.deps, pr.settings);

    expect(pr.model.reviews).toHaveLength(1);
    expect(pr.model.summaries).toHaveLength(0);
    expect(pr.model.reviews[0]!.user).not.toContain('pr_overview');
  });

  it('leaves the requests without it when it fails, and the review goes on', async () => {
    const pr = fakePr({ base: BASE, head: FILES, settings: SPLIT });
    pr.model.summarize = () =>
      Promise.resolve({
        ok: false,
        error: 'HTTP 529',
        usage: { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 },
      });

    const run = await runReview(pr.deps, pr.settings);

    expect(run.outcome.status).toBe('completed');
    for (const r of pr.model.reviews) expect(r.user).not.toContain('pr_overview');
    expect(pr.log.of('warning').join('\n')).toContain('PR overview request failed (HTTP 529)');
  });
});
