// The HTTP/2 bench's report (results/http2-latest.md): echo per workload and link with ratios to
// wss:// over HTTP/1.1, memory per idle WebSocket, and the ratios the issue asks for in one list.

import type { SummaryRow } from './driver.js';
import type { Http2BenchResult } from './http2-bench.js';
import { DEFAULT_HTTP2_CONNECTIONS, HTTP2_BASELINE } from './http2-cases.js';
import { table } from './report.js';
import { writeMarkdownReport } from './report-files.js';
import { WorkloadKind, type WorkloadSpec } from './workloads.js';

export const HTTP2_COMMAND = 'node apps/bench/dist/cli.js --http2';

const int = (value: number | undefined) => (value === undefined ? 'n/a' : Math.round(value).toLocaleString('en-US'));
const fixed = (value: number | undefined, digits: number) => (value === undefined ? 'n/a' : value.toFixed(digits));
const times = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);
const kib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(2)} KiB`);

function row(result: Http2BenchResult, workload: string, link: string): SummaryRow | undefined {
  return result.summary.find((candidate) => candidate.workload === workload && candidate.server === link);
}

/** `field` of a link's row over the HTTP/1.1 row's, for one workload. */
export function http2Ratio(
  result: Http2BenchResult,
  workload: string,
  link: string,
  field: keyof SummaryRow,
): number | undefined {
  const value = row(result, workload, link)?.[field];
  const base = row(result, workload, HTTP2_BASELINE)?.[field];
  return typeof value === 'number' && typeof base === 'number' && base !== 0 ? value / base : undefined;
}

function echoTable(result: Http2BenchResult, workload: WorkloadSpec): string {
  const rows = result.links.map((link) => {
    const summary = row(result, workload.id, link.id);
    return [
      link.title,
      int(summary?.messagesPerSec),
      times(http2Ratio(result, workload.id, link.id, 'messagesPerSec')),
      fixed(summary?.cpuSecondsPerMillion, 2),
      times(http2Ratio(result, workload.id, link.id, 'cpuSecondsPerMillion')),
      `${fixed(summary?.p50Ms, 3)} / ${fixed(summary?.p99Ms, 3)}`,
      fixed(summary?.serverCpuLoad, 2),
      fixed(summary?.clientCpuLoad, 2),
      `${summary?.rounds ?? 0}/${result.options.rounds}`,
    ];
  });
  return table(
    [
      'transport',
      'msg/s',
      'vs HTTP/1.1',
      'server CPU µs/msg',
      'vs HTTP/1.1',
      'p50 / p99 ms',
      'server CPU load',
      'loadgen CPU load',
      'rounds ok',
    ],
    rows,
  );
}

function memoryTable(result: Http2BenchResult, workload: WorkloadSpec): string {
  const rows = result.links.map((link) => {
    const summary = row(result, workload.id, link.id);
    return [
      link.title,
      kib(summary?.idleRssBytesPerConnection),
      times(http2Ratio(result, workload.id, link.id, 'idleRssBytesPerConnection')),
      kib(summary?.idleHeapBytesPerConnection),
      times(http2Ratio(result, workload.id, link.id, 'idleHeapBytesPerConnection')),
      `${summary?.rounds ?? 0}/${result.options.rounds}`,
    ];
  });
  return table(
    [
      'transport',
      'server RSS per WebSocket',
      'vs HTTP/1.1',
      'heap + external per WebSocket',
      'vs HTTP/1.1',
      'rounds ok',
    ],
    rows,
  );
}

/** The ratios of the issue: HTTP/2 (one session) over HTTP/1.1, per echo workload and for memory. */
function ratioLines(result: Http2BenchResult): string[] {
  return result.workloads.map((workload) =>
    workload.kind === WorkloadKind.Idle
      ? `- ${workload.title}: RSS per WebSocket ${times(http2Ratio(result, workload.id, 'http2', 'idleRssBytesPerConnection'))}, heap + external per WebSocket ${times(http2Ratio(result, workload.id, 'http2', 'idleHeapBytesPerConnection'))}`
      : `- ${workload.title}: throughput ${times(http2Ratio(result, workload.id, 'http2', 'messagesPerSec'))}, server CPU per message ${times(http2Ratio(result, workload.id, 'http2', 'cpuSecondsPerMillion'))}`,
  );
}

function header(result: Http2BenchResult): string[] {
  const { machine, options } = result;
  return [
    '# websock: WebSockets over HTTP/2 vs HTTP/1.1',
    '',
    `Command: \`${HTTP2_COMMAND}\` (after a build; see the README, "HTTP/2").`,
    '',
    `- When: ${result.startedAt} to ${result.finishedAt}`,
    `- Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.platform}, Node ${machine.node}`,
    `- Placement: ${result.pinned ? 'server on CPU 0, the one load generator on CPU 1 (taskset)' : 'not pinned'}`,
    `- Load average (1 min) at start / end: ${result.loadAverage.start.toFixed(2)} / ${result.loadAverage.end.toFixed(2)}`,
    `- Per measurement: ${options.warmupMs} ms warm-up, ${options.durationMs} ms measured; ${options.rounds} round(s), transports alternating, medians reported`,
    '- Server: one process per measurement, `createServer({ tls, http2: true })` (`src/servers/websock-http2.ts`): one TLS port, one certificate, wss:// upgrades over ALPN http/1.1 and extended CONNECT streams over ALPN h2; echo in `message`',
    `- TLS as negotiated: ${Object.entries(result.tls)
      .map(([link, tls]) => `${link}: ${tls}`)
      .join('; ')}`,
    '',
  ];
}

export function renderHttp2Markdown(result: Http2BenchResult): string {
  const lines = header(result);
  lines.push('## Ratios: HTTP/2 (one session) ÷ HTTP/1.1', '', ...ratioLines(result), '');
  lines.push(
    '## Echo',
    '',
    "Text messages of ASCII bytes, echoed by the server; the generator keeps `inflight` messages outstanding on every WebSocket. Server CPU is the server process's user+system CPU over the window per message echoed. Over HTTP/2 the generator grants the server big flow-control windows (4 MiB per stream, 64 MiB per session); the server grants each session a 4 MiB receive window and keeps node:http2's 64 KiB per stream.",
    '',
  );
  for (const workload of result.workloads) {
    if (workload.kind === WorkloadKind.Idle) continue;
    lines.push(`### ${workload.title} (\`${workload.id}\`)`, '', echoTable(result, workload), '');
  }
  for (const workload of result.workloads) {
    if (workload.kind !== WorkloadKind.Idle) continue;
    lines.push(
      `## Memory: ${workload.title}`,
      '',
      'Server RSS and heap + external after `global.gc()` with the WebSockets open, minus the same before they were opened, divided by their number (100 WebSockets of the same kind are opened and closed first, to warm the path). "One session": all of them are streams of a single HTTP/2 connection.',
      '',
      memoryTable(result, workload),
      '',
    );
  }
  const failures = result.measurements.filter((m) => !m.ok || m.firstError);
  if (result.notes.length + failures.length > 0) {
    lines.push('## Notes', '');
    for (const note of result.notes) lines.push(`- ${note}`);
    for (const m of failures)
      lines.push(`- ${m.server} / ${m.workload} round ${m.round + 1}: ${m.error ?? m.firstError}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Only the defaults speak for results/http2-latest.md. */
export function isFullHttp2(options: {
  quick: boolean;
  durationMs: number;
  warmupMs: number;
  rounds: number;
  h2Connections: number;
}): boolean {
  return (
    !options.quick &&
    options.durationMs === 2000 &&
    options.warmupMs === 300 &&
    options.rounds === 3 &&
    options.h2Connections === DEFAULT_HTTP2_CONNECTIONS
  );
}

export function writeHttp2Report(
  result: Http2BenchResult,
  outDir: string,
  full: boolean,
): { json: string; markdown: string; text: string } {
  return writeMarkdownReport(outDir, 'http2', result, full, renderHttp2Markdown(result));
}
