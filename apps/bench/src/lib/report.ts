// Markdown for results/latest.md: a summary table (workloads x servers), details per workload,
// and the goals the project set itself, each checked against this run.

import type { BenchResult, SummaryRow } from './driver.js';
import { BASELINE, YARDSTICK } from './servers.js';
import { WorkloadKind, type WorkloadSpec } from './workloads.js';

export const SUBJECT = 'websock';
/** A 1-minute load average above this before the run means something else was running. */
const BUSY_LOAD = 0.75;

interface Goal {
  text: string;
  workload: string;
  /** What is compared and in which direction. */
  metric:
    | 'throughput-vs-ws'
    | 'throughput-vs-minimal'
    | 'cpu-vs-ws'
    | 'cpu-vs-minimal'
    | 'idle-kib'
    | 'idle-vs-ws'
    | 'idle-vs-minimal'
    | 'settled-vs-ws'
    | 'settled-vs-minimal';
  target: number;
}

/** Metrics where less is better (CPU, memory); the rest are rates. */
const LOWER_IS_BETTER: ReadonlySet<Goal['metric']> = new Set([
  'cpu-vs-ws',
  'cpu-vs-minimal',
  'idle-kib',
  'idle-vs-ws',
  'idle-vs-minimal',
  'settled-vs-ws',
  'settled-vs-minimal',
]);

export const GOALS: readonly Goal[] = [
  { text: '64 B x 10 x 32: throughput vs ws', workload: '64b-10x32', metric: 'throughput-vs-ws', target: 6 },
  {
    text: '64 B x 10 x 32: throughput vs minimal-ws',
    workload: '64b-10x32',
    metric: 'throughput-vs-minimal',
    target: 0.8,
  },
  { text: '64 B x 100 x 1: throughput vs ws', workload: '64b-100x1', metric: 'throughput-vs-ws', target: 1.05 },
  {
    text: '64 B x 100 x 1: throughput vs minimal-ws',
    workload: '64b-100x1',
    metric: 'throughput-vs-minimal',
    target: 0.95,
  },
  { text: '16 KiB: throughput vs ws', workload: '16k-16x1', metric: 'throughput-vs-ws', target: 3 },
  { text: '1 MiB: throughput vs ws', workload: '1m-4x1', metric: 'throughput-vs-ws', target: 3 },
  { text: 'churn: connections/s vs ws', workload: 'churn', metric: 'throughput-vs-ws', target: 1.5 },
  { text: 'idle memory per connection (KiB)', workload: 'idle', metric: 'idle-kib', target: 3 },
  { text: '64 B x 10 x 32: server CPU per message vs ws', workload: '64b-10x32', metric: 'cpu-vs-ws', target: 0.5 },
  { text: '16 KiB: server CPU per message vs ws', workload: '16k-16x1', metric: 'cpu-vs-ws', target: 0.5 },
  {
    text: 'deflate 1 KiB: throughput vs ws (deflate on)',
    workload: 'deflate-1k',
    metric: 'throughput-vs-ws',
    target: 1.5,
  },
  {
    text: 'deflate 64 KiB: throughput vs ws (deflate on)',
    workload: 'deflate-64k',
    metric: 'throughput-vs-ws',
    target: 1.5,
  },
  // Issue 18: memory and churn decide how many users one box holds.
  { text: 'idle 10k: RSS per connection vs minimal-ws', workload: 'idle', metric: 'idle-vs-minimal', target: 1 },
  { text: 'idle 10k: RSS per connection vs ws', workload: 'idle', metric: 'idle-vs-ws', target: 0.6 },
  {
    text: 'idle 10k, settled: RSS per connection vs minimal-ws',
    workload: 'idle',
    metric: 'settled-vs-minimal',
    target: 1,
  },
  { text: 'idle 10k, settled: RSS per connection vs ws', workload: 'idle', metric: 'settled-vs-ws', target: 0.6 },
  {
    text: 'idle large: RSS per connection vs minimal-ws',
    workload: 'idle-large',
    metric: 'idle-vs-minimal',
    target: 1,
  },
  { text: 'idle large: RSS per connection vs ws', workload: 'idle-large', metric: 'idle-vs-ws', target: 0.6 },
  {
    text: 'idle large, settled: RSS per connection vs minimal-ws',
    workload: 'idle-large',
    metric: 'settled-vs-minimal',
    target: 1,
  },
  {
    text: 'idle large, settled: RSS per connection vs ws',
    workload: 'idle-large',
    metric: 'settled-vs-ws',
    target: 0.6,
  },
  { text: 'churn: connections/s vs ws (issue 18)', workload: 'churn', metric: 'throughput-vs-ws', target: 2.5 },
  {
    text: '64 B x 100 x 1: server CPU per message vs minimal-ws',
    workload: '64b-100x1',
    metric: 'cpu-vs-minimal',
    target: 1,
  },
  {
    text: '64 B x 5,000 x 1: server CPU per message vs minimal-ws',
    workload: '64b-5000x1',
    metric: 'cpu-vs-minimal',
    target: 1,
  },
  { text: '64 B x 1 x 1: throughput vs ws', workload: '64b-1x1', metric: 'throughput-vs-ws', target: 1 },
];

export function findRow(result: BenchResult, workload: string, server: string): SummaryRow | undefined {
  return result.summary.find((row) => row.workload === workload && row.server === server);
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

/** Higher is better for every workload: throughput ratio, or for idle memory the baseline's bytes over ours. */
export function advantage(result: BenchResult, workload: WorkloadSpec, server: string, against = BASELINE) {
  const row = findRow(result, workload.id, server);
  const base = findRow(result, workload.id, against);
  if (workload.kind === WorkloadKind.Idle) {
    return ratio(base?.idleRssBytesPerConnection, row?.idleRssBytesPerConnection);
  }
  return ratio(row?.messagesPerSec, base?.messagesPerSec);
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (value: number | undefined, digits: number) => (value === undefined ? 'n/a' : value.toFixed(digits));
/** Three significant digits, without exponent notation. */
const sig = (value: number | undefined) => {
  if (value === undefined) return 'n/a';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(3);
};
const times = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 1048576).toFixed(1));
const kib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 1024).toFixed(2));
/** CPU seconds per million messages is CPU microseconds per message. */
const micros = (cpuSecondsPerMillion: number | undefined) =>
  cpuSecondsPerMillion === undefined ? 'n/a' : `${sig(cpuSecondsPerMillion)} µs`;

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function headline(result: BenchResult, workload: WorkloadSpec, server: string): string {
  const row = findRow(result, workload.id, server);
  if (!row || row.rounds === 0) return 'n/a';
  const vs = advantage(result, workload, server);
  if (workload.kind === WorkloadKind.Idle) {
    const base = findRow(result, workload.id, BASELINE);
    const mem = ratio(row.idleRssBytesPerConnection, base?.idleRssBytesPerConnection);
    const now = `${kib(row.idleRssBytesPerConnection)} KiB (${times(mem)})`;
    if (row.settledRssBytesPerConnection === undefined) return now;
    const settled = ratio(row.settledRssBytesPerConnection, base?.settledRssBytesPerConnection);
    return `${now}; settled ${kib(row.settledRssBytesPerConnection)} KiB (${times(settled)})`;
  }
  const value = row.messagesPerSec === undefined ? 'n/a' : int(row.messagesPerSec);
  const cpu = micros(row.cpuSecondsPerMillion);
  return vs === undefined ? `${value} (${cpu})` : `${value} (${times(vs)}, ${cpu})`;
}

function summaryTable(result: BenchResult): string {
  const servers = result.servers.map((server) => server.name);
  const rows = result.workloads.map((workload) => {
    const unit =
      workload.kind === WorkloadKind.Idle
        ? 'RSS/conn'
        : workload.kind === WorkloadKind.Churn
          ? 'conn/s, server CPU/conn'
          : 'msg/s, server CPU/msg';
    return [`${workload.title} (${unit})`, ...servers.map((server) => headline(result, workload, server))];
  });
  return table(['workload', ...servers], rows);
}

function detailTable(result: BenchResult, workload: WorkloadSpec): string {
  const servers = result.servers.map((server) => server.name);
  const baseline = findRow(result, workload.id, BASELINE);
  if (workload.kind === WorkloadKind.Idle) {
    const rows = servers.map((server) => {
      const row = findRow(result, workload.id, server);
      return [
        server,
        kib(row?.idleRssBytesPerConnection),
        kib(row?.idleHeapBytesPerConnection),
        times(ratio(row?.idleRssBytesPerConnection, baseline?.idleRssBytesPerConnection)),
        kib(row?.settledRssBytesPerConnection),
        kib(row?.settledHeapBytesPerConnection),
        times(ratio(row?.settledRssBytesPerConnection, baseline?.settledRssBytesPerConnection)),
        row?.idleConnections === undefined ? 'n/a' : int(row.idleConnections),
        mib(row?.peakRssBytes),
        String(row?.errors ?? 'n/a'),
      ];
    });
    return table(
      [
        'server',
        'RSS KiB/conn',
        'heap+external KiB/conn',
        'RSS vs ws',
        'settled RSS KiB/conn',
        'settled heap+external KiB/conn',
        'settled RSS vs ws',
        'connections',
        'peak RSS MiB',
        'errors',
      ],
      rows,
    );
  }
  if (workload.deflate) return deflateTable(result, workload);
  const yardstick = findRow(result, workload.id, YARDSTICK);
  const unit = workload.kind === WorkloadKind.Churn ? 'conn/s' : 'msg/s';
  const cpuUnit = workload.kind === WorkloadKind.Churn ? 'CPU s/1M conn' : 'CPU s/1M msg';
  const rows = servers.map((server) => {
    const row = findRow(result, workload.id, server);
    return [
      server,
      row?.messagesPerSec === undefined ? 'n/a' : int(row.messagesPerSec),
      sig(row?.megabytesPerSec),
      sig(row?.p50Ms),
      sig(row?.p99Ms),
      fixed(row?.cpuSecondsPerMillion, 2),
      mib(row?.peakRssBytes),
      times(ratio(row?.messagesPerSec, baseline?.messagesPerSec)),
      times(ratio(row?.cpuSecondsPerMillion, baseline?.cpuSecondsPerMillion)),
      times(ratio(row?.messagesPerSec, yardstick?.messagesPerSec)),
      `${fixed(row?.serverCpuLoad, 2)} / ${fixed(row?.clientCpuLoad, 2)}`,
      String(row?.errors ?? 'n/a'),
    ];
  });
  return table(
    [
      'server',
      unit,
      'MB/s',
      'p50 ms',
      'p99 ms',
      cpuUnit,
      'peak RSS MiB',
      `vs ${BASELINE}`,
      `CPU vs ${BASELINE}`,
      `vs ${YARDSTICK}`,
      'CPU load server / generator',
      'errors',
    ],
    rows,
  );
}

/** Compression rows: CPU per message in µs, what the connections cost in RSS, and the ratio on the wire. */
function deflateTable(result: BenchResult, workload: WorkloadSpec): string {
  const baseline = findRow(result, workload.id, BASELINE);
  const rows = result.servers.map(({ name }) => {
    const row = findRow(result, workload.id, name);
    return [
      name,
      row?.messagesPerSec === undefined ? 'n/a' : int(row.messagesPerSec),
      fixed(row?.cpuSecondsPerMillion, 1),
      times(ratio(row?.cpuSecondsPerMillion, baseline?.cpuSecondsPerMillion)),
      sig(row?.p50Ms),
      sig(row?.p99Ms),
      mib(row?.rssGrowthBytes),
      mib(row?.peakRssBytes),
      fixed(row?.compressionRatio, 2),
      fixed(row?.compressionRatio === undefined ? undefined : 1 / row.compressionRatio, 3),
      `${fixed(row?.serverCpuLoad, 2)} / ${fixed(row?.clientCpuLoad, 2)}`,
      String(row?.errors ?? 'n/a'),
    ];
  });
  return table(
    [
      'server',
      'msg/s',
      'server CPU µs/msg',
      `CPU vs ${BASELINE}`,
      'p50 ms',
      'p99 ms',
      'RSS growth MiB',
      'peak RSS MiB',
      'ratio (payload ÷ wire)',
      'wire B per payload B',
      'CPU load server / generator',
      'errors',
    ],
    rows,
  );
}

export function evaluateGoals(
  result: BenchResult,
): Array<{ goal: Goal; measured: number | undefined; met: boolean | undefined }> {
  return GOALS.map((goal) => {
    const row = findRow(result, goal.workload, SUBJECT);
    const base = findRow(result, goal.workload, BASELINE);
    const yardstick = findRow(result, goal.workload, YARDSTICK);
    let measured: number | undefined;
    switch (goal.metric) {
      case 'throughput-vs-ws':
        measured = ratio(row?.messagesPerSec, base?.messagesPerSec);
        break;
      case 'throughput-vs-minimal':
        measured = ratio(row?.messagesPerSec, yardstick?.messagesPerSec);
        break;
      case 'cpu-vs-ws':
        measured = ratio(row?.cpuSecondsPerMillion, base?.cpuSecondsPerMillion);
        break;
      case 'cpu-vs-minimal':
        measured = ratio(row?.cpuSecondsPerMillion, yardstick?.cpuSecondsPerMillion);
        break;
      case 'idle-vs-ws':
        measured = ratio(row?.idleRssBytesPerConnection, base?.idleRssBytesPerConnection);
        break;
      case 'idle-vs-minimal':
        measured = ratio(row?.idleRssBytesPerConnection, yardstick?.idleRssBytesPerConnection);
        break;
      case 'settled-vs-ws':
        measured = ratio(row?.settledRssBytesPerConnection, base?.settledRssBytesPerConnection);
        break;
      case 'settled-vs-minimal':
        measured = ratio(row?.settledRssBytesPerConnection, yardstick?.settledRssBytesPerConnection);
        break;
      default:
        measured = row?.idleRssBytesPerConnection === undefined ? undefined : row.idleRssBytesPerConnection / 1024;
    }
    const lowerIsBetter = LOWER_IS_BETTER.has(goal.metric);
    const met = measured === undefined ? undefined : lowerIsBetter ? measured <= goal.target : measured >= goal.target;
    return { goal, measured, met };
  });
}

function goalsTable(result: BenchResult): string {
  const rows = evaluateGoals(result).map(({ goal, measured, met }) => {
    const lowerIsBetter = LOWER_IS_BETTER.has(goal.metric);
    const unit = goal.metric === 'idle-kib' ? ' KiB' : 'x';
    return [
      goal.text,
      `${lowerIsBetter ? '≤' : '≥'} ${goal.target}${unit}`,
      measured === undefined ? 'n/a' : `${measured.toFixed(2)}${unit}`,
      met === undefined ? 'not measured' : met ? 'met' : 'NOT met',
    ];
  });
  return table(['goal (websock)', 'target', 'measured', 'status'], rows);
}

/** The part of the report the README quotes: when and where, the summary table and the goals. */
export function renderReadmeExcerpt(result: BenchResult): string {
  const { machine } = result;
  return [
    `Run of ${result.startedAt.slice(0, 10)} on ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, ${result.options.rounds} round(s) of ${result.options.durationMs} ms; load average at start ${result.loadAverage.start.toFixed(2)}.`,
    '',
    summaryTable(result),
    '',
    goalsTable(result),
  ].join('\n');
}

export function renderMarkdown(result: BenchResult, chartFile?: string): string {
  const { machine, placement, options } = result;
  const lines: string[] = [];
  lines.push('# websock benchmark: latest run', '');
  lines.push(
    `- When: ${result.startedAt} to ${result.finishedAt}`,
    `- Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.platform}, Node ${machine.node}`,
    `- Placement: ${
      placement.pinned
        ? `server pinned to CPU ${placement.serverCpus}, load generator(s) to CPU ${placement.loadCpus.join(', ')} (taskset)`
        : 'not pinned'
    }; ${options.clients} load generator process(es)`,
    `- Load average (1 min) at start / end: ${result.loadAverage.start.toFixed(2)} / ${result.loadAverage.end.toFixed(2)} (the run itself adds about 2)`,
    `- Per measurement: ${options.warmupMs} ms warm-up, ${options.durationMs} ms measured; ${options.rounds} round(s), servers alternating, medians reported`,
    `- Servers: ${result.servers
      .map((server) => {
        const info = Object.entries(server.info)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ');
        return `${server.name} (${server.description}${info ? `; ${info}` : ''})`;
      })
      .join('; ')}`,
    '',
  );
  if (result.loadAverage.start > BUSY_LOAD) {
    lines.push(
      `> **The machine was busy** (load average ${result.loadAverage.start.toFixed(2)} on ${machine.cores} cores before the run started): other processes shared the cores, so throughput and tail latency are noisy; CPU per message is the steadier figure.`,
      '',
    );
  }
  lines.push(
    '## Summary',
    '',
    `Median messages (or connections) per second, and in parentheses the ratio to \`${BASELINE}\` (pure JavaScript) and the server's own CPU time per message (per connection for churn). For idle memory: RSS growth per connection and its ratio to \`${BASELINE}\` (lower is better), weighed right after the connections opened and again once settled (after the idle wait, when V8 has shrunk the young generation that grew while they opened).`,
    '',
    summaryTable(result),
    '',
  );
  if (chartFile) lines.push(`![ratio to ${BASELINE} per workload](${chartFile})`, '');
  lines.push('## Goals', '', goalsTable(result), '');
  lines.push(
    '## Details',
    '',
    "Latency is the round trip of sampled messages (for churn: a whole connection cycle). CPU s/1M is the server process's own user+system CPU over the measured window per million messages. CPU load is CPU seconds per second (1.00 = one core busy) of the server and of the busiest load generator: a generator near 1.00 may be what limits that row.",
    '',
  );
  for (const workload of result.workloads) {
    lines.push(`### ${workload.title} (\`${workload.id}\`)`, '', detailTable(result, workload), '');
  }
  const failures = result.measurements.filter((m) => !m.ok || m.errors > 0 || m.firstError);
  if (result.notes.length > 0 || failures.length > 0) {
    lines.push('## Notes', '');
    for (const note of result.notes) lines.push(`- ${note}`);
    for (const m of failures) {
      lines.push(
        `- ${m.server} / ${m.workload} round ${m.round + 1}: ${m.ok ? `${m.errors} load generator error(s)` : 'failed'}: ${m.error ?? m.firstError ?? ''}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
