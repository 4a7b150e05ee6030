// Markdown for results/soak-latest.md: what the soak did, a verdict per server (trends over the
// second half of the churn phase, release after the drain) and a time series table per server.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SoakCounters, SoakSample } from './ipc.js';
import { table } from './report.js';
import { startReport } from './report-files.js';
import { SOAK_DEFAULTS, type SoakPoint, type SoakResult, type SoakServerResult } from './soak.js';
import { GROWTH_LIMIT, HANDLE_SLACK, type Trend } from './soak-analysis.js';
import { renderSoakSvg } from './soak-svg.js';

const MiB = 1048576;
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const mib = (bytes: number | undefined, digits = 1) => (bytes === undefined ? 'n/a' : (bytes / MiB).toFixed(digits));
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
const pct = (fraction: number | undefined) => (fraction === undefined ? 'n/a' : `${signed(fraction * 100, 1)}%`);
/** toFixed, without the "-0" that a time just before zero rounds to. */
const fixedNoNegativeZero = (value: number, digits: number) => {
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
};
const seconds = (ms: number) => (ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/** Handle types in a useful order: sockets, then timers, then the rest by name. */
function orderTypes(types: Iterable<string>): string[] {
  const first = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'];
  const all = [...new Set(types)];
  return [...first.filter((type) => all.includes(type)), ...all.filter((type) => !first.includes(type)).sort()];
}

export function closedSoFar(counters: SoakCounters): number {
  return (
    counters.closedClean +
    counters.dropped +
    counters.reset +
    counters.vanished +
    counters.closeTimeouts +
    counters.unexpectedCloses
  );
}

/**
 * The rows of the time series: the baseline, the end of the ramp-up, every k-th churn sample (about
 * every 15 s on a full run) and the last, the drain and the final sample.
 */
export function tableRows(points: readonly SoakPoint[], durationMs: number, sampleIntervalMs: number): SoakPoint[] {
  const every = Math.max(
    1,
    Math.round(Math.min(15_000, Math.max(sampleIntervalMs, durationMs / 12)) / sampleIntervalMs),
  );
  const churn = points.filter((p) => p.phase === 'churn');
  const ramp = points.filter((p) => p.phase === 'ramp');
  const drain = points.filter((p) => p.phase === 'drain');
  const picked = new Set<SoakPoint>([
    ...points.filter((p) => p.phase === 'baseline'),
    ...ramp.slice(-1),
    ...churn.filter((_, i) => i % every === 0),
    ...churn.slice(-1),
    ...drain.slice(-1),
    ...points.filter((p) => p.phase === 'after'),
  ]);
  return points.filter((p) => picked.has(p));
}

function seriesTable(result: SoakServerResult, durationMs: number, sampleIntervalMs: number): string {
  const rows = tableRows(result.points, durationMs, sampleIntervalMs);
  const digits = durationMs >= 60_000 ? 0 : 1;
  const types = orderTypes(rows.flatMap((p) => Object.keys(p.sample.resources)));
  const body = rows.map((p) => {
    const { sample, load } = p;
    return [
      fixedNoNegativeZero(p.t, digits),
      p.phase,
      sample.connections === null ? 'n/a' : int(sample.connections),
      load ? int(load.open) : '',
      load ? int(load.opened) : '',
      load ? int(closedSoFar(load)) : '',
      load ? int(load.messagesEchoed) : '',
      mib(sample.rss),
      mib(sample.heapUsed),
      mib(sample.external),
      mib(sample.arrayBuffers),
      ...types.map((type) => int(sample.resources[type] ?? 0)),
      p.cpuLoad === undefined ? '' : `${(p.cpuLoad * 100).toFixed(0)}%`,
    ];
  });
  return table(
    [
      't (s)',
      'phase',
      'conns (server)',
      'open (client)',
      'opened',
      'closed',
      'echoed',
      'RSS MiB',
      'heap MiB',
      'external MiB',
      'arrayBuffers MiB',
      ...types,
      'CPU',
    ],
    body,
  );
}

function slope(trend: Trend | undefined, scale = 1, digits = 2, unit = ''): string {
  return trend === undefined ? 'n/a' : `${signed(trend.slopePerMin / scale, digits)}${unit}`;
}

function afterDrain(result: SoakServerResult): string {
  const a = result.analysis;
  if (!a?.after) return 'n/a';
  const sockets = a.after.resources.TCPSocketWrap ?? 0;
  const settle = a.settleMs === undefined ? 'not within 10 s' : `in ${(a.settleMs / 1000).toFixed(1)} s`;
  return a.released
    ? `released ${settle}`
    : `NOT released: ${a.after.connections ?? '?'} conns, ${sockets} TCP sockets`;
}

function verdictTable(result: SoakResult): string {
  const rows = result.servers.map((server) => {
    const a = server.analysis;
    return [
      server.server,
      server.final ? int(server.final.opened) : 'n/a',
      server.final ? int(server.final.messagesEchoed) : 'n/a',
      a?.rss ? `${mib(a.rss.first)} → ${mib(a.rss.last)}` : 'n/a',
      slope(a?.rss, MiB, 2),
      pct(a?.rss?.relative),
      slope(a?.heap, MiB, 2),
      a?.handlesBeyondConnections ? signed(a.handlesBeyondConnections.change, 0) : 'n/a',
      a?.socketsPerConnection === undefined ? 'n/a' : a.socketsPerConnection.toFixed(3),
      afterDrain(server),
      !server.ok ? `FAILED: ${server.error}` : a?.flat ? '**flat**' : `**${a?.verdict ?? 'n/a'}**`,
    ];
  });
  return table(
    [
      'server',
      'connections opened',
      'messages echoed',
      'RSS 2nd half MiB',
      'RSS MiB/min',
      'RSS growth',
      'heap MiB/min',
      'handles − conns, growth',
      'TCP sockets / conn',
      'after the drain',
      'verdict',
    ],
    rows,
  );
}

function countersLine(counters: SoakCounters): string {
  const parts = [
    `${int(counters.opened)} connections opened (${int(counters.openFailed)} failed to open; opening took ${counters.opened > 0 ? (counters.openMsTotal / counters.opened).toFixed(0) : 'n/a'} ms on average, at most ${counters.openMsMax.toFixed(0)} ms, over 1 s for ${int(counters.slowOpens)})`,
    `retired: ${int(counters.closedClean)} with a close handshake, ${int(counters.dropped)} dropped (FIN, no close frame), ${int(counters.reset)} reset, ${int(counters.vanished)} cut mid-message`,
    `${int(counters.messagesEchoed)} of ${int(counters.messagesSent)} messages echoed (${mib(counters.bytesSent, 0)} MiB sent)`,
    `${int(counters.closeTimeouts)} close timeouts, ${int(counters.unexpectedCloses)} connections lost unasked, ${int(counters.errors)} errors${counters.firstError ? ` (first: ${counters.firstError})` : ''}`,
  ];
  return parts.join('; ');
}

function handlesLine(sample: SoakSample): string {
  const types = orderTypes(Object.keys(sample.resources));
  return types.length === 0 ? 'none' : types.map((type) => `${type} ${sample.resources[type]}`).join(', ');
}

function serverSection(result: SoakServerResult, soak: SoakResult): string[] {
  const { settings } = soak;
  const lines: string[] = [`### ${result.server}`, ''];
  lines.push(
    `${result.description}${
      Object.keys(result.info).length
        ? ` (${Object.entries(result.info)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')})`
        : ''
    }.`,
    '',
  );
  if (!result.ok) lines.push(`**Failed:** ${result.error}`, '');
  lines.push(`- Server process ${result.pid ?? '?'}: ${result.stopped ? 'stopped' : 'STILL RUNNING after the soak'}.`);
  if (result.final) lines.push(`- Load: ${countersLine(result.final)}.`);
  const a = result.analysis;
  if (a) {
    lines.push(`- Verdict: ${a.verdict}.`);
    if (a.rss && a.heap && a.handles && a.connections) {
      lines.push(
        `- Second half (t = ${a.window.from.toFixed(0)}–${a.window.to.toFixed(0)} s, ${a.window.samples} samples), least-squares slopes per minute: ` +
          `RSS ${slope(a.rss, MiB, 2, ' MiB')} (${pct(a.rss.relative)} over the half, mean ${mib(a.rss.mean)} MiB); ` +
          `heap ${slope(a.heap, MiB, 2, ' MiB')} (${pct(a.heap.relative)}, mean ${mib(a.heap.mean)} MiB); ` +
          `with the connection count held fixed, RSS ${slope(a.rssAdjusted, MiB, 2, ' MiB')} (${pct(a.rssAdjusted?.relative)}) and heap ${slope(a.heapAdjusted, MiB, 2, ' MiB')} (${pct(a.heapAdjusted?.relative)}); ` +
          `external ${slope(a.external, MiB, 2, ' MiB')}; ` +
          `connections ${slope(a.connections, 1, 0)} (mean ${int(a.connections.mean)}); ` +
          `handles ${slope(a.handles, 1, 0)} (mean ${int(a.handles.mean)}); ` +
          `handles − connections ${slope(a.handlesBeyondConnections, 1, 1)}.`,
      );
      const byType = orderTypes(Object.keys(a.byType)).map(
        (type) => `${type} ${slope(a.byType[type], 1, 1)} (mean ${a.byType[type]!.mean.toFixed(0)})`,
      );
      lines.push(`- Handles by type, slope per minute: ${byType.join(', ')}.`);
    }
    if (a.baseline)
      lines.push(
        `- Before the load: ${mib(a.baseline.rss)} MiB RSS, ${mib(a.baseline.heapUsed)} MiB heap; handles: ${handlesLine(a.baseline)}.`,
      );
    if (a.after) {
      const churned = result.final?.opened ?? 0;
      lines.push(
        `- After the drain (${afterDrain(result)}): ${a.after.connections ?? 'n/a'} connections, ${mib(a.after.rss)} MiB RSS, ${mib(a.after.heapUsed)} MiB heap` +
          (a.retainedHeap !== undefined
            ? ` (${signed(a.retainedHeap / MiB, 2)} MiB heap against before the load${churned > 0 ? `: ${signed(a.retainedHeap / churned, 0)} B per connection opened` : ''})`
            : '') +
          `; handles: ${handlesLine(a.after)}.`,
      );
    }
  }
  lines.push('', seriesTable(result, settings.durationMs, settings.sampleIntervalMs), '');
  return lines;
}

export function renderSoakMarkdown(result: SoakResult, chartFile?: string): string {
  const { machine, placement, settings } = result;
  const mix = settings.mix;
  const share = (value: number) => `${Math.round((value / (mix.close + mix.drop + mix.reset + mix.fragment)) * 100)}%`;
  const perSecond = (settings.connections * 1000) / settings.lifetimeMs;
  const lines: string[] = ['# websock soak: latest run', ''];
  lines.push(
    `- When: ${result.startedAt} to ${result.finishedAt}`,
    `- Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.platform}, Node ${machine.node}`,
    `- Placement: ${
      placement.pinned
        ? `server pinned to CPU ${placement.serverCpus}, load generator(s) to CPU ${placement.loadCpus.join(', ')} (taskset)`
        : 'not pinned'
    }; ${settings.clients} load generator process(es)${placement.nofile ? `; open-file limit raised to ${placement.nofile}` : ''}`,
    `- Load average (1 min) at start / end: ${result.loadAverage.start.toFixed(2)} / ${result.loadAverage.end.toFixed(2)}`,
    `- Load: ${int(settings.connections)} connections kept open for ${seconds(settings.durationMs)} per server (after a ramp-up). ` +
      `Each lives ${(settings.lifetimeMs / 1000).toFixed(1)} s on average, so about ${int(perSecond)} are retired and replaced per second: ` +
      `${share(mix.close)} with a close handshake, ${share(mix.drop)} dropped (TCP FIN, no close frame), ${share(mix.reset)} reset (TCP RST), ` +
      `${share(mix.fragment)} cut mid-message (first fragment sent, then half of the next frame, then gone). ` +
      `Each open connection sends a message every ${(settings.messageIntervalMs / 1000).toFixed(1)} s on average ` +
      `(at most one in flight; 16 B to 64 KiB, log-uniform; text of 1- to 4-byte UTF-8 sequences or binary), echoed by the server.`,
    `- Sampling: every ${(settings.sampleIntervalMs / 1000).toFixed(2)} s the server reports, over IPC, its memory after \`global.gc()\` (twice), ` +
      '`process.getActiveResourcesInfo()` by type, its own count of open connections and its CPU time. ' +
      'At the end every connection is closed with a close handshake, and a last sample is taken once the server holds none.',
    `- Flat means: over the second half of the churn phase, RSS grows by less than ${GROWTH_LIMIT * 100}% of its mean (least-squares fit), ` +
      `handles beyond one per connection grow by less than ${HANDLE_SLACK} (or 1% of the connections), and after the drain the server counts no connection and holds no TCP socket.`,
    '',
  );
  lines.push('## Verdict', '', verdictTable(result), '');
  if (chartFile) lines.push(`![RSS over time per server](${chartFile})`, '');
  lines.push(
    '## Time series',
    '',
    "t is seconds since churn began (negative: before). conns (server) is the server's own count (`clients.size`); open (client), opened and closed are the load generators' counters just after the sample; memory is after `global.gc()`; handle columns are `process.getActiveResourcesInfo()` counts; CPU is the server's user+system time since the previous sample (100% = one core).",
    '',
  );
  for (const server of result.servers) lines.push(...serverSection(server, result));
  if (result.notes.length > 0) {
    lines.push('## Notes', '');
    for (const note of result.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** A soak at the default length, connection count and servers speaks for results/soak-latest.*. */
export function isFullSoak(options: { durationMs: number; connections: number; servers: readonly string[] }): boolean {
  return (
    options.durationMs === SOAK_DEFAULTS.durationMs &&
    options.connections === SOAK_DEFAULTS.connections &&
    (options.servers.length === 0 || options.servers.join(',') === SOAK_DEFAULTS.servers.join(','))
  );
}

/**
 * Writes the raw JSON under raw/, and the report and chart either as soak-latest.{md,svg} (a full
 * run) or next to the JSON. Returns the paths written.
 */
export function writeSoakReport(
  result: SoakResult,
  outDir: string,
  full: boolean,
): { json: string; markdown: string; svg: string; text: string } {
  const { json, dir, name } = startReport(outDir, 'soak', result, full);
  const text = renderSoakMarkdown(result, `${name}.svg`);
  const markdown = join(dir, `${name}.md`);
  const svg = join(dir, `${name}.svg`);
  writeFileSync(markdown, text);
  writeFileSync(svg, renderSoakSvg(result));
  return { json, markdown, svg, text };
}
