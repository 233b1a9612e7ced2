/**
 * The account export streams: a large account's export is read and written in bounded steps
 * (`exportPages`: each page a bounded read), `/healthz` keeps answering while it is read, and it holds
 * everything the account has: every review with every finding, the whole audit log (no cap), and its page
 * sessions as metadata, never a token. The event loop's longest stall is printed (the server runs in this
 * process, so `monitorEventLoopDelay` sees its loop), not asserted: timings belong to bench/.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, exportPages, insertReview, recordAudit } from '../../api/db/index.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { DAY_MS, LIMITS } from '../../shared/index.js';
import { makeFinding, makeReport, rowsOf, seedAccount, startServer, T0, type TestServer } from './helpers.js';

const REVIEWS = 60;
/** Findings of review `r`: some reviews fit in a step with others, some are written over several steps. */
const findingsOf = (r: number) => (r % 3 === 0 ? 130 : 25);
const AUDIT_ENTRIES = 2_500;
/** The walkthrough of review 1 (sealed at rest, opened in the export). */
const WALKTHROUGH = { overview: ['Adds parsing.'], files: [{ path: 'src/a.ts', summary: 'Parses.' }] };

let s: TestServer;
let account: { accountId: string; key: string; keyId: string };
beforeAll(async () => {
  s = await startServer();
  account = await seedAccount(s.db, { name: 'large' });
  const body = 'x'.repeat(LIMITS.findingBodyChars - 20);
  for (let r = 0; r < REVIEWS; r += 1) {
    const now = new Date(T0.getTime() + r * 60_000);
    const findings = Array.from({ length: findingsOf(r) }, (_, f) =>
      makeFinding({ line: f + 1, title: `review ${r} finding ${f}`, body: `${r}/${f} ${body}` }),
    );
    await insertReview(s.db, {
      accountId: account.accountId,
      report: makeReport({
        repository: `octo/repo-${r % 7}`,
        pullRequest: r + 1,
        findings,
        ...(r === 1 ? { walkthrough: WALKTHROUGH } : {}),
      }),
      now,
      expiresAt: reviewExpiresAt(now),
    });
  }
  for (let i = 0; i < AUDIT_ENTRIES; i += 1) {
    await recordAudit(s.db, {
      accountId: account.accountId,
      actor: 'cli',
      action: 'test.entry',
      target: `entry ${i}`,
      at: new Date(T0.getTime() + i),
    });
  }
  await createSession(s.db, {
    accountId: account.accountId,
    apiKeyId: account.keyId,
    now: T0,
    expiresAt: new Date(T0.getTime() + DAY_MS),
  });
}, 120_000);
afterAll(() => s.close());

/**
 * Runs `work` while polling `/healthz`, measuring the event loop's longest stall (`work` keeps what it
 * reads as it comes and decodes it after, so the client's decoding is not counted).
 */
async function whilePolling<T>(work: () => Promise<T>) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const health = { answered: 0, slowestMs: 0 };
  let working = true;
  const poll = (async () => {
    while (working) {
      const started = performance.now();
      const res = await fetch(`${s.url}/healthz`);
      await res.arrayBuffer();
      if (!working) break;
      health.answered += 1;
      health.slowestMs = Math.max(health.slowestMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  loop.enable();
  const started = performance.now();
  const result = await work();
  const durationMs = performance.now() - started;
  loop.disable();
  working = false;
  await poll;
  return { result, durationMs, maxStallMs: loop.max / 1e6, health };
}

async function readExport() {
  const res = await fetch(`${s.url}/v1/account/export`, {
    headers: { authorization: `Bearer ${account.key}` },
  });
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body!) chunks.push(chunk);
  return { res, chunks };
}

describe('GET /v1/account/export of a large account', () => {
  it('is made of bounded steps: at most 50 findings or 500 rows a page, a large review over several', async () => {
    const findingPages: number[] = [];
    const rowPages: number[] = [];
    for await (const page of exportPages(s.db, account.accountId, T0)) {
      if (page.kind === 'findings') findingPages.push(page.findings.length);
      if (page.kind === 'rows') rowPages.push(page.rows.length);
    }
    expect(Math.max(...findingPages)).toBeLessThanOrEqual(50);
    expect(Math.max(...rowPages)).toBeLessThanOrEqual(500);
    // Every third review has 130 findings: three pages each at least.
    expect(findingPages.filter((n) => n > 0).length).toBeGreaterThanOrEqual((REVIEWS / 3) * 3);
    expect(rowPages.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(AUDIT_ENTRIES);
  });

  it('streams without stalling the event loop, and holds everything, as valid JSON', async () => {
    const { result, durationMs, maxStallMs, health } = await whilePolling(readExport);
    const idle = await whilePolling(() => new Promise((r) => setTimeout(r, durationMs)));
    const { res, chunks } = result;
    const text = Buffer.concat(chunks).toString('utf8');
    console.log(
      `export: ${(text.length / 1e6).toFixed(1)} MB in ${Math.round(durationMs)} ms; longest event-loop ` +
        `stall ${Math.round(maxStallMs)} ms (idle: ${Math.round(idle.maxStallMs)} ms); /healthz answered ` +
        `${health.answered} times, slowest ${Math.round(health.slowestMs)} ms`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    expect(health.answered).toBeGreaterThan(0);

    const data = JSON.parse(text) as {
      account: { id: string };
      reviews: {
        pullRequest: number;
        repository: string;
        walkthrough: unknown;
        findings: { title: string; body: string }[];
      }[];
      auditLog: { action: string; target: string }[];
      sessions: Record<string, unknown>[];
      repositories: unknown[];
      dailyAggregates: unknown[];
      keys: unknown[];
    };
    expect(data.account.id).toBe(account.accountId);
    expect(data.reviews).toHaveLength(REVIEWS);
    expect(data.reviews.map((r) => r.pullRequest).sort((a, b) => a - b)).toEqual(
      Array.from({ length: REVIEWS }, (_, r) => r + 1),
    );
    for (const review of data.reviews) {
      const r = review.pullRequest - 1;
      expect(review.repository).toBe(`octo/repo-${r % 7}`);
      expect(review.findings).toHaveLength(findingsOf(r));
      expect(new Set(review.findings.map((f) => f.title)).size).toBe(findingsOf(r));
      expect(review.findings.every((f) => f.title.startsWith(`review ${r} `))).toBe(true);
      expect(review.walkthrough).toEqual(r === 1 ? WALKTHROUGH : null);
    }
    expect(data.repositories).toHaveLength(7);
    expect(data.dailyAggregates).toHaveLength(7);
    expect(data.keys).toHaveLength(1);
    // The whole audit log: every entry, this export's own included.
    const entries = data.auditLog.filter((e) => e.action === 'test.entry').map((e) => e.target);
    expect(new Set(entries).size).toBe(AUDIT_ENTRIES);
    expect(data.auditLog.some((e) => e.action === 'account.export')).toBe(true);
    // Sessions as metadata: who, when, until when; never an id a token could be matched against.
    expect(data.sessions).toEqual([
      {
        userId: null,
        apiKeyId: account.keyId,
        createdAt: T0.toISOString(),
        expiresAt: new Date(T0.getTime() + DAY_MS).toISOString(),
        revokedAt: null,
      },
    ]);
    const sessionId = (
      await rowsOf<{ id: string }>(s.db, 'SELECT id FROM sessions WHERE account_id = ?', account.accountId)
    )[0]!.id;
    expect(text).not.toContain(sessionId);
  }, 120_000);
});
