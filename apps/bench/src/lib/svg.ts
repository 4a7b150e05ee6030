// A grouped bar chart of each server's ratio to the baseline per workload, as a standalone SVG.
// Higher is better in every group (for idle memory the ratio is baseline bytes over the server's).

import type { BenchResult } from './driver.js';
import { advantage } from './report.js';
import { BASELINE } from './servers.js';
import { WorkloadKind } from './workloads.js';

export const PALETTE = ['#2563eb', '#9ca3af', '#6b7280', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6'];

export const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderSvg(result: BenchResult): string {
  const servers = result.servers.map((server) => server.name);
  const groups = result.workloads.map((workload) => ({
    label: workload.id,
    sub: workload.kind === WorkloadKind.Idle ? `${BASELINE} bytes ÷ server bytes` : 'throughput ÷ ws',
    values: servers.map((server) => advantage(result, workload, server)),
  }));
  const all = groups.flatMap((group) => group.values).filter((value): value is number => value !== undefined);
  // A log2 axis: a ratio and its inverse are the same distance from the baseline, and a 25x bar
  // does not flatten the 1.1x ones. Bars grow from 1x, up when better, down when worse.
  const topExp = Math.ceil(Math.log2(Math.max(2, ...all)) + 0.15);
  const bottomExp = Math.floor(Math.log2(Math.min(0.5, ...all)) - 0.15);

  const bar = 18;
  const gap = 28;
  const groupWidth = servers.length * bar + gap;
  const left = 56;
  const right = 16;
  const plotTop = 64;
  const plotHeight = 280;
  const width = Math.max(520, left + right + groups.length * groupWidth);
  const height = plotTop + plotHeight + 64;
  const y = (value: number) =>
    plotTop + plotHeight - ((Math.log2(value) - bottomExp) / (topExp - bottomExp)) * plotHeight;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="600">Ratio to ${xml(BASELINE)} (pure JS) per workload (log scale), higher is better</text>`,
    `<text x="${left}" y="36" fill="#555">${xml(`${result.machine.cores} cores, Node ${result.machine.node}, median of ${result.options.rounds} round(s), ${result.finishedAt.slice(0, 10)}`)}</text>`,
  );
  // Legend.
  let legendX = left;
  servers.forEach((server, i) => {
    out.push(
      `<rect x="${legendX}" y="44" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${legendX + 14}" y="53">${xml(server)}</text>`,
    );
    legendX += 24 + server.length * 6.5;
  });
  // Axis and grid.
  for (let exp = bottomExp; exp <= topExp; exp++) {
    const value = 2 ** exp;
    const ty = y(value);
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${ty + 4}" text-anchor="end" fill="#555">${Number(value.toFixed(2))}x</text>`,
    );
  }
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + gap / 2;
    group.values.forEach((value, i) => {
      const x = x0 + i * bar;
      if (value === undefined) {
        out.push(`<text x="${x + bar / 2}" y="${y(1) - 4}" text-anchor="middle" fill="#999" font-size="8">n/a</text>`);
        return;
      }
      const top = Math.min(y(value), y(1));
      const height = Math.max(1, Math.abs(y(value) - y(1)));
      const labelY = value >= 1 ? top - 3 : top + height + 9;
      out.push(
        `<rect x="${x + 1}" y="${top}" width="${bar - 2}" height="${height}" fill="${PALETTE[i % PALETTE.length]}"><title>${xml(`${servers[i]} ${group.label}: ${value.toFixed(2)}x`)}</title></rect>`,
        `<text x="${x + bar / 2}" y="${labelY}" text-anchor="middle" font-size="8">${value >= 10 ? value.toFixed(0) : value.toFixed(1)}</text>`,
      );
    });
    out.push(
      `<text x="${x0 + (servers.length * bar) / 2}" y="${plotTop + plotHeight + 18}" text-anchor="middle" font-weight="600">${xml(group.label)}</text>`,
      `<text x="${x0 + (servers.length * bar) / 2}" y="${plotTop + plotHeight + 32}" text-anchor="middle" fill="#777" font-size="9">${xml(group.sub)}</text>`,
    );
  });
  // The baseline itself.
  out.push(`<line x1="${left}" x2="${width - right}" y1="${y(1)}" y2="${y(1)}" stroke="#111"/>`, '</svg>');
  return `${out.join('\n')}\n`;
}
