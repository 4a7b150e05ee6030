// Markdown of the cross-node fan-out bench (src/crossnode.ts): medians over rounds.
import { cpus, loadavg } from 'node:os';
import type { RedisRoundTrip } from './crossnode-redis.js';
import { median, quantile } from './stats.js';

export interface Cell {
  /** Server processes; 1 = the single-process figure (no Redis). */
  nodes: number;
  /** Message size in bytes. */
  size: number;
}

export interface CellResult extends Cell {
  deliveriesPerSecond: number;
  /** Publish-to-receipt (ms) at a subscriber on the publisher's node. */
  local: number[];
  /** Publish-to-receipt (ms) at a subscriber on another node (through Redis). */
  remote: number[];
  /** CPU of all server processes over the window, in cores. */
  serverCores: number;
  /** CPU of the driver (every client), in cores. */
  driverCores: number;
}

export interface FanoutRun {
  started: Date;
  options: { durationMs: number; warmupMs: number; rounds: number };
  rounds: CellResult[][];
  roundTrips: RedisRoundTrip[][];
  subscribers: number;
}

const ms = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(2));
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const sizeLabel = (size: number) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

/** Median over rounds of a figure of one cell. */
function over(run: FanoutRun, index: number, pick: (result: CellResult) => number | undefined): number | undefined {
  const values = run.rounds.map((round) => pick(round[index]!)).filter((v): v is number => v !== undefined);
  return median(values);
}

function cellRows(run: FanoutRun): string[] {
  const cells = run.rounds[0]!;
  return cells.map((cell, i) => {
    const single = cells.findIndex((c) => c.nodes === 1 && c.size === cell.size);
    const rate = over(run, i, (r) => r.deliveriesPerSecond)!;
    const base = over(run, single, (r) => r.deliveriesPerSecond)!;
    const cores = over(run, i, (r) => r.serverCores)!;
    return `| ${cell.nodes === 1 ? '1 (no Redis)' : cell.nodes} | ${sizeLabel(cell.size)} | ${int(rate)} | ${(rate / base).toFixed(2)}x | ${ms(over(run, i, (r) => quantile(r.local, 0.5)))} / ${ms(over(run, i, (r) => quantile(r.local, 0.99)))} | ${cell.nodes === 1 ? 'n/a' : `${ms(over(run, i, (r) => quantile(r.remote, 0.5)))} / ${ms(over(run, i, (r) => quantile(r.remote, 0.99)))}`} | ${cores.toFixed(2)} | ${((cores / rate) * 1e6).toFixed(2)} | ${over(run, i, (r) => r.driverCores)!.toFixed(2)} |`;
  });
}

function roundTripRows(run: FanoutRun): string[] {
  return [64, 16 * 1024].map((size, k) => {
    const pick = (f: (trip: RedisRoundTrip) => number | undefined) =>
      median(run.roundTrips.map((trips) => f(trips[k]!)!));
    return `| ${sizeLabel(size)} | ${ms(pick((t) => quantile(t.latencies, 0.5)))} | ${ms(pick((t) => quantile(t.latencies, 0.99)))} | ${int(pick((t) => t.messagesPerSecond)!)} |`;
  });
}

/** Where the time of a cross-node delivery goes, from the medians (p50, ms). */
function breakdown(run: FanoutRun): string[] {
  const cells = run.rounds[0]!;
  return [64, 16 * 1024].map((size, k) => {
    const i = cells.findIndex((c) => c.nodes === 2 && c.size === size);
    const local = over(run, i, (r) => quantile(r.local, 0.5)) ?? Number.NaN;
    const remote = over(run, i, (r) => quantile(r.remote, 0.5)) ?? Number.NaN;
    const redis = median(run.roundTrips.map((trips) => quantile(trips[k]!.latencies, 0.5)!)) ?? Number.NaN;
    const rest = remote - local - redis;
    return `| ${sizeLabel(size)} | ${ms(local)} | ${ms(redis)} | ${ms(rest)} | ${ms(remote)} |`;
  });
}

export function renderFanout(run: FanoutRun): string {
  const { options } = run;
  return `# Cross-node fan-out through Redis

Run of ${run.started.toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, ${options.rounds} round(s) of ${options.durationMs} ms (warm-up ${options.warmupMs} ms); load average at end ${loadavg()[0]!.toFixed(2)}. Medians over rounds.

${run.subscribers} subscribers of one topic spread evenly over the server processes, one publisher per process keeping a few messages in flight (8 at 64 B, 2 at 16 KiB); a message counts as done when a probe subscriber on every process has it. Deliveries/s counts every subscriber's messages. Latency is publish-to-receipt (client send to client receipt), p50 / p99 in ms: local at a subscriber on the publisher's process, remote on another process (through Redis). All processes, Redis and the clients share the machine's cores: server and driver CPU are given in cores.

| processes | size | deliveries/s | vs 1 process | local p50 / p99 | remote p50 / p99 | server CPU (cores) | server CPU µs/delivery | driver CPU (cores) |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${cellRows(run).join('\n')}

Redis alone: a bare node-redis client PUBLISHes, another one receives (one in flight), same Redis, same run.

| size | PUBLISH→message p50 (ms) | p99 (ms) | messages/s |
| --- | ---: | ---: | ---: |
${roundTripRows(run).join('\n')}

## Where the time goes (2 processes, p50)

Local is the whole path on one process: the client's frame read and parsed, the publish fanned out to that process's subscribers (frames built once, written to each socket), read by the probe. A remote delivery adds the Redis round trip (measured alone above) and the rest: the adapter's encode and copy, node-redis reading the message, the wire decode, and the receiving process's own fan-out.

| size | local (parse + fan-out) | Redis PUBLISH→message alone | rest (adapter, node-redis, second fan-out) | remote |
| --- | ---: | ---: | ---: | ---: |
${breakdown(run).join('\n')}
`;
}
