// A V8 CPU profile (from `cli.js --cpu-prof <dir>`) summarised as markdown: where the busy time
// went, by function, both self time and inclusive time (each function counted once per sample
// however often it recurses), with its share of the time the process was not idle.

import { basename } from 'node:path';
import { table } from './report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  /** Wall time covered by the profile, ms. */
  wallMs: number;
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  rows: ProfileRow[];
}

/** Where a frame comes from: the function and its file and line, short enough for a table. */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const fn = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return fn;
  const file = basename(url.replace(/^file:\/\//, ''));
  return `${fn} ${file}:${lineNumber + 1}`;
}

export function summariseProfile(profile: Profile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = totalHits > 0 ? wallMs / totalHits : 0;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  // Inclusive hits of each node's subtree, then credited once per distinct function on the path.
  const subtree = new Map<number, number>();
  const sumSubtree = (id: number): number => {
    const node = byId.get(id)!;
    let hits = node.hitCount ?? 0;
    for (const child of node.children ?? []) hits += sumSubtree(child);
    subtree.set(id, hits);
    return hits;
  };
  const root = profile.nodes[0];
  if (root === undefined) return { wallMs, busyMs: 0, rows: [] };
  sumSubtree(root.id);
  const walk = (id: number, onPath: Set<string>) => {
    const node = byId.get(id)!;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + (node.hitCount ?? 0));
    const fresh = !onPath.has(name);
    if (fresh) {
      total.set(name, (total.get(name) ?? 0) + subtree.get(id)!);
      onPath.add(name);
    }
    for (const child of node.children ?? []) walk(child, onPath);
    if (fresh) onPath.delete(name);
  };
  walk(root.id, new Set());
  const idleHits = self.get('(idle)') ?? 0;
  const rows = [...self.keys()]
    .filter((name) => name !== '(idle)' && name !== '(root)')
    .map((name) => ({ name, selfMs: self.get(name)! * msPerHit, totalMs: total.get(name)! * msPerHit }));
  return { wallMs, busyMs: (totalHits - idleHits) * msPerHit, rows };
}

export function renderProfile(summary: ProfileSummary, top: number): string {
  const pct = (ms: number) => (summary.busyMs > 0 ? `${((ms / summary.busyMs) * 100).toFixed(1)}%` : 'n/a');
  const bySelf = [...summary.rows].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  const byTotal = [...summary.rows].sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
  return [
    `Profile of ${(summary.wallMs / 1000).toFixed(1)} s, of which ${(summary.busyMs / 1000).toFixed(2)} s busy (not idle). Shares are of the busy time.`,
    '',
    `Top ${top} by self time:`,
    '',
    table(
      ['function', 'self ms', 'self', 'total'],
      bySelf.map((row) => [`\`${row.name}\``, row.selfMs.toFixed(0), pct(row.selfMs), pct(row.totalMs)]),
    ),
    '',
    `Top ${top} by inclusive time:`,
    '',
    table(
      ['function', 'total ms', 'total', 'self'],
      byTotal.map((row) => [`\`${row.name}\``, row.totalMs.toFixed(0), pct(row.totalMs), pct(row.selfMs)]),
    ),
  ].join('\n');
}
