import { CATEGORIES, type Category } from '../../shared/finding.js';
import { ColumnHeads, formatCost, Table } from './components.js';

/** How far back the trends reach: 12 months. */
export const TREND_DAYS = 365;

/** One day of aggregates as the trends read them (`trendDays` in `db/totals.ts`). */
export type TrendInput = { day: string } & Record<
  'introduced' | 'fixed' | 'dismissed' | 'costMicros' | FixBucket | Category,
  number
>;

type FixBucket = 'fixedIn1d' | 'fixedIn3d' | 'fixedIn7d' | 'fixedIn14d' | 'fixedLater';

/** The fix-time buckets in order, with how the page names each. */
const FIX_BUCKETS: readonly [FixBucket, string][] = [
  ['fixedIn1d', 'within a day'],
  ['fixedIn3d', 'within 3 days'],
  ['fixedIn7d', 'within a week'],
  ['fixedIn14d', 'within 2 weeks'],
  ['fixedLater', 'after more than 2 weeks'],
];

/** One week of the trends: its Monday (`YYYY-MM-DD`, UTC) and its sums. */
export interface TrendWeek {
  week: string;
  introduced: number;
  fixed: number;
  dismissed: number;
  costUsd: number;
}

/** The Monday of `day`'s week (UTC). */
function mondayOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - weekday * 86_400_000).toISOString().slice(0, 10);
}

/** Every week from `from`'s to `to`'s (inclusive), each with the sums of its days; empty weeks are zeros. */
export function weeklyTrends(days: readonly TrendInput[], from: Date, to: Date): TrendWeek[] {
  const weeks = new Map<string, TrendWeek>();
  const last = mondayOf(to.toISOString().slice(0, 10));
  for (let w = mondayOf(from.toISOString().slice(0, 10)); w <= last;) {
    weeks.set(w, { week: w, introduced: 0, fixed: 0, dismissed: 0, costUsd: 0 });
    w = new Date(Date.parse(`${w}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
  }
  for (const d of days) {
    const week = weeks.get(mondayOf(d.day));
    if (!week) continue;
    week.introduced += d.introduced;
    week.fixed += d.fixed;
    week.dismissed += d.dismissed;
    week.costUsd += d.costMicros / 1_000_000;
  }
  return [...weeks.values()];
}

/**
 * The median time from a finding's first run to the run that found it fixed, as the bucket it falls in
 * ("within 3 days"); undefined when no fix with a known first run is counted.
 */
export function medianFixTime(days: readonly TrendInput[]): string | undefined {
  const counts = FIX_BUCKETS.map(([key]) => days.reduce((n, d) => n + d[key], 0));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (let k = 0; k < counts.length; k++) {
    seen += counts[k]!;
    if (seen * 2 >= total) return FIX_BUCKETS[k]![1];
  }
  return FIX_BUCKETS.at(-1)![1];
}

/** Categories by findings introduced, most first, without the empty ones. */
export function topCategories(
  days: readonly TrendInput[],
  limit = 5,
): { category: Category; findings: number }[] {
  return CATEGORIES.map((category) => ({ category, findings: days.reduce((n, d) => n + d[category], 0) }))
    .filter((c) => c.findings > 0)
    .sort((a, b) => b.findings - a.findings)
    .slice(0, limit);
}

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { top: 12, right: 8, bottom: 26, left: 44 };
const SERIES = [
  ['introduced', 'introduced'],
  ['fixed', 'fixed'],
  ['dismissed', 'dismissed'],
] as const;

function niceMax(max: number): number {
  if (max <= 4) return 4;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

/** Weekly bars, grouped per series, as inline SVG (colours from stylesheet classes: the CSP stays strict). */
function WeeklyBars(props: {
  id: string;
  title: string;
  desc: string;
  weeks: readonly TrendWeek[];
  series: readonly (readonly [keyof TrendWeek & string, string])[];
  format?: (v: number) => string;
}) {
  const { weeks, series, id } = props;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const value = (w: TrendWeek, key: string) => Number(w[key as keyof TrendWeek]);
  const max = niceMax(Math.max(0, ...weeks.flatMap((w) => series.map(([k]) => value(w, k)))));
  const slot = weeks.length > 0 ? innerW / weeks.length : innerW;
  const barW = Math.max(1, (slot * 0.8) / series.length);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const format = props.format ?? ((v: number) => String(Math.round(v * 10) / 10));
  const labelEvery = Math.max(1, Math.ceil(weeks.length / 8));
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      class="chart-svg"
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      preserveAspectRatio="xMidYMid meet"
    >
      <title id={`${id}-title`}>{props.title}</title>
      <desc id={`${id}-desc`}>{props.desc}</desc>
      <g class="chart-grid">
        {[0, max / 2, max].map((t) => (
          <g>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end" class="chart-label">
              {format(t)}
            </text>
          </g>
        ))}
      </g>
      <g class="chart-bars">
        {weeks.map((w, i) => (
          <g class="chart-bar">
            <title>{`Week of ${w.week}: ${series.map(([k, label]) => `${format(value(w, k))} ${label}`).join(', ')}`}</title>
            {series.map(([k], j) => {
              const v = value(w, k);
              if (v <= 0) return null;
              return (
                <rect
                  x={PAD.left + i * slot + slot * 0.1 + j * barW}
                  y={y(v)}
                  width={barW}
                  height={Math.max(0.5, y(0) - y(v))}
                  class={`trend-fill-${k}`}
                />
              );
            })}
          </g>
        ))}
      </g>
      <g class="chart-axis">
        {weeks.map((w, i) =>
          i % labelEvery === 0 ? (
            <text x={PAD.left + i * slot + slot / 2} y={HEIGHT - 8} text-anchor="middle" class="chart-label">
              {w.week.slice(5)}
            </text>
          ) : null,
        )}
      </g>
    </svg>
  );
}

/**
 * The trends over up to 12 months, from the daily aggregates (counts only, kept past the 30 days of
 * findings): findings introduced, fixed and dismissed per week, cost per week, the median time to a fix
 * and the top categories; each chart's numbers in a table for screen readers.
 */
export function Trends(props: {
  id: string;
  scope: string;
  weeks: TrendWeek[];
  days: readonly TrendInput[];
}) {
  const { weeks, id } = props;
  const active = weeks.filter((w) => w.introduced + w.fixed + w.dismissed > 0 || w.costUsd > 0);
  const median = medianFixTime(props.days);
  const categories = topCategories(props.days);
  const first = weeks[0]?.week ?? '';
  return (
    <section class="card" aria-labelledby={`${id}-head`}>
      <h2 id={`${id}-head`}>
        Trends <span class="card-sub">{`aggregated daily counts, weeks since ${first}`}</span>
      </h2>
      <p class="muted">
        {`${props.scope}: counts kept after the findings themselves expire (30 days). No finding text is kept for these.`}
      </p>
      <dl class="stats">
        <div class="stat">
          <dt>Median time to fix</dt>
          <dd>{median ?? 'no fixes counted yet'}</dd>
        </div>
        <div class="stat">
          <dt>Top categories</dt>
          <dd>
            {categories.length > 0
              ? categories.map((c) => `${c.category} (${c.findings})`).join(', ')
              : 'none yet'}
          </dd>
        </div>
      </dl>
      <figure class="chart">
        <div class="chart-scroll">
          <WeeklyBars
            id={`${id}-findings`}
            title="Findings introduced, fixed and dismissed per week"
            desc={`${weeks.length} weeks. The table below lists the numbers.`}
            weeks={weeks}
            series={SERIES}
          />
        </div>
        <figcaption class="chart-legend">
          {SERIES.map(([k, label]) => (
            <span class="legend-item">
              <span class={`legend-swatch trend-bg-${k}`} aria-hidden="true"></span>
              {label}
            </span>
          ))}
        </figcaption>
      </figure>
      <figure class="chart">
        <div class="chart-scroll">
          <WeeklyBars
            id={`${id}-cost`}
            title="Model cost per week"
            desc={`${weeks.length} weeks. The table below lists the numbers.`}
            weeks={weeks}
            series={[['costUsd', 'cost']]}
            format={formatCost}
          />
        </div>
      </figure>
      <details class="chart-data">
        <summary>Show the numbers</summary>
        <Table
          caption="Findings and cost per week (aggregated)"
          head={<ColumnHeads text={['Week of']} numeric={['Introduced', 'Fixed', 'Dismissed', 'Cost']} />}
        >
          {active.map((w) => (
            <tr>
              <th scope="row">{w.week}</th>
              <td class="num">{w.introduced}</td>
              <td class="num">{w.fixed}</td>
              <td class="num">{w.dismissed}</td>
              <td class="num">{formatCost(w.costUsd)}</td>
            </tr>
          ))}
        </Table>
      </details>
    </section>
  );
}
