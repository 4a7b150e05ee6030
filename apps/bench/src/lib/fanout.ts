// The fan-out driver: for every round, case and delivery implementation, start the server as its
// own process, open the subscribers (and the one publisher) from the load generators, publish
// with a bounded window for the warm-up, then measure deliveries, server CPU and latency between
// two marks, and stop the server by its PID.

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Child, describeMachine, type Machine, planOpenFiles, planPlacement } from './child.js';
import {
  EXTENSION_OFFERS,
  evaluateFanoutGoals,
  type FanoutCase,
  type FanoutGoal,
  type FanoutImpl,
  type FanoutMeasurement,
  type FanoutRow,
  fanoutCases,
  fanoutFigures,
  implsFor,
  splitShares,
  summarizeFanout,
} from './fanout-cases.js';
import type { FanoutReply, LoadReply, ServerReply, ServerStats } from './ipc.js';
import { quantile } from './stats.js';

export interface FanoutOptions {
  distDir: string;
  durationMs: number;
  warmupMs: number;
  rounds: number;
  subscribers: readonly number[];
  pin: boolean;
  clients?: number | undefined;
  log?: (line: string) => void;
}

export interface FanoutResult {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  pinned: boolean;
  loadCpus: string[];
  durationMs: number;
  warmupMs: number;
  rounds: number;
  loadAverage: { start: number; end: number };
  cases: FanoutCase[];
  /** Cases left out (open-file limit), with the reason. */
  skipped: string[];
  measurements: FanoutMeasurement[];
  summary: FanoutRow[];
  goals: FanoutGoal[];
  notes: string[];
}

const READY = /^ready \S+ port=\d+/;
/** Beyond the subscribers: the publisher, the listening socket, stdio, IPC, node's own. */
const NOFILE_MARGIN = 256;
/**
 * A server delivering a burst to 10,000 subscribers can keep its event loop busy for seconds
 * (ws compressing per subscriber, under other load): marks wait for it rather than fail.
 */
const MARK_TIMEOUT_MS = 120_000;
/** Longest wait for the first deliveries (10,000 per-subscriber compressors to create, on a busy machine). */
const WARM_TIMEOUT_MS = 300_000;

type Ready = Extract<LoadReply, { type: 'ready' }>;
type Marked = Extract<LoadReply, { type: 'mark' }>;

interface Context {
  generators: Child[];
  distDir: string;
  durationMs: number;
  warmupMs: number;
  serverCpus: string | undefined;
  nofile: number | undefined;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const cpuMicros = (stats: ServerStats) => stats.cpuUser + stats.cpuSystem;

/** Cases the open-file limit allows; the others are named in `skipped`. */
function planCases(machine: Machine, subscribers: readonly number[]) {
  const wanted = Math.max(...subscribers) + 1;
  const files = planOpenFiles(machine, wanted, NOFILE_MARGIN);
  const cases = fanoutCases(subscribers);
  const fits = (fcase: FanoutCase) => fcase.subscribers + 1 <= files.count;
  const skipped = [...new Set(cases.filter((fcase) => !fits(fcase)).map((fcase) => fcase.subscribers))].map(
    (n) =>
      `${n.toLocaleString('en-US')} subscribers not run: each needs a descriptor in the server and in a load generator, and the open-file limit allows ${files.count.toLocaleString('en-US')} (${files.note ?? ''}).`,
  );
  return { cases: cases.filter(fits), skipped, nofile: files.nofile };
}

export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0] ?? 0;
  const machine = describeMachine();
  const notes: string[] = [];
  const { pinned, loadCpus, note } = planPlacement(machine, options.pin, options.clients);
  if (note) notes.push(note);
  const { cases, skipped, nofile } = planCases(machine, options.subscribers);
  for (const line of skipped) log(line);
  const generators: Child[] = [];
  const measurements: FanoutMeasurement[] = [];
  try {
    for (let i = 0; i < loadCpus.length; i++)
      generators.push(startGenerator(options.distDir, i, pinned, loadCpus, nofile, generators));
    const context: Context = {
      generators,
      distDir: options.distDir,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      serverCpus: pinned ? '0' : undefined,
      nofile,
    };
    for (let round = 0; round < options.rounds; round++) {
      for (const fcase of cases) {
        const impls = implsFor(fcase.compression);
        for (let k = 0; k < impls.length; k++) {
          const impl = impls[(k + round) % impls.length]!;
          const m = await measureFanout(fcase, impl, round, context);
          log(`round ${round + 1}/${options.rounds} ${fcase.id} ${impl.name}: ${describe(m)}`);
          measurements.push(m);
        }
      }
    }
  } finally {
    await Promise.all(generators.map((generator) => generator.stop()));
  }
  const summary = summarizeFanout(measurements);
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    pinned,
    loadCpus,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    rounds: options.rounds,
    loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
    cases,
    skipped,
    measurements,
    summary,
    goals: evaluateFanoutGoals(summary),
    notes,
  };
}

/** A load generator whose progress reports go on to the first generator (the publisher's). */
function startGenerator(
  distDir: string,
  i: number,
  pinned: boolean,
  loadCpus: string[],
  nofile: number | undefined,
  generators: Child[],
): Child {
  const child = new Child(`loadgen-${i}`, join(distDir, 'loadgen.js'), [], {
    cpus: pinned ? loadCpus[i] : undefined,
    nofile,
  });
  child.onNotice((message) => {
    const publisher = generators[0];
    if (message.type === 'fanout-progress' && publisher?.process.connected) publisher.process.send(message);
  });
  return child;
}

function describe(m: FanoutMeasurement): string {
  if (!m.ok) return `FAILED: ${m.error}`;
  const rate = Math.round(m.deliveriesPerSec ?? 0).toLocaleString('en-US');
  return `${rate} deliveries/s, ${m.cpuNsPerDelivery?.toFixed(0)} ns CPU/delivery, p99 ${m.p99Ms?.toFixed(2)} ms`;
}

async function measureFanout(
  fcase: FanoutCase,
  impl: FanoutImpl,
  round: number,
  context: Context,
): Promise<FanoutMeasurement> {
  const base: FanoutMeasurement = { case: fcase.id, impl: impl.name, round, ok: false };
  const child = new Child(
    `fanout-${impl.name}`,
    join(context.distDir, 'servers', 'fanout.js'),
    ['--port', '0', '--impl', impl.name, '--compression', fcase.compression],
    {
      cpus: context.serverCpus,
      nofile: context.nofile,
      nodeArgs: ['--expose-gc'],
      // The baseline is ws in pure JavaScript, as in every other workload of the bench.
      env: impl.name === 'ws-loop' ? { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } : {},
    },
  );
  try {
    const ready = await child.waitForLine(READY, 15_000);
    const port = Number(/port=(\d+)/.exec(ready)?.[1]);
    return { ...base, ...(await measureWindow(child, port, fcase, context)) };
  } catch (error) {
    await Promise.allSettled(context.generators.map((g) => g.request({ type: 'fanout-stop' }, 5_000)));
    return { ...base, ok: false, error: errorText(error) };
  } finally {
    await child.stop();
  }
}

async function measureWindow(
  server: Child,
  port: number,
  fcase: FanoutCase,
  context: Context,
): Promise<Partial<FanoutMeasurement>> {
  const shares = splitShares(fcase.subscribers, context.generators.length);
  const active = context.generators.filter((_, i) => shares[i]! > 0);
  const offer = EXTENSION_OFFERS[fcase.compression];
  const ready = await Promise.all(
    active.map((generator, index) =>
      generator.request<Ready>(
        {
          type: 'fanout-setup',
          plan: {
            index,
            generators: active.length,
            port,
            subscribers: shares[index]!,
            publisher: index === 0,
            offer,
            size: fcase.size,
            window: fcase.window,
          },
        },
        120_000,
      ),
    ),
  );
  const failed = ready.reduce((sum, reply) => sum + reply.failed, 0);
  if (failed > 0)
    throw new Error(`${failed} subscribers failed to open: ${ready.find((r) => r.firstError)?.firstError}`);
  await Promise.all(active.map((generator) => generator.request({ type: 'fanout-go' }, MARK_TIMEOUT_MS)));
  // Warm-up: two windows delivered to everyone (one-time costs paid), then the warm-up time.
  const warm = { type: 'fanout-warm', messages: 2 * fcase.window, timeoutMs: WARM_TIMEOUT_MS };
  await Promise.all(active.map((generator) => generator.request(warm, WARM_TIMEOUT_MS + 5_000)));
  await sleep(context.warmupMs);
  const markAll = (record: boolean) =>
    Promise.all([
      server.request<ServerReply>({ type: 'stats' }, MARK_TIMEOUT_MS),
      ...active.map((generator) => generator.request<Marked>({ type: 'fanout-mark', record }, MARK_TIMEOUT_MS)),
    ]);
  const [serverStart, ...loadStart] = await markAll(true);
  await sleep(context.durationMs);
  const [serverEnd, ...loadEnd] = await markAll(false);
  const stopped = await Promise.all(
    active.map((generator) => generator.request<FanoutReply>({ type: 'fanout-stop' }, MARK_TIMEOUT_MS)),
  );
  return summarizeWindow(fcase, serverStart.stats, serverEnd.stats, loadStart, loadEnd, stopped);
}

function summarizeWindow(
  fcase: FanoutCase,
  serverStart: ServerStats,
  serverEnd: ServerStats,
  loadStart: Marked[],
  loadEnd: Marked[],
  stopped: FanoutReply[],
): Partial<FanoutMeasurement> {
  let deliveries = 0;
  let elapsedMs = 0;
  let clientCpuLoad = 0;
  loadStart.forEach((start, i) => {
    const end = loadEnd[i]!.mark;
    const ms = end.time - start.mark.time;
    deliveries += end.messages - start.mark.messages;
    elapsedMs += ms / loadStart.length;
    if (ms > 0) clientCpuLoad = Math.max(clientCpuLoad, (end.cpu - start.mark.cpu) / 1000 / ms);
  });
  const figures = fanoutFigures({
    deliveries,
    elapsedMs,
    serverCpuMicros: cpuMicros(serverEnd) - cpuMicros(serverStart),
  });
  const errors = stopped.reduce((sum, reply) => sum + reply.errors, 0);
  const firstError = stopped.find((reply) => reply.firstError)?.firstError;
  if (!figures) throw new Error(`no message delivered in the window (${firstError ?? 'no error'})`);
  const latencies = stopped.flatMap((reply) => reply.latencies);
  const result: Partial<FanoutMeasurement> = {
    ok: errors === 0,
    subscribers: fcase.subscribers,
    deliveries,
    published: stopped[0]?.published ?? 0,
    ...figures,
    clientCpuLoad,
    latencySamples: stopped.reduce((sum, reply) => sum + reply.samples, 0),
    peakRssBytes: serverEnd.maxRss,
    errors,
  };
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  if (p50 !== undefined) result.p50Ms = p50;
  if (p99 !== undefined) result.p99Ms = p99;
  if (firstError !== undefined) {
    result.firstError = firstError;
    result.error = firstError;
  }
  return result;
}
