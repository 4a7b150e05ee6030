// Whether a soak stayed flat: least-squares trends of memory and handle counts over the second half
// of the churn phase (the first half is the process warming up: JIT, pools, heap sizing), and
// whether the server let go of everything once the load was gone.

import type { SoakSample } from './ipc.js';
import type { SoakPoint } from './soak.js';

/** RSS (or heap) may grow by less than this fraction of its mean over the second half. */
export const GROWTH_LIMIT = 0.05;
/**
 * Handles beyond one per connection may grow by at most this many over the second half (or 1% of
 * the connections, if more): a few handshakes or closes in flight at the sample instant are noise.
 */
export const HANDLE_SLACK = 16;
const MIN_WINDOW_SAMPLES = 3;

export interface Trend {
  /** Least-squares slope, units per minute. */
  slopePerMin: number;
  /** What the fitted line gains over the window (slope times the window's length). */
  change: number;
  mean: number;
  /** change / mean (0 when the mean is 0). */
  relative: number;
  first: number;
  last: number;
}

export interface SoakAnalysis {
  /** The second half of the churn phase, seconds since churn began. */
  window: { from: number; to: number; samples: number };
  rss: Trend | undefined;
  heap: Trend | undefined;
  /** RSS and heap trends with the connection count held fixed (the raw trend when it did not vary). */
  rssAdjusted: Trend | undefined;
  heapAdjusted: Trend | undefined;
  external: Trend | undefined;
  connections: Trend | undefined;
  /** All active resources (process.getActiveResourcesInfo()). */
  handles: Trend | undefined;
  /** Active resources minus open connections: what a leak of sockets or timers would make grow. */
  handlesBeyondConnections: Trend | undefined;
  byType: Record<string, Trend>;
  /** Mean TCP sockets per open connection over the window (1 plus sockets in handshake or close). */
  socketsPerConnection: number | undefined;
  rssFlat: boolean | undefined;
  heapFlat: boolean | undefined;
  handlesFlat: boolean | undefined;
  baseline: SoakSample | undefined;
  after: SoakSample | undefined;
  /** After the drain the server counted no connection and held no TCP socket. */
  released: boolean | undefined;
  settleMs: number | undefined;
  /** Heap after the drain minus before the load, both after global.gc(). */
  retainedHeap: number | undefined;
  flat: boolean;
  verdict: string;
}

/** Least squares over (x, y); undefined for fewer than two distinct x. */
export function linearFit(
  xs: readonly number[],
  ys: readonly number[],
): { slope: number; intercept: number } | undefined {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** The trend of `ys` over `seconds`; undefined when it cannot be fitted. */
export function trend(seconds: readonly number[], ys: readonly number[]): Trend | undefined {
  const fit = linearFit(seconds, ys);
  if (!fit || ys.length === 0) return undefined;
  const span = seconds[seconds.length - 1]! - seconds[0]!;
  const mean = ys.reduce((sum, y) => sum + y, 0) / ys.length;
  const change = fit.slope * span;
  return {
    slopePerMin: fit.slope * 60,
    change,
    mean,
    relative: mean === 0 ? 0 : change / mean,
    first: ys[0]!,
    last: ys[ys.length - 1]!,
  };
}

/**
 * The time slope of `ys` with the connection count held fixed: least squares on both at once. Heap
 * follows the number of open connections, so a dip in connections (a slow spell of the server)
 * would otherwise read as a trend. Undefined when the connections did not vary (use `trend`).
 */
export function trendAdjusted(
  seconds: readonly number[],
  connections: readonly number[],
  ys: readonly number[],
): Trend | undefined {
  const n = Math.min(seconds.length, connections.length, ys.length);
  if (n < 3) return undefined;
  const mean = (values: readonly number[]) => values.slice(0, n).reduce((sum, v) => sum + v, 0) / n;
  const mt = mean(seconds);
  const mc = mean(connections);
  const my = mean(ys);
  let stt = 0;
  let scc = 0;
  let stc = 0;
  let sty = 0;
  let scy = 0;
  for (let i = 0; i < n; i++) {
    const dt = seconds[i]! - mt;
    const dc = connections[i]! - mc;
    const dy = ys[i]! - my;
    stt += dt * dt;
    scc += dc * dc;
    stc += dt * dc;
    sty += dt * dy;
    scy += dc * dy;
  }
  const det = stt * scc - stc * stc;
  // Connections constant (or moving in lockstep with time): time and connections cannot be told apart.
  if (stt === 0 || scc === 0 || Math.abs(det) < 1e-9 * stt * scc) return undefined;
  const slope = (sty * scc - scy * stc) / det;
  const change = slope * (seconds[n - 1]! - seconds[0]!);
  return {
    slopePerMin: slope * 60,
    change,
    mean: my,
    relative: my === 0 ? 0 : change / my,
    first: ys[0]!,
    last: ys[n - 1]!,
  };
}

const totalHandles = (sample: SoakSample) => Object.values(sample.resources).reduce((sum, n) => sum + n, 0);
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
const pct = (fraction: number) => `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;

export function analyzeSoak(points: readonly SoakPoint[], durationS: number, settleMs?: number): SoakAnalysis {
  const from = durationS / 2;
  const window = points.filter((p) => p.phase === 'churn' && p.t >= from && p.t <= durationS + 1e-9);
  const t = window.map((p) => p.t);
  const series = (pick: (sample: SoakSample) => number) =>
    trend(
      t,
      window.map((p) => pick(p.sample)),
    );
  const types = [...new Set(window.flatMap((p) => Object.keys(p.sample.resources)))].sort();
  const byType: Record<string, Trend> = {};
  for (const type of types) {
    const fitted = series((sample) => sample.resources[type] ?? 0);
    if (fitted) byType[type] = fitted;
  }
  const enough = window.length >= MIN_WINDOW_SAMPLES;
  const rss = enough ? series((s) => s.rss) : undefined;
  const heap = enough ? series((s) => s.heapUsed) : undefined;
  const connections = enough ? series((s) => s.connections ?? 0) : undefined;
  const counts = window.map((p) => p.sample.connections ?? 0);
  const adjusted = (pick: (sample: SoakSample) => number, raw: Trend | undefined) =>
    enough
      ? (trendAdjusted(
          t,
          counts,
          window.map((p) => pick(p.sample)),
        ) ?? raw)
      : undefined;
  const rssAdjusted = adjusted((s) => s.rss, rss);
  const heapAdjusted = adjusted((s) => s.heapUsed, heap);
  const beyond = enough ? series((s) => totalHandles(s) - (s.connections ?? 0)) : undefined;
  const slack = Math.max(HANDLE_SLACK, 0.01 * (connections?.mean ?? 0));
  const socketRatios = window
    .filter((p) => (p.sample.connections ?? 0) > 0)
    .map((p) => (p.sample.resources.TCPSocketWrap ?? 0) / p.sample.connections!);

  const baseline = points.find((p) => p.phase === 'baseline')?.sample;
  const after = points.find((p) => p.phase === 'after')?.sample;
  const released = after ? (after.connections ?? 0) === 0 && (after.resources.TCPSocketWrap ?? 0) === 0 : undefined;
  const rssFlat = rss ? rss.relative < GROWTH_LIMIT : undefined;
  const heapFlat = heapAdjusted ? heapAdjusted.relative < GROWTH_LIMIT : undefined;
  const handlesFlat = beyond ? beyond.change < slack : undefined;

  const problems: string[] = [];
  if (rssFlat === false) problems.push(`RSS ${pct(rss!.relative)} (${mib(rss!.slopePerMin)} MiB/min)`);
  if (handlesFlat === false) {
    const growing = Object.entries(byType)
      .filter(([, trendOf]) => trendOf.change >= 1)
      .map(([type, trendOf]) => `${type} ${trendOf.slopePerMin >= 0 ? '+' : ''}${trendOf.slopePerMin.toFixed(0)}/min`);
    problems.push(
      `handles beyond connections +${beyond!.change.toFixed(0)} over the second half${growing.length ? ` (${growing.join(', ')})` : ''}`,
    );
  }
  if (released === false) {
    problems.push(
      `not released after the drain (${after!.connections ?? '?'} connections, ${after!.resources.TCPSocketWrap ?? 0} TCP sockets)`,
    );
  }
  const flat = enough && problems.length === 0;
  let verdict: string;
  if (!enough) verdict = `too few samples in the second half to judge (${window.length})`;
  else if (flat) {
    verdict =
      `flat: RSS ${pct(rss!.relative)} and handles beyond connections ${beyond!.change >= 0 ? '+' : ''}${beyond!.change.toFixed(0)} over the second half` +
      (released ? ', everything released after the drain' : '');
  } else verdict = `NOT flat: ${problems.join('; ')}`;
  if (heapFlat === false) {
    verdict += `; heap after GC ${pct(heapAdjusted!.relative)} over the second half at a fixed connection count (watch)`;
  }

  return {
    window: { from, to: durationS, samples: window.length },
    rss,
    heap,
    rssAdjusted,
    heapAdjusted,
    external: enough ? series((s) => s.external) : undefined,
    connections,
    handles: enough ? series(totalHandles) : undefined,
    handlesBeyondConnections: beyond,
    byType,
    socketsPerConnection:
      socketRatios.length > 0 ? socketRatios.reduce((sum, r) => sum + r, 0) / socketRatios.length : undefined,
    rssFlat,
    heapFlat,
    handlesFlat,
    baseline,
    after,
    released,
    settleMs,
    retainedHeap: baseline && after ? after.heapUsed - baseline.heapUsed : undefined,
    flat,
    verdict,
  };
}
