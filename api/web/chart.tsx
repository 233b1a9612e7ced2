import type { SeverityCounts } from '../../shared/severity.js';
import { SEVERITIES } from '../../shared/severity.js';
import { ColumnHeads, Table } from './components.js';

/** One bar of the chart: a UTC day (`YYYY-MM-DD`) and its findings by severity. */
export interface ChartDay extends SeverityCounts {
  day: string;
}

export interface ChartOptions {
  /** Accessible name of the chart (also its `<title>`). */
  title: string;
  /** Element id prefix, unique on the page. */
  id: string;
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 8, bottom: 26, left: 36 };

/** Lists every UTC day from `from` to `to` inclusive as `YYYY-MM-DD`. */
export function daysBetween(from: Date, to: Date): string[] {
  const out: string[] = [];
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const end = Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate());
  for (let t = start; t <= end && out.length < 3660; t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Fills the days with no data with zeros so the x axis is continuous. */
export function fillDays(days: string[], rows: readonly ChartDay[]): ChartDay[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return days.map((day) => byDay.get(day) ?? { day, critical: 0, high: 0, medium: 0, low: 0 });
}

/** A "nice" axis maximum (1, 2, 5 × 10^n) at or above `max`, never below 4. */
export function niceMax(max: number): number {
  if (max <= 4) return 4;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

function total(d: SeverityCounts): number {
  return d.critical + d.high + d.medium + d.low;
}

function shortDay(day: string): string {
  const [, m, d] = day.split('-');
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${months[Number(m) - 1] ?? m} ${Number(d)}`;
}

/**
 * Stacked bars per day by severity, drawn on the server as inline SVG: no script, no inline style (colours
 * come from classes in the stylesheet, so the CSP can stay `style-src 'self'`). Each bar has a `<title>`
 * tooltip; the same numbers are offered as a table for screen readers and for copying.
 */
export function SeverityChart(props: { days: readonly ChartDay[] } & ChartOptions) {
  const { days, title, id } = props;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...days.map(total)));
  const slot = days.length > 0 ? innerW / days.length : innerW;
  const barW = Math.max(1, Math.min(28, slot * 0.72));
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const ticks = [0, max / 2, max];
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));
  const sum = days.reduce((n, d) => n + total(d), 0);

  return (
    <figure class="chart">
      <div class="chart-scroll">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          class="chart-svg"
          role="img"
          aria-labelledby={`${id}-title ${id}-desc`}
          preserveAspectRatio="xMidYMid meet"
        >
          <title id={`${id}-title`}>{title}</title>
          <desc id={`${id}-desc`}>
            {`${sum} findings over ${days.length} days. The table below lists the numbers.`}
          </desc>
          <g class="chart-grid">
            {ticks.map((t) => (
              <g>
                <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} />
                <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end" class="chart-label">
                  {String(Math.round(t * 10) / 10)}
                </text>
              </g>
            ))}
          </g>
          <g class="chart-bars">
            {days.map((d, i) => {
              const x = PAD.left + i * slot + (slot - barW) / 2;
              let acc = 0;
              const tip = `${d.day}: ${total(d)} findings (${SEVERITIES.map((s) => `${d[s]} ${s}`).join(', ')})`;
              return (
                <g class="chart-bar">
                  <title>{tip}</title>
                  <rect x={x} y={PAD.top} width={barW} height={innerH} class="chart-hit" />
                  {[...SEVERITIES].reverse().map((s) => {
                    const v = d[s];
                    if (v <= 0) return null;
                    const top = y(acc + v);
                    const h = y(acc) - top;
                    acc += v;
                    return (
                      <rect x={x} y={top} width={barW} height={Math.max(0.5, h)} class={`sev-fill-${s}`} />
                    );
                  })}
                </g>
              );
            })}
          </g>
          <g class="chart-axis">
            {days.map((d, i) =>
              i % labelEvery === 0 ? (
                <text
                  x={PAD.left + i * slot + slot / 2}
                  y={HEIGHT - 8}
                  text-anchor="middle"
                  class="chart-label"
                >
                  {shortDay(d.day)}
                </text>
              ) : null,
            )}
          </g>
        </svg>
      </div>
      <figcaption class="chart-legend">
        {SEVERITIES.map((s) => (
          <span class="legend-item">
            <span class={`legend-swatch sev-bg-${s}`} aria-hidden="true"></span>
            {s}
          </span>
        ))}
      </figcaption>
      <details class="chart-data">
        <summary>Show the numbers</summary>
        <Table caption={title} head={<ColumnHeads text={['Day']} numeric={SEVERITIES} />}>
          {days
            .filter((d) => total(d) > 0)
            .map((d) => (
              <tr>
                <th scope="row">{d.day}</th>
                {SEVERITIES.map((s) => (
                  <td class="num">{d[s]}</td>
                ))}
              </tr>
            ))}
        </Table>
      </details>
    </figure>
  );
}
