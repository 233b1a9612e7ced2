/** Small numeric and formatting helpers shared by the benchmarks. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * The shortest time `durations` can take on `lanes` parallel lanes, scheduled longest first (LPT): the
 * critical-path floor of a pool of requests whose service times are known. For requests of similar
 * size (what chunking produces) it equals the optimum; it is never below max(longest, sum ÷ lanes).
 */
export function makespan(durations: number[], lanes: number): number {
  if (durations.length === 0) return 0;
  const load = new Array<number>(Math.max(1, lanes)).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    let min = 0;
    for (let i = 1; i < load.length; i++) if (load[i]! < load[min]!) min = i;
    load[min]! += d;
  }
  return Math.max(...load);
}

/** The most [start, end) intervals open at one moment. */
export function peakOverlap(intervals: [number, number][]): number {
  const events = intervals.flatMap(([s, e]): [number, number][] => [
    [s, 1],
    [e, -1],
  ]);
  // Ends before starts at the same moment: a request answered as the next arrives is not overlapping it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, step] of events) peak = Math.max(peak, (open += step));
  return peak;
}

/** Total length of the union of [start, end) intervals (time when at least one request was in flight). */
export function unionLength(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [s, e] of sorted) {
    if (s > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else curEnd = Math.max(curEnd, e);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

export const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');
export const sec = (n: number) => (Number.isFinite(n) ? `${(n / 1000).toFixed(2)} s` : 'n/a');
export const ratio = (n: number, digits = 2) => (Number.isFinite(n) ? `${n.toFixed(digits)}×` : 'n/a');
export const pct = (n: number, digits = 1) => (Number.isFinite(n) ? `${(n * 100).toFixed(digits)} %` : 'n/a');
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** A plain text table: first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** `PASS`/`MISS` with the measured value against its target. */
export function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}
