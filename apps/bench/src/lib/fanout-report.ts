// The fan-out report: one table per case (deliveries/s and their ratio to ws's loop, server CPU
// per delivery, p50/p99 publish-to-receipt latency), the goals, and where it was written.

import type { FanoutResult } from './fanout.js';
import {
  DEFAULT_SUBSCRIBERS,
  FANOUT_BASELINE,
  FANOUT_IMPLS,
  type FanoutCase,
  findFanoutRow,
  implsFor,
} from './fanout-cases.js';
import { table } from './report.js';
import { writeMarkdownReport } from './report-files.js';

const int = (value: number | undefined) => (value === undefined ? 'n/a' : Math.round(value).toLocaleString('en-US'));
const fixed = (value: number | undefined, digits: number) => (value === undefined ? 'n/a' : value.toFixed(digits));
const times = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`);
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 1048576).toFixed(0));

function caseTable(result: FanoutResult, fcase: FanoutCase): string {
  const base = findFanoutRow(result.summary, fcase.id, FANOUT_BASELINE);
  const rows = implsFor(fcase.compression).map((impl) => {
    const row = findFanoutRow(result.summary, fcase.id, impl.name);
    const vs =
      row?.deliveriesPerSec !== undefined && base?.deliveriesPerSec
        ? row.deliveriesPerSec / base.deliveriesPerSec
        : undefined;
    return [
      impl.name,
      int(row?.deliveriesPerSec),
      times(vs),
      int(row?.cpuNsPerDelivery),
      fixed(row?.p50Ms, 2),
      fixed(row?.p99Ms, 2),
      fixed(row?.serverCpuLoad, 2),
      fixed(row?.clientCpuLoad, 2),
      mib(row?.peakRssBytes),
      `${row?.rounds ?? 0}/${result.rounds}`,
    ];
  });
  return table(
    [
      'server',
      'deliveries/s',
      'vs ws loop',
      'server CPU ns/delivery',
      'p50 ms',
      'p99 ms',
      'server CPU load',
      'loadgen CPU load',
      'peak RSS MiB',
      'rounds ok',
    ],
    rows,
  );
}

function goalsTable(result: FanoutResult): string {
  return table(
    ['goal (websock-publish)', 'target', 'measured', 'status'],
    result.goals.map((goal) => [
      goal.label,
      goal.target,
      times(goal.measured),
      goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'NOT met',
    ]),
  );
}

function header(result: FanoutResult): string[] {
  const { machine } = result;
  return [
    '# websock fan-out benchmark',
    '',
    `- When: ${result.startedAt} to ${result.finishedAt}`,
    `- Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.platform}, Node ${machine.node}; open files ${machine.nofileSoft}/${machine.nofileHard} (soft/hard)`,
    `- Placement: ${result.pinned ? `server on CPU 0, load generator(s) on CPU ${result.loadCpus.join(', ')} (taskset)` : 'not pinned'}; ${result.loadCpus.length} load generator process(es)`,
    `- Load average (1 min) at start / end: ${result.loadAverage.start.toFixed(2)} / ${result.loadAverage.end.toFixed(2)}`,
    `- Per measurement: ${result.warmupMs} ms warm-up, ${result.durationMs} ms measured; ${result.rounds} round(s), servers alternating, medians reported`,
    `- Servers: ${FANOUT_IMPLS.map((impl) => `\`${impl.name}\`: ${impl.description}`).join('; ')}`,
    '',
  ];
}

export function renderFanoutMarkdown(result: FanoutResult): string {
  const lines = header(result);
  lines.push(
    '## Goals',
    '',
    goalsTable(result),
    '',
    '## Cases',
    '',
    "One publisher, N subscribers, every connection on 127.0.0.1. A delivery is one message received whole by one subscriber (the publisher's own copy is not counted). Server CPU is the server process's user+system CPU over the window per delivery. Latency: publish (the publisher's write) to receipt (the read that completed the frame), on up to 64 subscribers per generator that share the publisher's process and clock. At most `window` messages are in flight (published and not yet received by every subscriber): at most 64 KiB per subscriber and about 16,384 deliveries, between 2 and 32 (shown per case). Latency at saturation is mostly that window draining: compare it between servers of one case.",
    '',
  );
  for (const fcase of result.cases)
    lines.push(`### ${fcase.title} (\`${fcase.id}\`, window ${fcase.window})`, '', caseTable(result, fcase), '');
  const failures = result.measurements.filter((m) => !m.ok || m.firstError);
  if (result.notes.length + result.skipped.length + failures.length > 0) {
    lines.push('## Notes', '');
    for (const note of [...result.notes, ...result.skipped]) lines.push(`- ${note}`);
    for (const m of failures) lines.push(`- ${m.impl} / ${m.case} round ${m.round + 1}: ${m.error ?? m.firstError}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Only the default matrix at full length speaks for results/fanout-latest.md. */
export function isFullFanout(options: { quick: boolean; subscribers: readonly number[] }): boolean {
  return !options.quick && options.subscribers.join(',') === DEFAULT_SUBSCRIBERS.join(',');
}

export function writeFanoutReport(
  result: FanoutResult,
  outDir: string,
  full: boolean,
): { json: string; markdown: string; text: string } {
  return writeMarkdownReport(outDir, 'fanout', result, full, renderFanoutMarkdown(result));
}
