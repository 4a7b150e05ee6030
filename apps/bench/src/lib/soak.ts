// The soak driver: for each server in turn, start it as its own process, open N connections from
// the load generators, churn them with traffic for the set duration while the server reports its
// memory, handles and connections every few seconds, then close everything, wait for the server
// to let go of it, take a last sample and stop the server by its PID.

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Child, describeMachine, type Machine, planOpenFiles, planPlacement } from './child.js';
import type { LoadReply, ServerSoakReply, SoakCounters, SoakPlan, SoakSample } from './ipc.js';
import { findServer, type ServerDef } from './servers.js';
import { analyzeSoak, type SoakAnalysis } from './soak-analysis.js';

export const SOAK_DEFAULTS = {
  durationMs: 3 * 60_000,
  connections: 10_000,
  servers: ['websock', 'ws'],
} as const;

/** How connections are retired: mostly clean closes, the rest the ways real clients vanish. */
export const SOAK_MIX = { close: 0.6, drop: 0.15, reset: 0.1, fragment: 0.15 } as const;

export const SoakPhase = {
  Baseline: 'baseline',
  Ramp: 'ramp',
  Churn: 'churn',
  Drain: 'drain',
  After: 'after',
} as const;
export type SoakPhase = (typeof SoakPhase)[keyof typeof SoakPhase];

export interface SoakOptions {
  /** Directory holding the built loadgen.js and servers/*.js. */
  distDir: string;
  /** Length of the churn phase per server (ramp-up and drain come on top). */
  durationMs: number;
  /** Connections kept open at once (over all load generators). */
  connections: number;
  /** Server names; empty = SOAK_DEFAULTS.servers. */
  servers: readonly string[];
  pin: boolean;
  clients?: number | undefined;
  /** Default: a 36th of the duration, between 250 ms and 5 s. */
  sampleIntervalMs?: number | undefined;
  /** Mean connection lifetime; default from the duration (30 s for runs of 3 minutes or more). */
  lifetimeMs?: number | undefined;
  /** Mean time between messages per connection; default from the duration (10 s from 3 minutes). */
  messageIntervalMs?: number | undefined;
  log?: (line: string) => void;
}

export interface SoakSettings {
  connections: number;
  durationMs: number;
  lifetimeMs: number;
  messageIntervalMs: number;
  sampleIntervalMs: number;
  mix: typeof SOAK_MIX;
  clients: number;
  seed: number;
}

export interface SoakPoint {
  /** Seconds since churn began (negative before). */
  t: number;
  phase: SoakPhase;
  sample: SoakSample;
  /** Server CPU seconds per second since the previous point (1 = one core busy). */
  cpuLoad: number | undefined;
  /** The load generators' counters, summed, just after the sample (absent for the baseline). */
  load: SoakCounters | undefined;
}

export interface SoakServerResult {
  server: string;
  description: string;
  info: Record<string, string>;
  ok: boolean;
  error?: string;
  pid: number | undefined;
  /** The server process had exited when its soak was over. */
  stopped: boolean;
  points: SoakPoint[];
  /** The generators' counters after the drain. */
  final: SoakCounters | undefined;
  /** Time from the end of the drain until the server counted no connection and held no TCP socket. */
  settleMs: number | undefined;
  analysis: SoakAnalysis | undefined;
}

export interface SoakResult {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  loadAverage: { start: number; end: number };
  placement: { pinned: boolean; serverCpus: string; loadCpus: string[]; nofile: number | undefined };
  settings: SoakSettings;
  servers: SoakServerResult[];
  notes: string[];
}

const READY = /^ready \S+ port=\d+/;
/** After the drain, how long the server may take to release every connection before the last sample. */
const SETTLE_LIMIT_MS = 10_000;
/** Descriptors beyond the connections: handshakes and closes in flight, the listener, stdio. */
const NOFILE_MARGIN = 2_048;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** Rates scale with the duration, so that a 3 s soak churns too; a full run gets the round figures. */
export function soakSettings(options: SoakOptions, clients: number): SoakSettings {
  return {
    connections: options.connections,
    durationMs: options.durationMs,
    // Each connection lives 30 s on average: 10,000 open means about 333 retired and opened per second.
    lifetimeMs: Math.round(options.lifetimeMs ?? clamp(options.durationMs / 6, 500, 30_000)),
    // One message every 10 s per connection: about 1,000 messages per second over 10,000 connections.
    messageIntervalMs: Math.round(options.messageIntervalMs ?? clamp(options.durationMs / 18, 100, 10_000)),
    sampleIntervalMs: Math.round(options.sampleIntervalMs ?? clamp(options.durationMs / 36, 250, 5_000)),
    mix: SOAK_MIX,
    clients,
    seed: 0x50a4,
  };
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type SoakReply = Extract<LoadReply, { type: 'soak' }>;

/** Sums the generators' counters (the first error of the first generator that has one). */
export function sumCounters(list: readonly SoakCounters[]): SoakCounters | undefined {
  if (list.length === 0) return undefined;
  const total = { ...list[0]! };
  for (const counters of list.slice(1)) {
    for (const key of Object.keys(total) as Array<keyof SoakCounters>) {
      if (key === 'firstError') continue;
      if (key === 'openMsMax' || key === 'connectMsMax') total[key] = Math.max(total[key], counters[key]);
      else total[key] = (total[key] as number) + (counters[key] as number);
    }
    if (total.firstError === undefined && counters.firstError !== undefined) total.firstError = counters.firstError;
  }
  return total;
}

function selectServers(names: readonly string[]): ServerDef[] {
  return (names.length > 0 ? names : SOAK_DEFAULTS.servers).map((name) => {
    const server = findServer(name);
    if (!server) throw new RangeError(`unknown server "${name}"`);
    if (server.protocol !== 'ws') throw new RangeError(`${name} is not a WebSocket server: it cannot be soaked`);
    return server;
  });
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0] ?? 0;
  const machine = describeMachine();
  const notes: string[] = [];
  const servers = selectServers(options.servers);

  const { pinned, loadCpus, note: placementNote } = planPlacement(machine, options.pin, options.clients);
  if (placementNote) notes.push(placementNote);

  // The server holds every connection; each generator its share. Raise the soft limit when it is
  // too low, or soak fewer connections and say so.
  const { count: connections, nofile, note: filesNote } = planOpenFiles(machine, options.connections, NOFILE_MARGIN);
  if (filesNote) notes.push(`Connections ${filesNote}`);
  const clientCount = loadCpus.length;
  const settings = soakSettings({ ...options, connections }, clientCount);
  log(
    `soak: ${connections} connections, ${settings.durationMs / 1000} s per server, lifetime ${settings.lifetimeMs} ms, ` +
      `a message every ${settings.messageIntervalMs} ms per connection, samples every ${settings.sampleIntervalMs} ms; ` +
      (pinned ? `server on CPU 0, load generators on CPU ${loadCpus.join(',')}` : 'not pinned'),
  );

  const generators: Child[] = [];
  const results: SoakServerResult[] = [];
  try {
    for (let i = 0; i < clientCount; i++) {
      generators.push(
        new Child(`loadgen-${i}`, join(options.distDir, 'loadgen.js'), [], {
          cpus: pinned ? loadCpus[i] : undefined,
          nofile,
        }),
      );
    }
    for (const server of servers) {
      const began = Date.now();
      const result = await soakOne(server, {
        distDir: options.distDir,
        generators,
        settings,
        serverCpus: pinned ? '0' : undefined,
        nofile,
        log,
      });
      results.push(result);
      const a = result.analysis;
      log(
        `soak ${server.name}: ${result.ok ? 'done' : `FAILED: ${result.error}`}` +
          (a ? `; ${a.verdict}` : '') +
          ` [${((Date.now() - began) / 1000).toFixed(0)} s]`,
      );
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
    settings,
    servers: results,
    notes,
  };
}

interface SoakContext {
  distDir: string;
  generators: Child[];
  settings: SoakSettings;
  serverCpus: string | undefined;
  nofile: number | undefined;
  log: (line: string) => void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function soakOne(server: ServerDef, context: SoakContext): Promise<SoakServerResult> {
  const { generators, settings, log } = context;
  const result: SoakServerResult = {
    server: server.name,
    description: server.description,
    info: {},
    ok: false,
    pid: undefined,
    stopped: false,
    points: [],
    final: undefined,
    settleMs: undefined,
    analysis: undefined,
  };
  // Raw samples with the time they were taken; phases and t are assigned once the phase boundaries are known.
  const raw: Array<{ sample: SoakSample; load: SoakCounters | undefined; phase?: SoakPhase }> = [];
  const pending: Array<Promise<void>> = [];
  let churnStart = Number.NaN;
  let drainStart = Number.NaN;
  let child: Child | undefined;

  const markAll = async () =>
    sumCounters(
      (
        await Promise.all(generators.map((generator) => generator.request<SoakReply>({ type: 'soak-mark' }, 5_000)))
      ).map((reply) => reply.counters),
    );

  try {
    child = new Child(server.name, join(context.distDir, server.script), ['--port', '0'], {
      cpus: context.serverCpus,
      nofile: context.nofile,
      nodeArgs: ['--expose-gc'],
      env: server.env,
    });
    result.pid = child.pid;
    const ready = await child.waitForLine(READY, 15_000);
    const port = Number(/port=(\d+)/.exec(ready)?.[1]);
    for (const [, key, value] of ready.matchAll(/ (\w[\w-]*)=(\S+)/g)) {
      if (key !== 'port' && key !== 'pid') result.info[key!] = value!;
    }
    const serverChild = child;
    const sample = async (gc: boolean) =>
      (await serverChild.request<Extract<ServerSoakReply, { type: 'sample' }>>({ type: 'sample', gc }, 30_000)).sample;

    raw.push({ sample: await sample(true), load: undefined, phase: SoakPhase.Baseline });

    child.onNotice((message) => {
      if (message.type !== 'sample') return;
      const taken = message.sample as SoakSample;
      pending.push(
        markAll().then(
          (load) => {
            raw.push({ sample: taken, load });
          },
          () => {
            raw.push({ sample: taken, load: undefined });
          },
        ),
      );
    });
    await child.request({ type: 'report', intervalMs: settings.sampleIntervalMs, gc: true }, 5_000);

    const shares = split(settings.connections, generators.length);
    const plan = (i: number): SoakPlan => ({
      port,
      connections: shares[i]!,
      lifetimeMs: settings.lifetimeMs,
      messageIntervalMs: settings.messageIntervalMs,
      mix: settings.mix,
      maxChurnMs: settings.durationMs + 60_000,
      seed: settings.seed + i,
    });
    const rampStarted = Date.now();
    await Promise.all(
      generators.map((generator, i) =>
        generator.request<SoakReply>({ type: 'soak-open', plan: plan(i) }, 60_000 + settings.connections * 10),
      ),
    );
    log(`soak ${server.name}: ${settings.connections} connections open in ${Date.now() - rampStarted} ms`);

    churnStart = Date.now();
    await Promise.all(generators.map((generator) => generator.request({ type: 'soak-go' }, 5_000)));
    await sleep(settings.durationMs);

    drainStart = Date.now();
    const drained = await Promise.all(
      generators.map((generator) => generator.request<SoakReply>({ type: 'soak-drain' }, 60_000)),
    );
    result.final = sumCounters(drained.map((reply) => reply.counters));
    await child.request({ type: 'report', intervalMs: 0, gc: false }, 5_000);
    await Promise.allSettled(pending);

    // Closed on the client's side is not yet released on the server's: wait until it counts no
    // connection and holds no TCP socket (or the limit passes, which the report then shows).
    const settleStarted = Date.now();
    for (;;) {
      const now = await sample(false);
      if ((now.connections ?? 0) === 0 && (now.resources.TCPSocketWrap ?? 0) === 0) {
        result.settleMs = Date.now() - settleStarted;
        break;
      }
      if (Date.now() - settleStarted > SETTLE_LIMIT_MS) break;
      await sleep(100);
    }
    // A moment more, so timers armed by the last closes can run out before the final weighing.
    await sleep(Math.min(1_000, settings.sampleIntervalMs));
    raw.push({ sample: await sample(true), load: result.final, phase: SoakPhase.After });
    result.ok = true;
  } catch (error) {
    result.error = errorText(error);
    // Leave the generators clean for the next server, whatever state this one died in.
    await Promise.allSettled(generators.map((generator) => generator.request({ type: 'soak-stop' }, 5_000)));
  } finally {
    if (child) {
      await child.request({ type: 'report', intervalMs: 0, gc: false }, 2_000).catch(() => {});
      await child.stop();
      result.stopped = !child.alive && !isAlive(child.pid);
    }
    await Promise.allSettled(pending);
  }

  raw.sort((a, b) => a.sample.time - b.sample.time);
  const origin = Number.isNaN(churnStart) ? (raw[0]?.sample.time ?? 0) : churnStart;
  let previous: SoakSample | undefined;
  for (const entry of raw) {
    const time = entry.sample.time;
    const phase =
      entry.phase ??
      (Number.isNaN(churnStart) || time < churnStart
        ? SoakPhase.Ramp
        : Number.isNaN(drainStart) || time < drainStart
          ? SoakPhase.Churn
          : SoakPhase.Drain);
    const cpuLoad =
      previous && time > previous.time
        ? (entry.sample.cpuUser + entry.sample.cpuSystem - previous.cpuUser - previous.cpuSystem) /
          1000 /
          (time - previous.time)
        : undefined;
    result.points.push({ t: (time - origin) / 1000, phase, sample: entry.sample, cpuLoad, load: entry.load });
    previous = entry.sample;
  }
  if (result.points.length > 0) {
    result.analysis = analyzeSoak(result.points, settings.durationMs / 1000, result.settleMs);
  }
  return result;
}
