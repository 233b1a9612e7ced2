/**
 * The report upload against the real results API and its 1 MiB request body limit: a run with the most
 * findings a report may carry, each with a long body, must still be stored, and the run must say what
 * was cut to fit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResultsApiPort } from '../../../../action/adapters/results-api.js';
import { sendReport } from '../../../../action/steps/publish.js';
import type { Notes } from '../../../../action/steps/run-context.js';
import { LIMITS } from '../../../../shared/index.js';
import { seedAccount, startServer, type TestServer } from '../../../api/helpers.js';
import { fakePr } from '../../../support/fake-ports.js';
import { BASE_SHA, makeOutcome, makeUnanchored } from '../builders.js';

let api: TestServer;
let key: string;

beforeAll(async () => {
  api = await startServer();
  key = (await seedAccount(api.db)).key;
});
afterAll(() => api.close());

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const BODY = 'The value may be undefined on this path, so the total becomes NaN. '.repeat(60).slice(0, 4_000);

async function upload(count: number, path = 'src/app.ts') {
  const pr = fakePr({ base: { 'a.ts': 'a\n' }, head: { 'a.ts': 'b\n' } });
  const deps = { ...pr.deps, resultsApi: createResultsApiPort({ baseUrl: api.url, apiKey: key }) };
  const outcome = makeOutcome({
    unanchored: Array.from({ length: count }, (_, i) =>
      makeUnanchored({
        severity: SEVERITIES[i % SEVERITIES.length]!,
        fingerprint: i.toString(16).padStart(32, '0'),
        path,
        body: BODY,
      }),
    ),
  });
  const notes: Notes = { warnings: [], errors: [] };
  const url = await sendReport(deps, pr.settings, BASE_SHA, outcome, notes, []);
  const id = url?.split('/').at(-1);
  const stored = id
    ? ((await api.call('GET', `/v1/reviews/${id}`, { key })).json as { findings: { severity: string }[] })
    : undefined;
  return { url, notes, stored };
}

describe('the report upload fits the API’s request body limit', () => {
  it('stores 500 findings with long bodies, shortened, and says so', async () => {
    const { url, notes, stored } = await upload(LIMITS.findingsPerReview);
    expect(notes.warnings.join('\n')).not.toMatch(/HTTP 413/);
    expect(url).toMatch(/\/reviews\//);
    expect(stored!.findings).toHaveLength(LIMITS.findingsPerReview);
    expect(notes.warnings).toEqual([
      expect.stringMatching(/^diffray results API: .*500 finding bodies were shortened to \d+ characters/),
    ]);
  });

  it('leaves out the least severe findings when shortening is not enough, and says how many', async () => {
    const { url, notes, stored } = await upload(LIMITS.findingsPerReview + 20, '€'.repeat(LIMITS.pathChars));
    expect(url).toMatch(/\/reviews\//);
    const kept = stored!.findings.length;
    expect(kept).toBeLessThan(LIMITS.findingsPerReview);
    expect(stored!.findings.filter((f) => f.severity === 'critical')).toHaveLength(130);
    expect(notes.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`${LIMITS.findingsPerReview + 20 - kept} least severe findings were left out`),
      ),
    ]);
  });

  it('says nothing when the report fits as it is', async () => {
    const { url, notes } = await upload(10);
    expect(url).toMatch(/\/reviews\//);
    expect(notes.warnings).toEqual([]);
  });
});
