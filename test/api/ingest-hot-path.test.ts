/**
 * The ingest hot path's shortcuts must not change what it accepts, refuses or stores: the compiled request
 * schema against zod's runtime parser, the rebuilt `sanitizeReport` against the plain rules, and the
 * checkpointer's WAL restarts (the database stays whole and the WAL bounded).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toClassic } from '../../api/classic.js';
import { createAccount, getReview, insertReview } from '../../api/db/index.js';
import { reviewExpiresAt } from '../../api/retention.js';
import { sanitizeReport } from '../../api/routes/reviews.js';
import { ReviewReportSchema } from '../../api/schemas.js';
import * as shared from '../../shared/index.js';
import { LIMITS, type ReviewReport } from '../../shared/index.js';
import { makeFinding, makeReport, T0, openTestDatabase } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'diffray-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the compiled ingest schema', () => {
  const runtime = toClassic(shared.ReviewReportSchema);
  const base = makeReport({
    findings: [makeFinding(), makeFinding({ startLine: 3, line: 9, title: 'Second', body: '' })],
  });
  const variants: [string, unknown][] = [
    ['valid', base],
    ['no findings', { ...base, findings: [] }],
    ['unknown top-level field', { ...base, extra: 1 }],
    ['unknown finding field', { ...base, findings: [{ ...base.findings[0], extra: true }] }],
    ['missing field', { ...base, headSha: undefined }],
    ['wrong type', { ...base, pullRequest: '7' }],
    ['not an integer', { ...base, pullRequest: 7.5 }],
    ['zero line', { ...base, findings: [{ ...base.findings[0], line: 0 }] }],
    ['bad enum', { ...base, findings: [{ ...base.findings[0], severity: 'urgent' }] }],
    ['bad sha', { ...base, headSha: 'xyz' }],
    ['bad fingerprint', { ...base, findings: [{ ...base.findings[0], fingerprint: 'NOTHEX' }] }],
    ['title too long', { ...base, findings: [{ ...base.findings[0], title: 'x'.repeat(5_000) }] }],
    ['negative cost', { ...base, costUsd: -1 }],
    ['bad nested object', { ...base, tokens: { ...base.tokens, extra: 1 } }],
    [
      'too many findings',
      { ...base, findings: Array.from({ length: LIMITS.findingsPerReview + 1 }, () => base.findings[0]) },
    ],
    ['not an object', [base]],
    ['null', null],
  ];

  it('is compiled (a clone of the runtime schema)', () => {
    expect(ReviewReportSchema).not.toBe(runtime);
  });

  it.each(variants)('answers like the runtime parser: %s', async (_name, input) => {
    const want = runtime.safeParse(input);
    for (const got of [ReviewReportSchema.safeParse(input), await ReviewReportSchema.safeParseAsync(input)]) {
      expect(got.success).toBe(want.success);
      if (want.success) expect(got.data).toEqual(want.data);
      else expect(got.error?.issues).toEqual(want.error.issues);
    }
  });
});

describe('sanitizeReport', () => {
  /** The rule as first written: collapse every whitespace run, trim, then cap. */
  const plainTitle = (title: string) => title.replace(/\s+/g, ' ').trim() || '(untitled)';

  it.each([
    'Plain title',
    'two  spaces',
    ' leading',
    'trailing ',
    'tab\there',
    'line\nbreak',
    'crlf\r\nbreak',
    'nbsp\u00a0here',
    'ideographic\u3000space',
    'line\u2028separator',
    '\ufeffbom',
    '   ',
    '',
    'é ü ß',
  ])('keeps a title on one line like the plain rule: %j', (title) => {
    const out = sanitizeReport(makeReport({ findings: [makeFinding({ title })] }));
    expect(out.findings[0]!.title).toBe(plainTitle(title));
  });

  it('keeps every field, drops an inverted startLine, caps text and strips fences', () => {
    const report: ReviewReport = makeReport({
      findings: [
        makeFinding({ startLine: 5, line: 9 }),
        makeFinding({ startLine: 12, line: 9 }),
        makeFinding({ title: 'x'.repeat(LIMITS.findingTitleChars + 5), body: 'y'.repeat(5_000) }),
        makeFinding({ title: 'See ```a()```', body: 'Before\n```ts\ncode()\n```\nAfter' }),
      ],
    });
    const out = sanitizeReport(report);
    expect(out).toEqual({ ...report, findings: out.findings });
    expect(out.findings[0]).toEqual(report.findings[0]);
    expect(out.findings[1]).toEqual(
      Object.fromEntries(Object.entries(report.findings[1]!).filter(([k]) => k !== 'startLine')),
    );
    expect(out.findings[2]!.title).toHaveLength(LIMITS.findingTitleChars);
    expect(out.findings[2]!.body).toHaveLength(LIMITS.findingBodyChars);
    expect(out.findings[3]!.title).not.toContain('```');
    expect(out.findings[3]!.body).toBe('Before\n[code omitted]\nAfter');
  });
});

/** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL restarts from its start. */
function walRestarts(path: string): number {
  const fd = openSync(`${path}-wal`, 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

describe('WAL restarts by the background checkpointer', () => {
  it('keeps the WAL bounded under sustained ingest through the writer, and loses nothing', async () => {
    const path = join(dir, 'restart.db');
    // 400 frames ≈ 1.6 MB: restarts after a couple of dozen 50-finding reviews instead of 256 MiB.
    const db = openTestDatabase(path, { backgroundCheckpoints: true, walRestartFrames: 400 });
    try {
      const accountId = (await createAccount(db, 'restart', T0)).id;
      const report = makeReport({
        findings: Array.from({ length: 50 }, (_, i) => makeFinding({ line: i + 1 })),
      });
      const ingest = async () =>
        await insertReview(db, { accountId, report, now: T0, expiresAt: reviewExpiresAt(T0) });
      const ids: string[] = [];
      const deadline = Date.now() + 20_000;
      // Eight reviews in flight at a time, as concurrent requests send them, until the checkpointer has
      // brought the WAL back to its start a few times while writes kept coming.
      while (ids.length === 0 || (walRestarts(path) < 3 && Date.now() < deadline))
        ids.push(...(await Promise.all(Array.from({ length: 8 }, ingest))));
      expect(walRestarts(path)).toBeGreaterThanOrEqual(3);
      // ~17 frames per review: without restarts the WAL file would hold every one of them.
      expect(statSync(`${path}-wal`).size).toBeLessThan(ids.length * 17 * 4096);
      expect(db.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      for (const id of [ids[0]!, ids[Math.floor(ids.length / 2)]!, ids.at(-1)!])
        expect((await getReview(db, { accountId, id, now: T0 }))?.findings).toHaveLength(50);
    } finally {
      await db.close();
    }
  }, 30_000);
});
