/**
 * `npm run bench [-- --only action|api|quality] [--sizes 5,50] [--latency 1800,63] [--no-build] [--quick]`
 * Runs the benchmarks, prints the figures against their targets and writes JSON to bench/results/.
 * Figures, not tests: nothing here fails on a slow machine; misses are printed as MISS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../test/e2e/harness.js';
import {
  DEFAULT_LATENCY,
  runActionBench,
  TIERS,
  type ActionResults,
  type RunFigures,
  type TierName,
  type TierRun,
} from './action.js';
import { INGEST, OFFERED_RATE, runApiBench, type ApiResults } from './api.js';
import { runQualityBench, type QualityFigures } from './quality.js';
import { int, kb, ms, pct, ratio, sec, table, verdict } from './lib/stats.js';

const USAGE = `usage: npm run bench -- [--only action|api|quality] [--sizes 5,50,300,1000] [--latency <first-token-ms>,<tokens/s>]
                     [--tier generous|low|both|none] [--tier-speedup N]
                     [--no-build] [--no-incremental] [--no-overhead] [--overhead-only] [--overhead-runs N]
                     [--purge-rows 10000,100000,1000000] [--scale <reviews>,<findings>] [--page-requests N]
                     [--duration <seconds per autocannon run>] [--quick]`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    sizes: { type: 'string' },
    latency: { type: 'string' },
    tier: { type: 'string', default: 'both' },
    'tier-speedup': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'no-incremental': { type: 'boolean', default: false },
    'no-overhead': { type: 'boolean', default: false },
    'overhead-only': { type: 'boolean', default: false },
    'overhead-runs': { type: 'string' },
    'purge-rows': { type: 'string' },
    scale: { type: 'string' },
    'page-requests': { type: 'string' },
    duration: { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.only !== undefined && !['action', 'api', 'quality'].includes(values.only)) {
  console.error(`--only: action, api or quality\n${USAGE}`);
  process.exit(2);
}
const numbers = (text: string | undefined, name: string, fallback: number[]): number[] => {
  if (text === undefined) return fallback;
  const list = text.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0)) {
    console.error(`${name}: a comma-separated list of positive numbers\n${USAGE}`);
    process.exit(2);
  }
  return list;
};
const quick = values.quick;
const sizes = numbers(values.sizes, '--sizes', quick ? [5, 50] : [5, 50, 300, 1000]).map(Math.round);
if (sizes.some((n) => n > 5000)) {
  console.error('--sizes: at most 5000 files per PR');
  process.exit(2);
}
const [firstTokenMs, outputTokensPerSecond] = numbers(values.latency, '--latency', [
  DEFAULT_LATENCY.firstTokenMs,
  DEFAULT_LATENCY.outputTokensPerSecond,
]);
const purgeRows = numbers(
  values['purge-rows'],
  '--purge-rows',
  quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000],
).map(Math.round);
if (purgeRows.some((n) => n > 5_000_000)) {
  console.error('--purge-rows: at most 5,000,000');
  process.exit(2);
}
const [scaleReviews, scaleFindings] = numbers(values.scale, '--scale', [100_000, 1_000_000]).map(Math.round);
const [pageRequests] = numbers(values['page-requests'], '--page-requests', [quick ? 40 : 200]).map(
  Math.round,
);
const [duration] = numbers(values.duration, '--duration', [quick ? 3 : 10]);
const tierChoice = values.tier;
if (!['generous', 'low', 'both', 'none'].includes(tierChoice)) {
  console.error(`--tier: generous, low, both or none\n${USAGE}`);
  process.exit(2);
}
// The low tier's rows run faster than real time (its minute and the model alike): in real time its 1000-file
// row alone takes about three minutes. The generous tier's limits never bind, so it runs in real time.
const [lowSpeedup] = numbers(values['tier-speedup'], '--tier-speedup', [4]);
const tiers: TierRun[] = (Object.keys(TIERS) as TierName[])
  .filter((t) => tierChoice === 'both' || tierChoice === t)
  .map((tier) => ({ tier, speedup: tier === 'low' ? lowSpeedup! : 1 }));
const [overheadRuns] = numbers(values['overhead-runs'], '--overhead-runs', [5]).map(Math.round);

const log = (line: string) => console.log(line);
const results: {
  startedAt: string;
  machine: { node: string; cpus: number; cpu: string | undefined; platform: string };
  /** 1-minute load average when each part started and when the run ended (other work on the machine). */
  load: Record<string, number>;
  action?: ActionResults;
  api?: ApiResults;
  quality?: QualityFigures[];
} = {
  startedAt: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, platform: process.platform },
  load: {},
};

/** Calls per pass: review + validation (+ the PR-wide overview of a split PR, + anything else). */
function passes(r: RunFigures): string {
  const review = r.callsByTool.report_findings ?? 0;
  const validation = r.callsByTool.confirm_findings ?? 0;
  const overview = r.callsByTool.overview ?? 0;
  const other = r.calls - review - validation - overview;
  return `${review}+${validation}${overview > 0 ? `+${overview} ov` : ''}${other > 0 ? `+${other}?` : ''}`;
}

function printQuality(rows: QualityFigures[]): void {
  console.log(
    '\n== Quality (engine in process on the synthetic PRs; the scripted model reports true findings and false ones:' +
      " low-confidence, base-only, misquoted-rule, and ones the validator scores 25; usage from the action's token estimator)",
  );
  console.log(
    table([
      [
        'files',
        'true kept',
        'false dropped',
        'low-conf',
        'base-only',
        'rule',
        'by validation',
        'val. calls',
        'val. in',
        'val. out',
        'review wIn',
        'val ÷ wIn (≤ 15 % at 50)',
        'overview in/out',
        '+$ %',
      ],
      ...rows.map((q) => [
        String(q.files),
        `${q.trueKept}/${q.trueTotal} ${verdict(q.trueKept === q.trueTotal)}`,
        `${q.falseDropped}/${q.falseTotal} ${verdict(q.falseDropped === q.falseTotal)}`,
        String(q.filtered['low-confidence'] ?? 0),
        String(q.filtered['base-only'] ?? 0),
        String((q.filtered['rule-not-quoted'] ?? 0) + (q.filtered['rule-misquoted'] ?? 0)),
        `${q.validation.dropped} of ${q.validation.graded}`,
        String(q.validation.calls),
        int(q.validation.input),
        int(q.validation.output),
        int(q.review.weightedInput),
        `${pct(q.validationShare)}${q.files === 50 ? ` ${verdict(q.validationShare <= 0.15)}` : ''}`,
        q.overview.calls > 0 ? `${int(q.overview.input)}/${int(q.overview.output)}` : '—',
        pct(q.addedCostShare),
      ]),
    ]),
  );
}

function printAction(a: ActionResults): void {
  const l = a.latency;
  console.log(
    `\n== Action (fake model: ${l.firstTokenMs} ms to first token, ${l.outputTokensPerSecond} output tokens/s; ` +
      `no rate-limit headers, so ${a.defaultLanes} requests in flight; request budget ${int(a.requestBudgetTokens)} tokens)`,
  );
  const row = (r: RunFigures, label = String(r.files)) => [
    label,
    `${r.calls} (${passes(r)}) / ${r.callTarget} ${verdict(r.calls <= r.callTarget)}`,
    int(r.input.uncached),
    int(r.input.cacheWrite),
    int(r.input.cacheRead),
    int(r.output),
    int(r.diffTokens),
    ratio(r.weightedInputPerDiffToken),
    `${int(r.linesSent)}/${int(r.linesChanged)}`,
    sec(r.wallMs),
    sec(r.floorMs),
    `${ratio(r.wallOverFloor)} ${verdict(r.wallMs <= r.wallTargetMs)}`,
    sec(r.criticalPathMs),
    `${r.github.posts} (${r.github.mutations}) ${verdict(r.github.posts <= 3)}`,
    String(r.github.inlineComments),
    r.exitCode === 0 && !r.error ? `${r.conclusion}` : `exit ${r.exitCode}`,
  ];
  const header = [
    'files',
    'calls (rev+val) / target',
    'in uncached',
    'cache write',
    'cache read',
    'output',
    'diff tok',
    'wIn÷diff',
    'lines sent',
    'wall',
    'floor',
    'wall÷floor',
    'crit. path',
    'GH POST (mut.)',
    'inline',
    'result',
  ];
  const off = a.smallWithoutValidation;
  console.log(table([header, ...a.sizes.map((r) => row(r)), ...(off ? [row(off, '5, no validation')] : [])]));
  for (const r of a.sizes) if (r.error) console.log(`  ${r.files} files: ${r.error}`);
  console.log(
    '  calls target: ceil(diff tokens ÷ budget) + 1; wIn = uncached + 1.25 × write + 0.1 × read (target ≤ 1.6× at 50 and 300 files);',
  );
  console.log(
    '  floor: per pass (review, then validation), the LPT makespan over the default lanes of first-token latency + output ÷ rate, summed',
  );
  console.log(
    '  crit. path: the slowest review request + the slowest validation request (unbounded lanes); the tier rows below aim at it',
  );
  console.log(
    '  wall target: ≤ 1.15 × floor + 1 s; GH POST = content-creating requests (REST POSTs, GraphQL mutations; target ≤ 3), mut. = those + PATCHes',
  );
  for (const r of a.sizes.filter((s) => s.files === 50 || s.files === 300)) {
    console.log(
      `  ${r.files} files: cache-weighted input ${ratio(r.weightedInputPerDiffToken)} the diff ${verdict(r.weightedInputPerDiffToken <= 1.6)}` +
        ` (every changed line sent: ${r.linesSent >= r.linesChanged ? 'yes' : `no, ${r.linesSent}/${r.linesChanged}`})`,
    );
  }
  const small = a.sizes.find((s) => s.files === 5);
  if (small) {
    const review = small.callsByTool.report_findings ?? 0;
    console.log(
      `  5 files → ${small.calls} model call(s) ${verdict(small.calls === 1)} (target 1): ${review} review + ` +
        `${small.calls - review} validation of its high/critical findings (issue 5, on by default)` +
        (off ? `; with the validation pass off: ${off.calls} ${verdict(off.calls === 1)}` : ''),
    );
  }
  console.log(
    `  bundle dist/index.js: ${kb(a.bundle.bytes)} ${verdict(a.bundle.bytes <= 600 * 1024)} (target ≤ 600 KB; ${a.bundle.build})`,
  );
  if (a.coldStart.runs > 0) {
    console.log(
      `  cold start (median of ${a.coldStart.runs}): node dist/index.js ${ms(a.coldStart.actionMedianMs)}, node -e '' ${ms(a.coldStart.nodeMedianMs)}, over baseline ${ms(a.coldStart.overMs)}`,
    );
  }
  if (a.overhead1000) {
    const o = a.overhead1000;
    const runs = a.overhead1000Runs ?? [o];
    const range =
      runs.length > 1
        ? `; median of ${runs.length} runs, all: ${runs.map((r) => sec(r.localOverheadMs)).join(' ')}`
        : '';
    console.log(
      `  local overhead, 1000 files, zero-latency model: wall ${sec(o.wallMs)} − model ${sec(o.modelBusyMs)} = ${sec(o.localOverheadMs)} ${verdict(o.localOverheadMs <= 1500)} (target ≤ 1.5 s; ${o.calls} calls, exit ${o.exitCode}${range})`,
    );
    console.log(
      `    before the first model request ${sec(o.beforeFirstRequestMs)}, after the last answer ${sec(o.afterLastAnswerMs)}`,
    );
  }
  if (a.incremental) {
    const inc = a.incremental;
    console.log('\n== Incremental review (issue 5): 50-file PR, then a push changing 1 file');
    console.log(
      table([
        [
          'run',
          'calls',
          'files sent',
          'input (all)',
          'uncached',
          'cache write',
          'cache read',
          'wall',
          'inline posted',
        ],
        ...[inc.first, inc.second].map((r, i) => [
          i === 0 ? 'first' : 'after push',
          String(r.calls),
          String(r.filesSent),
          int(r.input.uncached + r.input.cacheWrite + r.input.cacheRead),
          int(r.input.uncached),
          int(r.input.cacheWrite),
          int(r.input.cacheRead),
          sec(r.wallMs),
          String(r.github.inlineComments),
        ]),
      ]),
    );
    console.log(
      `  second run's input tokens ÷ first's: ${pct(inc.secondInputShare)} ${verdict(inc.secondInputShare <= 0.1)} (target ≤ 10 %); second run was ${inc.secondRunMode}` +
        (inc.summaryRangeLine ? ` ("${inc.summaryRangeLine}")` : ' (the summary names no range)'),
    );
    console.log(
      `  stable prefix read from cache on calls 2..n: ${pct(inc.prefixReadShareCalls2n)} ${verdict(inc.prefixReadShareCalls2n >= 0.9)} (target ≥ 90 %)` +
        (inc.prefixReadShareRun1Calls2n === null
          ? '; the first run was a single call'
          : `; within the first run alone: ${pct(inc.prefixReadShareRun1Calls2n)}`),
    );
    console.log(
      `  comments re-posted by the second run: ${inc.commentsRepostedSecondRun} ${verdict(inc.commentsRepostedSecondRun === 0)} (target 0; ${inc.commentsPostedSecondRun} new inline comments)`,
    );
  }
}

function printTiers(a: ActionResults): void {
  if (a.tiers.length === 0) return;
  console.log(
    '\n== Rate limits (issue 16): the fake model enforces a tier per model and states it on every answer',
  );
  for (const name of new Set(a.tiers.map((t) => t.tier))) {
    const first = a.tiers.find((t) => t.tier === name)!;
    const l = first.limits;
    console.log(
      `  ${name}: ${int(l.requestsPerMinute)} requests, ${int(l.inputTokensPerMinute)} input and ${int(l.outputTokensPerMinute)} output tokens a minute` +
        (first.speedup === 1
          ? ', in real time'
          : `; time ${first.speedup}× faster: the minute lasts ${sec(l.minuteMs!)}, the model ${first.latency.firstTokenMs} ms to first token and ${first.latency.outputTokensPerSecond} tokens/s`),
    );
  }
  console.log(
    table([
      [
        'tier',
        'files',
        'calls (rev+val)',
        '429s (≤ 3)',
        'peak in flight',
        'counted input',
        'crit. path',
        'rate floor',
        'wall',
        'target',
        'wall÷bound',
        'files reviewed',
        'result',
      ],
      ...a.tiers.map((t) => {
        const r = t.run;
        const all = r.filesReviewed.reviewed >= r.filesReviewed.of;
        const boundMs = t.bound === 'rate' ? t.rateFloorMs : r.criticalPathMs;
        return [
          t.tier,
          String(r.files),
          `${r.calls} (${passes(r)})`,
          `${r.rateLimited} ${verdict(r.rateLimited <= 3)}`,
          String(r.peakInFlight),
          int(r.countedInput),
          sec(r.criticalPathMs),
          sec(t.rateFloorMs),
          sec(r.wallMs),
          `${sec(t.targetMs)} ${t.bound === 'rate' ? '(1.3×rate)' : '(1.15×CP+1s)'}`,
          `${ratio(r.wallMs / boundMs)} ${verdict(r.wallMs <= t.targetMs)}`,
          `${r.filesReviewed.reviewed}/${r.filesReviewed.of} ${verdict(all)}`,
          r.exitCode === 0 && !r.error ? `${r.conclusion}` : `exit ${r.exitCode}`,
        ];
      }),
    ]),
  );
  for (const t of a.tiers) if (t.run.error) console.log(`  ${t.tier} ${t.run.files} files: ${t.run.error}`);
  console.log(
    "  counted input: uncached + cache writes of admitted requests (cache reads do not count against the limit); rate floor = counted input ÷ the tier's input tokens per minute",
  );
  console.log(
    '  target: when the rate floor exceeds the critical path the rate binds, and wall ≤ 1.3 × rate floor; otherwise wall ≤ 1.15 × crit. path + 1 s',
  );
}

function printApi(a: ApiResults): void {
  console.log(
    `\n== API (autocannon: ${a.connections} connections, ${a.durationSeconds} s per run; each server in its own process;` +
      ' SQLite file, PostgreSQL on loopback with fsync on)',
  );
  console.log(
    table([
      [
        'engine',
        'endpoint',
        'req/s',
        'p50',
        'p99',
        'CPU µs/req',
        'main µs/req',
        '2nd thread µs/req',
        'PostgreSQL µs/req',
        'load gen µs/req',
        'non-2xx',
        'errors',
      ],
      ...a.http.map((h) => [
        h.engine,
        h.name,
        int(h.requestsPerSecond),
        ms(h.p50),
        ms(h.p99),
        int(h.cpuUsPerRequest),
        int(h.mainUsPerRequest),
        int(h.otherThreadUsPerRequest),
        h.databaseUsPerRequest === undefined ? '' : int(h.databaseUsPerRequest),
        int(h.loadGeneratorUsPerRequest),
        String(h.non2xx),
        String(h.errors),
      ]),
    ]),
  );
  const bare = a.http.find((h) => h.engine === 'bare' && h.name.startsWith('POST'));
  // #13 §5's restated targets (0.35× and 2 µs/row were withdrawn: beyond this runner's CPU and disk).
  for (const [engine, floor] of [
    ['sqlite', 0.25],
    ['postgres', 0.15],
  ] as const) {
    const ingest = a.http.find((h) => h.engine === engine && h.name === INGEST);
    const paced = a.http.find((h) => h.engine === engine && h.offeredRate === OFFERED_RATE);
    if (!ingest || !bare || !paced) continue;
    const r = ingest.requestsPerSecond / bare.requestsPerSecond;
    console.log(
      `  ${engine}: ingest ÷ bare req/s ${ratio(r)} ${verdict(r >= floor)} (target ≥ ${floor}); ` +
        `p99 at an offered ${OFFERED_RATE} req/s ${ms(paced.p99)} ${verdict(paced.p99 <= 25)} (target ≤ 25 ms; served ${int(paced.requestsPerSecond)} req/s)`,
    );
  }
  if (a.instances.length > 0) {
    console.log(
      '\n  ingest on PostgreSQL by one serve process and by two on the same database (connections split between them):',
    );
    console.log(
      table([
        [
          'instances',
          'req/s',
          'p99',
          'server µs/req',
          'server cores',
          'PostgreSQL µs/req',
          'PostgreSQL cores',
          'load gen cores',
          'errors',
        ],
        ...a.instances.map((i) => [
          String(i.instances),
          int(i.requestsPerSecond),
          ms(i.p99),
          i.serverUsPerRequest.map(int).join(' + '),
          i.serverCores.map((c) => c.toFixed(2)).join(' + '),
          int(i.databaseUsPerRequest),
          i.databaseCores.toFixed(2),
          i.loadGeneratorCores.toFixed(2),
          String(i.errors),
        ]),
      ]),
    );
    const [one, two] = a.instances;
    if (one && two)
      console.log(
        `  two ÷ one: ${ratio(two.requestsPerSecond / one.requestsPerSecond)} (the 1.6× target needs cores this machine lacks: bench/README.md)`,
      );
  }
  for (const p of a.pages) {
    console.log(
      `\n  ${p.engine}, one account with ${int(p.seed.reviews)} reviews and ${int(p.seed.findings)} findings (seeded in ${sec(p.seed.seedMs)}):`,
    );
    for (const f of p.pages) {
      console.log(
        `    ${f.name}: p95 ${ms(f.p95)} ${verdict(f.p95 <= 100)} (target ≤ 100 ms; p50 ${ms(f.p50)}, max ${ms(f.max)}, ${f.requests} sequential requests)`,
      );
    }
    console.log(
      `    plans of the statements of each page's first request (${p.engine === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN (ANALYZE, BUFFERS)'}):`,
    );
    for (const { sql, plan } of p.plans) {
      console.log(`    ${sql.replace(/\s+/g, ' ').slice(0, 160)}`);
      for (const line of plan.split('\n')) console.log(`      ${line}`);
    }
  }
  console.log(
    '\n  purge: SQLite with secure_delete on, batches of 5,000, WAL checkpoint included; PostgreSQL: purge(), then' +
      ' VACUUM of its tables and a CHECKPOINT (what frees the space; fsync on)',
  );
  const engines = [...new Set(a.purge.map((p) => p.engine))];
  console.log(
    table([
      [
        'engine',
        'rows deleted',
        'seed',
        'purge',
        'µs/row',
        'vs smallest',
        'floor µs/row',
        'purge ÷ floor',
        'purge() alone',
        'day partitions dropped',
        'drop µs/row',
      ],
      ...a.purge.map((p) => {
        const smallest = a.purge.find((q) => q.engine === p.engine)!;
        return [
          p.engine,
          int(p.rowsDeleted),
          sec(p.seedMs),
          sec(p.purgeMs),
          p.usPerRow.toFixed(2),
          ratio(p.usPerRow / smallest.usPerRow),
          p.floorUsPerRow.toFixed(2),
          ratio(p.usPerRow / p.floorUsPerRow),
          p.purgeOnlyMs === undefined ? '' : sec(p.purgeOnlyMs),
          p.partitions ? String(p.partitions.dropped) : '',
          p.partitions ? p.partitions.usPerRow.toFixed(2) : '',
        ];
      }),
    ]),
  );
  for (const engine of engines) {
    const rows = a.purge.filter((p) => p.engine === engine);
    for (let i = 1; i < rows.length; i++) {
      const [p, q] = [rows[i - 1]!, rows[i]!];
      const marginal = ((q.purgeMs - p.purgeMs) * 1000) / (q.rowsDeleted - p.rowsDeleted);
      console.log(
        `  ${engine}: marginal cost ${int(p.rowsDeleted)} → ${int(q.rowsDeleted)} rows: ${marginal.toFixed(2)} µs/row`,
      );
    }
    const worst = Math.max(...rows.map((p) => p.usPerRow / p.floorUsPerRow));
    const perRow = rows.map((p) => p.usPerRow);
    const spread = Math.max(...perRow) / Math.min(...perRow);
    console.log(
      `  ${engine} purge: worst ${ratio(worst)} the floor ${verdict(worst <= 1.6)} (target ≤ 1.6×); per-row cost spread ${ratio(spread)} across sizes ${verdict(spread <= 1.5)} (linear: ≤ 1.5×)`,
    );
    const trial = rows.filter((p) => p.partitions);
    if (trial.length > 0) {
      console.log(
        `  ${engine} day partitions: dropping them costs ` +
          trial
            .map((p) => `${ratio(p.partitions!.usPerRow / p.usPerRow)} the purge at ${int(p.rowsDeleted)}`)
            .join(', ') +
          ' (a scratch schema of the bench: reviews, findings and texts partitioned by day, expired days detached and dropped)',
      );
    }
  }
  console.log(
    '  floor: SQLite, emptying a table of as many finding rows (DELETE without WHERE: a truncation) with the same checkpoint; PostgreSQL, copies of the same rows (no index, no trigger) deleted, then VACUUM and CHECKPOINT',
  );
}

const started = performance.now();
if (values.only === undefined || values.only === 'quality') {
  results.load.quality = loadavg()[0]!;
  console.log('Quality benchmark');
  results.quality = [];
  for (const files of sizes) results.quality.push(await runQualityBench(files));
}
if (values.only === undefined || values.only === 'action') {
  results.load.action = loadavg()[0]!;
  console.log('Action benchmark');
  results.action = await runActionBench({
    sizes,
    latency: { firstTokenMs: firstTokenMs!, outputTokensPerSecond: outputTokensPerSecond! },
    build: !values['no-build'],
    incremental: !values['no-incremental'],
    overhead: !values['no-overhead'] && !quick,
    overheadOnly: values['overhead-only'],
    overheadRuns: overheadRuns!,
    coldStartRuns: 10,
    tiers,
    log,
  });
}
if (values.only === undefined || values.only === 'api') {
  results.load.api = loadavg()[0]!;
  console.log('\nAPI benchmark');
  results.api = await runApiBench({
    purgeRows,
    durationSeconds: duration!,
    connections: 10,
    scale: { reviews: scaleReviews!, findings: scaleFindings! },
    pageRequests: pageRequests!,
    log,
  });
}
results.load.end = loadavg()[0]!;
console.log(
  `\nMachine: ${results.machine.cpus} × ${results.machine.cpu}, Node ${results.machine.node}; 1-min load average ` +
    Object.entries(results.load)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ') +
    ' (anything above 0 is other work sharing the cores)',
);
if (results.action) {
  printAction(results.action);
  printTiers(results.action);
}
if (results.api) printApi(results.api);
if (results.quality) printQuality(results.quality);

const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${results.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nTotal ${sec(performance.now() - started)}; JSON written to ${file}`);
