// The soak chart: RSS over time per server (solid), heap after GC (dashed), the churn phase marked
// and its second half, the window the verdict is computed over, shaded. Same look as svg.ts.

import type { SoakResult } from './soak.js';
import { PALETTE, xml } from './svg.js';

/** A round step giving about `count` grid lines up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = raw / power;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power;
}

export function renderSoakSvg(result: SoakResult): string {
  const series = result.servers.filter((server) => server.points.length > 0);
  const points = series.flatMap((server) => server.points);
  const durationS = result.settings.durationMs / 1000;
  const tMin = Math.min(0, ...points.map((p) => p.t));
  const tMax = Math.max(durationS, ...points.map((p) => p.t));
  const peak = Math.max(1, ...points.map((p) => p.sample.rss / 1048576));
  const yStep = niceStep(peak, 6);
  const yMax = Math.ceil((peak * 1.05) / yStep) * yStep;
  const xStep = niceStep(tMax - tMin, 8);

  const left = 56;
  const right = 16;
  const plotTop = 64;
  const plotHeight = 280;
  const width = 720;
  const height = plotTop + plotHeight + 48;
  const plotWidth = width - left - right;
  const x = (t: number) => left + ((t - tMin) / (tMax - tMin || 1)) * plotWidth;
  const y = (value: number) => plotTop + plotHeight - (value / yMax) * plotHeight;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="600">Soak: server memory (MiB) while ${xml(result.settings.connections.toLocaleString('en-US'))} connections churn; flat is the goal</text>`,
    `<text x="${left}" y="36" fill="#555">${xml(`${result.machine.cores} cores, Node ${result.machine.node}, ${result.finishedAt.slice(0, 10)}; shaded: second half of the churn, the window of the verdict`)}</text>`,
  );
  let legendX = left;
  series.forEach((server, i) => {
    out.push(
      `<rect x="${legendX}" y="44" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${legendX + 14}" y="53">${xml(server.server)}</text>`,
    );
    legendX += 24 + server.server.length * 6.5;
  });
  out.push(
    `<line x1="${legendX}" x2="${legendX + 18}" y1="49" y2="49" stroke="#555" stroke-width="2"/>`,
    `<text x="${legendX + 22}" y="53">RSS</text>`,
    `<line x1="${legendX + 54}" x2="${legendX + 72}" y1="49" y2="49" stroke="#555" stroke-dasharray="4 3"/>`,
    `<text x="${legendX + 76}" y="53">heap used (both after GC)</text>`,
  );
  out.push(
    `<rect x="${x(durationS / 2)}" y="${plotTop}" width="${x(durationS) - x(durationS / 2)}" height="${plotHeight}" fill="#f3f4f6"/>`,
  );
  for (let value = 0; value <= yMax + 1e-9; value += yStep) {
    const ty = y(value);
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${ty + 4}" text-anchor="end" fill="#555">${Number(value.toFixed(2))}</text>`,
    );
  }
  for (let t = Math.ceil(tMin / xStep) * xStep; t <= tMax + 1e-9; t += xStep) {
    out.push(
      `<text x="${x(t)}" y="${plotTop + plotHeight + 16}" text-anchor="middle" fill="#555">${Number(t.toFixed(1))}</text>`,
    );
  }
  out.push(
    `<text x="${left + plotWidth / 2}" y="${plotTop + plotHeight + 34}" text-anchor="middle" fill="#777">seconds since churn began</text>`,
  );
  for (const [t, label, anchor] of [
    [0, 'churn starts', 'start'],
    [durationS, 'drain', 'end'],
  ] as const) {
    // Labels sit inside the churn window, so the one at the right edge is not clipped.
    const labelX = anchor === 'start' ? x(t) + 3 : x(t) - 3;
    out.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${plotTop}" y2="${plotTop + plotHeight}" stroke="#9ca3af" stroke-dasharray="3 3"/>`,
      `<text x="${labelX}" y="${plotTop + 10}" fill="#777" font-size="9" text-anchor="${anchor}">${label}</text>`,
    );
  }
  series.forEach((server, i) => {
    const color = PALETTE[i % PALETTE.length];
    const path = (pick: (p: (typeof server.points)[number]) => number) =>
      server.points.map((p) => `${x(p.t).toFixed(1)},${y(pick(p) / 1048576).toFixed(1)}`).join(' ');
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${path((p) => p.sample.rss)}"><title>${xml(`${server.server} RSS`)}</title></polyline>`,
      `<polyline fill="none" stroke="${color}" stroke-width="1" stroke-dasharray="4 3" points="${path((p) => p.sample.heapUsed)}"><title>${xml(`${server.server} heap used`)}</title></polyline>`,
    );
  });
  out.push(`<line x1="${left}" x2="${width - right}" y1="${y(0)}" y2="${y(0)}" stroke="#111"/>`, '</svg>');
  return `${out.join('\n')}\n`;
}
