// The driver: starts load generators once, then for every round, workload and server (servers in
// a rotated order each round, so none always runs first or last) starts the server as its own
// process, warms it up, measures, and stops it by PID.

import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Child, describeMachine, type Machine, planOpenFiles, planPlacement } from './child.js';
import type { LoadReply, ServerReply, ServerStats } from './ipc.js';
import type { SecureLink } from './secure-load.js';
import { SERVERS, type ServerDef } from './servers.js';
import { median, quantile } from './stats.js';
import { LARGE_IDLE_CONNECTIONS, WORKLOADS, WorkloadKind, type WorkloadSpec } from './workloads.js';

export interface BenchOptions {
  /** Directory holding the built loadgen.js and servers/*.js. */
  distDir: string;
  durationMs: number;
  warmupMs: number;
  rounds: number;
  /** Server names; empty = all. */
  servers: readonly string[];
  /** Workload ids; empty = all that are not opt-in. */
  workloads: readonly string[];
  idleConnections: number;
  /** Connections wanted for the `idle-large` row (cut to what the open-file limit allows). Default 50,000. */
  largeIdleConnections?: number | undefined;
  /**
   * After an idle measurement, wait this long and weigh the server again: V8 shrinks its young
   * generation, grown while the connections were opening, only after a few idle seconds, so
   * the second figure is what the connections hold once the server has settled. 0 skips it.
   */
  idleSettleMs?: number | undefined;
  pin: boolean;
  /** Load generator processes; default from the core count. */
  clients?: number | undefined;
  /** Write a V8 CPU profile of every server process into this directory. */
  cpuProfDir?: string | undefined;
  log?: (line: string) => void;
}

export interface Measurement {
  server: string;
  workload: string;
  round: number;
  ok: boolean;
  error?: string;
  /** The server process never printed its ready line. */
  startFailed?: boolean;
  /** Load generator errors during the run (lost connections, failed cycles); the numbers stand but are flagged. */
  errors: number;
  firstError?: string;
  messages?: number;
  elapsedMs?: number;
  messagesPerSec?: number;
  megabytesPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  latencySamples?: number;
  cpuSeconds?: number;
  cpuSecondsPerMillion?: number;
  /** Server CPU seconds per wall-clock second of the measurement (1 = one core saturated). */
  serverCpuLoad?: number;
  /** The busiest load generator's CPU seconds per second: near 1 means it, not the server, may be the limit. */
  clientCpuLoad?: number;
  peakRssBytes?: number;
  /** Peak RSS minus the server's RSS before the connections opened: what the connections and their traffic cost. */
  rssGrowthBytes?: number;
  /** permessage-deflate: payload bytes per byte of echoed payload on the wire (higher is better). */
  compressionRatio?: number;
  idleConnections?: number;
  idleRssBytesPerConnection?: number;
  idleHeapBytesPerConnection?: number;
  /** wss:// only: the TLS the load generator negotiated (protocol, cipher, ALPN). */
  tls?: string;
  /** The same, after `idleSettleMs` more of idling (V8's memory reducer has had its turn). */
  settledRssBytesPerConnection?: number;
  settledHeapBytesPerConnection?: number;
}

export interface SummaryRow {
  server: string;
  workload: string;
  rounds: number;
  errors: number;
  messagesPerSec?: number | undefined;
  megabytesPerSec?: number | undefined;
  p50Ms?: number | undefined;
  p99Ms?: number | undefined;
  cpuSecondsPerMillion?: number | undefined;
  serverCpuLoad?: number | undefined;
  clientCpuLoad?: number | undefined;
  peakRssBytes?: number | undefined;
  rssGrowthBytes?: number | undefined;
  compressionRatio?: number | undefined;
  idleConnections?: number | undefined;
  idleRssBytesPerConnection?: number | undefined;
  idleHeapBytesPerConnection?: number | undefined;
  settledRssBytesPerConnection?: number | undefined;
  settledHeapBytesPerConnection?: number | undefined;
}

export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  /** 1-minute load average before and after: other work on the machine skews every figure. */
  loadAverage: { start: number; end: number };
  placement: { pinned: boolean; serverCpus: string; loadCpus: string[]; nofile: number | undefined };
  options: Omit<BenchOptions, 'log' | 'distDir' | 'cpuProfDir'>;
  servers: Array<{ name: string; description: string; info: Record<string, string> }>;
  workloads: WorkloadSpec[];
  notes: string[];
  measurements: Measurement[];
  summary: SummaryRow[];
}

const READY = /^ready \S+ port=\d+/;

/** Retries allowed per run, so a busy machine cannot stretch a run without bound. */
export const MAX_RETRIES = 10;
/**
 * Under load, one side of the loop is always the bottleneck: the pinned server or the generator
 * keeps its core nearly busy. When neither does, other processes had the cores.
 */
const CONTENDED_BELOW = 0.75;

export function looksContended(m: Measurement): boolean {
  if (!m.ok || m.serverCpuLoad === undefined || m.clientCpuLoad === undefined) return false;
  return Math.max(m.serverCpuLoad, m.clientCpuLoad) < CONTENDED_BELOW;
}

function selectWorkloads(ids: readonly string[]): WorkloadSpec[] {
  if (ids.length === 0) return WORKLOADS.filter((workload) => !workload.optIn);
  return ids.map((id) => {
    const workload = WORKLOADS.find((candidate) => candidate.id === id);
    if (!workload) throw new RangeError(`unknown workload "${id}"; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
    return workload;
  });
}

function selectServers(names: readonly string[]): ServerDef[] {
  if (names.length === 0) return [...SERVERS];
  return names.map((name) => {
    const server = SERVERS.find((candidate) => candidate.name === name);
    if (!server) throw new RangeError(`unknown server "${name}"; known: ${SERVERS.map((s) => s.name).join(', ')}`);
    return server;
  });
}

/** Splits `total` into `parts` near-equal shares. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0] ?? 0;
  const machine = describeMachine();
  const notes: string[] = [];
  const workloads = selectWorkloads(options.workloads);
  const servers = selectServers(options.servers);

  const { pinned, loadCpus, note: placementNote } = planPlacement(machine, options.pin, options.clients);
  if (placementNote) notes.push(placementNote);
  const clientCount = loadCpus.length;

  // Open files: the server holds every idle connection, each generator its share, plus a margin.
  const wanted = new Map<string, number>();
  for (const workload of workloads) {
    if (workload.id === 'idle') wanted.set(workload.id, options.idleConnections);
    else if (workload.kind === WorkloadKind.Idle) {
      wanted.set(workload.id, options.largeIdleConnections ?? LARGE_IDLE_CONNECTIONS);
    }
  }
  const idleCounts = new Map<string, number>();
  let nofile: number | undefined;
  for (const [id, count] of wanted) {
    const plan = planOpenFiles(machine, count, 256);
    idleCounts.set(id, plan.count);
    if (plan.nofile !== undefined) nofile = Math.max(nofile ?? 0, plan.nofile);
    if (plan.note) notes.push(`\`${id}\`: connections ${plan.note}`);
  }
  const idleConnections = idleCounts.get('idle') ?? options.idleConnections;

  log(
    `machine: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}; ` +
      (pinned ? `server on CPU 0, load generators on CPU ${loadCpus.join(',')}` : 'not pinned'),
  );

  let retries = 0;
  const serverInfo = new Map<string, Record<string, string>>();
  const skipped = new Set<string>();
  const measurements: Measurement[] = [];
  const generators: Child[] = [];
  const startGenerator = (i: number) =>
    new Child(`loadgen-${i}`, join(options.distDir, 'loadgen.js'), [], {
      cpus: pinned ? loadCpus[i] : undefined,
      nofile,
    });
  try {
    for (let i = 0; i < clientCount; i++) generators.push(startGenerator(i));

    for (let round = 0; round < options.rounds; round++) {
      for (const workload of workloads) {
        const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
        for (const server of order) {
          if (skipped.has(server.name)) continue;
          if (workload.deflate && !server.deflate) continue;
          const label = `round ${round + 1}/${options.rounds} ${workload.id} ${server.name}`;
          const began = Date.now();
          // A generator that died (it should not) is replaced, so one crash costs one measurement, not the run.
          generators.forEach((generator, i) => {
            if (!generator.alive) {
              notes.push(
                `${generator.label} exited and was restarted before ${label}: ${generator.stderr.trim().split('\n')[0]}`,
              );
              generators[i] = startGenerator(i);
            }
          });
          const context: MeasureContext = {
            generators,
            distDir: options.distDir,
            durationMs: options.durationMs,
            warmupMs: options.warmupMs,
            idleConnections: idleCounts.get(workload.id) ?? idleConnections,
            idleSettleMs: options.idleSettleMs ?? 0,
            serverCpus: pinned ? '0' : undefined,
            nofile,
            cpuProfDir: options.cpuProfDir,
            onInfo(info) {
              serverInfo.set(server.name, info);
              if (server.name === 'ws-addons' && info.addons === 'none') {
                skipped.add(server.name);
                notes.push('ws-addons skipped: neither bufferutil nor utf-8-validate loads on this machine.');
              }
            },
          };
          let measurement = await measure(server, workload, round, context);
          if (pinned && retries < MAX_RETRIES && looksContended(measurement)) {
            // Neither the server nor the generator kept its core busy: something else had the CPUs.
            retries++;
            const first = measurement;
            measurement = await measure(server, workload, round, context);
            notes.push(
              `${label}: retried once, as neither server nor generator was busy (CPU load ${first.serverCpuLoad?.toFixed(2)} / ${first.clientCpuLoad?.toFixed(2)}: other processes were running); kept the retry (${measurement.serverCpuLoad?.toFixed(2)} / ${measurement.clientCpuLoad?.toFixed(2)}).`,
            );
          }
          if (skipped.has(server.name)) continue;
          measurements.push(measurement);
          if (measurement.startFailed && !measurements.some((m) => m.server === server.name && m.ok)) {
            // A server that has never started will not start next round either: say so once, move on.
            // (One that ran before gets another chance: its build may have been replaced mid-run.)
            skipped.add(server.name);
            notes.push(`${server.name} skipped after it failed to start: ${measurement.error?.split('\n')[0]}`);
          }
          log(`${label}: ${describeMeasurement(measurement)} [${((Date.now() - began) / 1000).toFixed(1)} s]`);
        }
      }
    }
  } finally {
    await Promise.all(generators.map((generator) => generator.stop()));
  }

  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
    placement: { pinned, serverCpus: pinned ? '0' : 'any', loadCpus: pinned ? loadCpus : ['any'], nofile },
    options: {
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      rounds: options.rounds,
      servers: servers.map((server) => server.name),
      workloads: workloads.map((workload) => workload.id),
      idleConnections,
      largeIdleConnections: idleCounts.get('idle-large'),
      idleSettleMs: options.idleSettleMs ?? 0,
      pin: options.pin,
      clients: clientCount,
    },
    servers: servers
      .filter((server) => measurements.some((m) => m.server === server.name))
      .map((server) => ({
        name: server.name,
        description: server.description,
        info: serverInfo.get(server.name) ?? {},
      })),
    workloads: workloads.map((workload) => {
      if (workload.kind !== WorkloadKind.Idle) return workload;
      const connections = idleCounts.get(workload.id) ?? idleConnections;
      return workload.id === 'idle'
        ? { ...workload, connections }
        : {
            ...workload,
            connections,
            title: `idle memory per connection, ${connections.toLocaleString('en-US')} conns`,
          };
    }),
    notes,
    measurements,
    summary: summarize(measurements),
  };
}

/** One measurement as a log line (also used by the HTTP/2 mode). */
export function describeMeasurement(m: Measurement): string {
  if (!m.ok) return `FAILED: ${m.error}`;
  const errors = m.errors > 0 ? ` (${m.errors} errors: ${m.firstError})` : '';
  if (m.idleRssBytesPerConnection !== undefined) {
    const settled =
      m.settledRssBytesPerConnection === undefined
        ? ''
        : `, settled ${(m.settledRssBytesPerConnection / 1024).toFixed(2)} KiB/conn`;
    return `${(m.idleRssBytesPerConnection / 1024).toFixed(2)} KiB/conn RSS${settled} over ${m.idleConnections} conns${errors}`;
  }
  return (
    `${Math.round(m.messagesPerSec ?? 0)} msg/s, p50 ${m.p50Ms?.toFixed(3)} ms, p99 ${m.p99Ms?.toFixed(3)} ms, ` +
    `${m.cpuSecondsPerMillion?.toFixed(2)} CPU s/1M, CPU load server ${m.serverCpuLoad?.toFixed(2)} client ${m.clientCpuLoad?.toFixed(2)}${errors}`
  );
}

export interface MeasureContext {
  generators: Child[];
  /** wss:// (the HTTP/2 bench): how the generators connect; absent for ws:// over TCP. */
  secure?: SecureLink | undefined;
  distDir: string;
  durationMs: number;
  warmupMs: number;
  idleConnections: number;
  idleSettleMs: number;
  serverCpus: string | undefined;
  nofile: number | undefined;
  cpuProfDir: string | undefined;
  onInfo(info: Record<string, string>): void;
}

/** One measurement: starts the server, runs the workload against it, stops the server by PID. */
export async function measure(
  server: ServerDef,
  workload: WorkloadSpec,
  round: number,
  context: MeasureContext,
): Promise<Measurement> {
  const base: Measurement = { server: server.name, workload: workload.id, round, ok: false, errors: 0 };
  let child: Child | undefined;
  let started = false;
  const nodeArgs = ['--expose-gc'];
  if (context.cpuProfDir !== undefined) {
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${context.cpuProfDir}`,
      `--cpu-prof-name=${server.name}-${workload.id}-r${round + 1}.cpuprofile`,
    );
  }
  try {
    child = new Child(
      server.name,
      resolve(context.distDir, server.script),
      ['--port', '0', ...(workload.deflate ? ['--deflate'] : [])],
      { cpus: context.serverCpus, nofile: context.nofile, nodeArgs, env: server.env },
    );
    const ready = await child.waitForLine(READY, 15_000);
    started = true;
    const port = Number(/port=(\d+)/.exec(ready)?.[1]);
    const info: Record<string, string> = {};
    for (const [, key, value] of ready.matchAll(/ (\w[\w-]*)=(\S+)/g)) {
      if (key !== 'port' && key !== 'pid') info[key!] = value!;
    }
    context.onInfo(info);
    const tcp = server.protocol === 'tcp';
    const result =
      workload.kind === WorkloadKind.Idle
        ? await measureIdle(child, port, tcp, workload, context)
        : await measureLoad(child, port, tcp, workload, context);
    return { ...base, ...result };
  } catch (error) {
    // Leave the generators clean for the next measurement, whatever state this one died in.
    await Promise.allSettled(context.generators.map((generator) => generator.request({ type: 'stop' }, 5_000)));
    return { ...base, ok: false, error: errorText(error), ...(started ? {} : { startFailed: true }) };
  } finally {
    // A profiled process writes its profile as it exits: give it time to.
    await child?.stop(context.cpuProfDir === undefined ? 1_000 : 30_000);
  }
}

type Ready = Extract<LoadReply, { type: 'ready' }>;
type Stopped = Extract<LoadReply, { type: 'stopped' }>;
type Marked = Extract<LoadReply, { type: 'mark' }>;

async function setupAll(
  context: MeasureContext,
  workload: WorkloadSpec,
  port: number,
  tcp: boolean,
  total: number,
  timeoutMs: number,
): Promise<{ active: Child[]; connected: number; tls: string | undefined }> {
  const { generators, secure } = context;
  const shares = split(total, generators.length);
  const active = generators.filter((_, i) => shares[i]! > 0);
  const replies = await Promise.all(
    active.map((generator, i) =>
      generator.request<Ready>(
        { type: 'setup', spec: workload, port, connections: shares[i]!, tcp, secure },
        timeoutMs,
      ),
    ),
  );
  const failed = replies.reduce((sum, reply) => sum + reply.failed, 0);
  if (failed > 0) {
    throw new Error(
      `${failed} of ${total} connections failed to open: ${replies.find((r) => r.firstError)?.firstError}`,
    );
  }
  return {
    active,
    connected: replies.reduce((sum, reply) => sum + reply.connections, 0),
    tls: replies.find((reply) => reply.tls !== undefined)?.tls,
  };
}

async function measureLoad(
  server: Child,
  port: number,
  tcp: boolean,
  workload: WorkloadSpec,
  context: MeasureContext,
): Promise<Partial<Measurement>> {
  const baseline = await server.request<ServerReply>({ type: 'stats' }, 5_000);
  const { active, tls } = await setupAll(context, workload, port, tcp, workload.connections, 30_000);
  await Promise.all(active.map((generator) => generator.request({ type: 'go' }, 5_000)));
  await sleep(context.warmupMs);

  const markAll = (record: boolean) =>
    Promise.all([
      server.request<ServerReply>({ type: 'stats' }, 5_000),
      ...active.map((generator) => generator.request<Marked>({ type: 'mark', record }, 5_000)),
    ]);
  const [serverStart, ...loadStart] = await markAll(true);
  await sleep(context.durationMs);
  const [serverEnd, ...loadEnd] = await markAll(false);
  const stopped = await Promise.all(active.map((generator) => generator.request<Stopped>({ type: 'stop' }, 10_000)));

  let messages = 0;
  let rate = 0;
  let elapsed = 0;
  let clientCpuLoad = 0;
  let wireBytes = 0;
  loadStart.forEach((start, i) => {
    const end = loadEnd[i]!.mark;
    const delta = end.messages - start.mark.messages;
    wireBytes += (end.wireBytes ?? 0) - (start.mark.wireBytes ?? 0);
    const ms = end.time - start.mark.time;
    messages += delta;
    rate += ms > 0 ? (delta * 1000) / ms : 0;
    elapsed += ms / loadStart.length;
    if (ms > 0) clientCpuLoad = Math.max(clientCpuLoad, (end.cpu - start.mark.cpu) / 1000 / ms);
  });
  if (messages <= 0)
    throw new Error(`no messages echoed (${stopped.find((s) => s.firstError)?.firstError ?? 'no error'})`);
  const cpuSeconds = cpuOf(serverEnd.stats) - cpuOf(serverStart.stats);
  const latencies = stopped.flatMap((reply) => reply.latencies);
  const errors = stopped.reduce((sum, reply) => sum + reply.errors, 0);
  const result: Partial<Measurement> = {
    ok: true,
    errors,
    messages,
    elapsedMs: elapsed,
    messagesPerSec: rate,
    megabytesPerSec: (rate * workload.size) / 1e6,
    latencySamples: stopped.reduce((sum, reply) => sum + reply.samples, 0),
    cpuSeconds,
    cpuSecondsPerMillion: (cpuSeconds / messages) * 1e6,
    serverCpuLoad: elapsed > 0 ? (cpuSeconds * 1000) / elapsed : 0,
    clientCpuLoad,
    peakRssBytes: serverEnd.stats.maxRss,
    rssGrowthBytes: serverEnd.stats.maxRss - baseline.stats.rss,
  };
  if (workload.deflate && wireBytes > 0) result.compressionRatio = (messages * workload.size) / wireBytes;
  if (tls !== undefined) result.tls = tls;
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  if (p50 !== undefined) result.p50Ms = p50;
  if (p99 !== undefined) result.p99Ms = p99;
  const firstError = stopped.find((reply) => reply.firstError)?.firstError;
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

function cpuOf(stats: ServerStats): number {
  return (stats.cpuUser + stats.cpuSystem) / 1e6;
}

async function measureIdle(
  server: Child,
  port: number,
  tcp: boolean,
  workload: WorkloadSpec,
  context: MeasureContext,
): Promise<Partial<Measurement>> {
  // Warm the accept/upgrade path so its code and first allocations are not billed to the connections.
  await setupAll(context, workload, port, tcp, Math.min(100, context.idleConnections), 30_000);
  await Promise.all(context.generators.map((generator) => generator.request({ type: 'stop' }, 10_000)));
  await sleep(100);
  const before = (await server.request<ServerReply>({ type: 'gc' }, 10_000)).stats;

  // Opening takes about a millisecond per connection on a quiet machine; allow for a busy one.
  const { active, connected, tls } = await setupAll(
    context,
    workload,
    port,
    tcp,
    context.idleConnections,
    Math.max(120_000, context.idleConnections * 20),
  );
  // Let the server finish whatever the last upgrades scheduled before it is weighed.
  await sleep(200);
  const after = (await server.request<ServerReply>({ type: 'gc' }, 10_000)).stats;
  let settled: ServerStats | undefined;
  if (context.idleSettleMs > 0) {
    await sleep(context.idleSettleMs);
    settled = (await server.request<ServerReply>({ type: 'gc' }, 10_000)).stats;
  }
  const stopped = await Promise.all(active.map((generator) => generator.request<Stopped>({ type: 'stop' }, 10_000)));
  const errors = stopped.reduce((sum, reply) => sum + reply.errors, 0);
  const heapOf = (stats: ServerStats) => stats.heapUsed + stats.external;
  const result: Partial<Measurement> = {
    ok: true,
    errors,
    idleConnections: connected,
    idleRssBytesPerConnection: (after.rss - before.rss) / connected,
    idleHeapBytesPerConnection: (heapOf(after) - heapOf(before)) / connected,
    peakRssBytes: after.maxRss,
  };
  if (tls !== undefined) result.tls = tls;
  if (settled !== undefined) {
    result.settledRssBytesPerConnection = (settled.rss - before.rss) / connected;
    result.settledHeapBytesPerConnection = (heapOf(settled) - heapOf(before)) / connected;
  }
  if (!after.gc) result.firstError = 'global.gc unavailable: memory measured without a collection';
  return result;
}

const SUMMARY_FIELDS = [
  'messagesPerSec',
  'megabytesPerSec',
  'p50Ms',
  'p99Ms',
  'cpuSecondsPerMillion',
  'serverCpuLoad',
  'clientCpuLoad',
  'peakRssBytes',
  'rssGrowthBytes',
  'compressionRatio',
  'idleConnections',
  'idleRssBytesPerConnection',
  'idleHeapBytesPerConnection',
  'settledRssBytesPerConnection',
  'settledHeapBytesPerConnection',
] as const;

/** Median of every metric over the rounds that succeeded, per server and workload. */
export function summarize(measurements: readonly Measurement[]): SummaryRow[] {
  const groups = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = `${m.workload}\u0000${m.server}`;
    const group = groups.get(key);
    if (group) group.push(m);
    else groups.set(key, [m]);
  }
  const rows: SummaryRow[] = [];
  for (const group of groups.values()) {
    const ok = group.filter((m) => m.ok);
    const row: SummaryRow = {
      server: group[0]!.server,
      workload: group[0]!.workload,
      rounds: ok.length,
      errors: group.reduce((sum, m) => sum + m.errors + (m.ok ? 0 : 1), 0),
    };
    for (const field of SUMMARY_FIELDS) {
      const values = ok.map((m) => m[field]).filter((value): value is number => typeof value === 'number');
      const value = median(values);
      if (value !== undefined) row[field] = value;
    }
    rows.push(row);
  }
  return rows;
}
