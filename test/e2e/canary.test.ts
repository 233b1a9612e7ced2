/**
 * The canary test across both halves, the action and the results API. A fixture PR's changed code holds a
 * unique string; the bundled action runs against fake GitHub and fake Anthropic with the REAL results API running
 * (SQLite file, request log captured through the injected sink). The fake model quotes that code in its
 * findings: in a fenced block of the body (``` and ~~~ fences), in `quote`, and in `suggestion`; one
 * finding is posted inline, one goes to the summary because of `max-comments`, one cannot be anchored,
 * so every path into the report is exercised. A fourth quotes it in every other Markdown form code
 * takes: a fence in a list item and in a blockquote, an indented block, HTML `<pre>` and `<code>`, a
 * long inline code span, and plain prose with no markup at all (which only the action's check against the
 * reviewed lines can catch).
 *
 * The promise tested is the contract's: "no source code stored", whatever form the model quotes it in.
 * After the run the canary is absent from what the API received, from the database file, its `-wal` and
 * `-shm` (read while the server runs and again after it closed), from the action's stdout and stderr (with
 * step debug on), and from the API's request log. The plaintext API keys are absent from all
 * of them too (the action's log carries the key only in the `::add-mask::` command the runner consumes).
 *
 * Positive control: a second unique marker sits in the finding's PROSE (outside any code block). Prose is
 * forwarded by design, so that marker MUST be found in the request body and read back through the API;
 * stored, it is sealed (encryption at rest), so the files must hold the stored envelope and not the marker:
 * this proves the scans see what the API stored, so the canary's absence means something.
 *
 * The canary does reach GitHub (the review comment shows the code) and the model, which is where code is
 * allowed to go.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsFor, modelFinding } from '../fakes/anthropic.js';
import { filesContaining, startApi, type RunningApi } from './api-harness.js';
import { lineOf, startPr, type ActionResult, type PrUnderTest } from './harness.js';

const CANARY = `CANARY_${randomBytes(8).toString('hex')}`;
const PROSE = `PROSEMARK_${randomBytes(8).toString('hex')}`;

const CONFIG_BASE = ['export const region = "eu-west-1";', ''].join('\n');
const CONFIG_HEAD = [
  'export const region = "eu-west-1";',
  `export const label = "${CANARY}";`,
  `export const fallback = label.replace("${CANARY}", "");`,
  '',
].join('\n');
const LABEL_LINE = `export const label = "${CANARY}";`;
const FALLBACK_LINE = `export const fallback = label.replace("${CANARY}", "");`;

/** Posted inline: canary in a ``` block of the body, in quote and in suggestion. */
const POSTED = modelFinding({
  path: 'src/config.ts',
  line: lineOf(CONFIG_HEAD, LABEL_LINE),
  severity: 'high',
  category: 'maintainability',
  title: 'Hard-coded label',
  body: [
    `${PROSE}: the label is hard-coded here:`,
    '',
    '```ts',
    LABEL_LINE,
    '```',
    '',
    'Read it from the environment instead.',
  ].join('\n'),
  quote: LABEL_LINE,
  suggestion: `export const label = process.env.LABEL ?? "${CANARY}";`,
});

/** Over max-comments (1): lands in the summary's overflow; canary in a ~~~ block, quote and suggestion. */
const OVERFLOW = modelFinding({
  path: 'src/config.ts',
  line: lineOf(CONFIG_HEAD, FALLBACK_LINE),
  severity: 'low',
  category: 'style',
  title: 'Redundant replace',
  body: ['Replacing the label inside itself is a no-op:', '', '~~~', FALLBACK_LINE, '~~~'].join('\n'),
  quote: FALLBACK_LINE,
  suggestion: 'export const fallback = "";',
});

/** Cannot be anchored (a line outside the diff, a quote not in the file): canary in a ```` block. */
const UNANCHORED = modelFinding({
  path: 'src/config.ts',
  line: 40,
  severity: 'medium',
  category: 'correctness',
  title: 'Label used before definition',
  body: ['Somewhere below, this runs too early:', '', '````js', `use("${CANARY}")`, '````'].join('\n'),
  quote: `use("${CANARY}")`,
  suggestion: `use(label) // ${CANARY}`,
});

/** Over max-comments too: the canary lines in each other Markdown form, which the parser must see as code. */
const FORMS = modelFinding({
  path: 'src/config.ts',
  line: lineOf(CONFIG_HEAD, FALLBACK_LINE),
  severity: 'medium',
  category: 'maintainability',
  title: 'Label quoted in every form',
  body: [
    'The same label, again:',
    '',
    '- in a list item:',
    '',
    '  ```ts',
    `  ${LABEL_LINE}`,
    '  ```',
    '',
    '> in a blockquote:',
    '> ```',
    `> ${FALLBACK_LINE}`,
    '> ```',
    '',
    'indented:',
    '',
    `    ${LABEL_LINE}`,
    '',
    `As HTML, <pre>${LABEL_LINE}</pre> and <code>${FALLBACK_LINE}</code>.`,
    '',
    `Inline: \`${LABEL_LINE}\`.`,
    '',
    `And in plain words, the line ${LABEL_LINE} (then ${FALLBACK_LINE}) reads badly.`,
  ].join('\n'),
});

let pr: PrUnderTest;
let api: RunningApi;
let result: ActionResult;
/** The API's data directory, read while the server was still running (WAL not yet checkpointed). */
let filesWhileRunning: Map<string, Buffer>;
/** The same after the server stopped and SQLite closed the database. */
let filesAfterClose: Map<string, Buffer>;
/** The review as `GET /v1/reviews/:id` answered it, and its finding texts as stored (sealed). */
let storedReview: string;
let storedTexts: Buffer[];

beforeAll(async () => {
  pr = await startPr({
    base: { 'src/config.ts': CONFIG_BASE },
    head: { 'src/config.ts': CONFIG_HEAD },
    script: findingsFor(POSTED, OVERFLOW, UNANCHORED, FORMS),
  });
  api = await startApi();
  result = await pr.run({
    inputs: { 'api-key': api.actionKey, 'api-url': api.url, 'max-comments': '1' },
    env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' },
  });
  filesWhileRunning = api.storageFiles();
  const reviewId = new URL(result.outputs['results-url']!).pathname.split('/').at(-1)!;
  storedReview = JSON.stringify((await api.get(`/v1/reviews/${reviewId}`)).json);
  storedTexts = api.db.sqlite.prepare('SELECT sealed FROM finding_texts').pluck().all() as Buffer[];
  await api.closeDb();
  filesAfterClose = api.storageFiles();
}, 120_000);

afterAll(async () => {
  await api?.cleanup();
  await pr?.close();
});

describe('the canary: code from the PR never reaches the results API', () => {
  it('the run reported a review with all four findings (so the absence below is meaningful)', () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const posts = api.requests.filter((r) => r.method === 'POST' && r.path === '/v1/reviews');
    expect(posts).toHaveLength(1);
    const report = JSON.parse(posts[0]!.body) as { findings: { title: string; body: string }[] };
    expect(report.findings.map((f) => f.title).sort()).toEqual(
      [
        'Hard-coded label',
        'Label quoted in every form',
        'Label used before definition',
        'Redundant replace',
      ].sort(),
    );
    expect(result.outputs['results-url']).toMatch(/\/reviews\//);
  });

  it('the canary did travel where code may go: to the model and into the GitHub review', () => {
    expect(pr.anthropic.allSentText()).toContain(CANARY);
    expect(pr.github.reviewComments).toHaveLength(1);
    const inline = pr.github.reviewComments[0]!.body;
    expect(inline).toContain('```suggestion');
    expect(inline).toContain(CANARY);
  });

  it('positive control: finding prose is forwarded and stored sealed, and the scans find the envelope', () => {
    const post = api.requests.find((r) => r.method === 'POST' && r.path === '/v1/reviews')!;
    expect(post.body).toContain(PROSE);
    expect(post.body).toContain('[code omitted]');
    expect(storedReview).toContain(PROSE);
    expect(storedTexts).toHaveLength(1);
    expect(filesAfterClose.get('diffray.db')!.includes(storedTexts[0]!)).toBe(true);
    expect(filesContaining(filesWhileRunning, PROSE)).toEqual([]);
    expect(filesContaining(filesAfterClose, PROSE)).toEqual([]);
  });

  it('is absent from every request the API received (URL, headers, body)', () => {
    expect(api.requests.length).toBeGreaterThan(0);
    for (const r of api.requests) {
      expect(`${r.url}\n${r.authorization ?? ''}\n${r.body}`).not.toContain(CANARY);
    }
  });

  it('is absent from the database file, its -wal and -shm, while running and after close', () => {
    expect([...filesWhileRunning.keys()]).toEqual(
      expect.arrayContaining(['diffray.db', 'diffray.db-wal', 'diffray.db-shm']),
    );
    expect(filesWhileRunning.get('diffray.db-wal')!.length).toBeGreaterThan(0);
    expect(filesContaining(filesWhileRunning, CANARY)).toEqual([]);
    expect(filesContaining(filesAfterClose, CANARY)).toEqual([]);
  });

  it('is absent from the action log (stdout and stderr, step debug on) and the API request log', () => {
    expect(result.stdout.length).toBeGreaterThan(0);
    expect(result.stdout + result.stderr).not.toContain(CANARY);
    expect(api.logs.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(api.logs)).not.toContain(CANARY);
  });
});

describe('the canary: the plaintext API keys are stored and logged nowhere', () => {
  it('neither the action key nor the admin key is in the database files', () => {
    for (const key of [api.actionKey, api.adminKey]) {
      expect(filesContaining(filesWhileRunning, key)).toEqual([]);
      expect(filesContaining(filesAfterClose, key)).toEqual([]);
    }
  });

  it('neither key is in the API request log', () => {
    const logs = JSON.stringify(api.logs);
    expect(logs).not.toContain(api.actionKey);
    expect(logs).not.toContain(api.adminKey);
  });

  it('the action log carries the action key only in the ::add-mask:: command (the runner consumes it)', () => {
    const lines = (result.stdout + result.stderr).split('\n').filter((l) => l.includes(api.actionKey));
    expect(lines).toEqual([`::add-mask::${api.actionKey}`]);
    expect(result.stdout + result.stderr).not.toContain(api.adminKey);
  });
});
