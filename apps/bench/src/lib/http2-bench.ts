// The HTTP/2 bench (`cli.js --http2`): websock's echo over wss:// HTTP/1.1 against the same
// server's WebSockets over HTTP/2 (RFC 8441 extended CONNECT), one TLS port and one certificate
// for both; then memory per WebSocket with N idle WebSockets on one HTTP/2 session against N
// wss:// HTTP/1.1 connections. The measurements are the main driver's (measure() in driver.ts):
// only the generator's link to the server changes between rows.

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { generateSelfSignedCert } from '@websock/echo-server';
import { Child, describeMachine, type Machine, planOpenFiles, planPlacement } from './child.js';
import {
  describeMeasurement,
  looksContended,
  MAX_RETRIES,
  type MeasureContext,
  type Measurement,
  measure,
  type SummaryRow,
  summarize,
} from './driver.js';
import { HTTP2_ECHO_WORKLOADS, HTTP2_LINKS, type Http2Link, idleWorkload } from './http2-cases.js';
import type { ServerDef } from './servers.js';
import type { WorkloadSpec } from './workloads.js';

export interface Http2BenchOptions {
  /** Directory holding the built loadgen.js and servers/websock-http2.js. */
  distDir: string;
  durationMs: number;
  warmupMs: number;
  rounds: number;
  /** Idle WebSockets for the memory rows. */
  connections: number;
  pin: boolean;
  log?: (line: string) => void;
}

export interface Http2BenchResult {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  loadAverage: { start: number; end: number };
  pinned: boolean;
  options: Omit<Http2BenchOptions, 'log' | 'distDir'>;
  links: readonly Http2Link[];
  workloads: WorkloadSpec[];
  /** The TLS each link negotiated, as the generator saw it. */
  tls: Record<string, string>;
  notes: string[];
  /** `server` holds the link's id. */
  measurements: Measurement[];
  summary: SummaryRow[];
}

/**
 * Runs every workload over every link, `rounds` times, links in a rotated order each round. One
 * load generator only: its HTTP/2 WebSockets then share exactly one session.
 */
export async function runHttp2Bench(options: Http2BenchOptions): Promise<Http2BenchResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0] ?? 0;
  const machine = describeMachine();
  const notes: string[] = [];
  const { pinned, loadCpus, note } = planPlacement(machine, options.pin, 1);
  if (note) notes.push(note);
  const files = planOpenFiles(machine, options.connections, 256);
  if (files.note) notes.push(`Idle WebSockets ${files.note}`);
  const cert = await generateSelfSignedCert();
  const server: ServerDef = {
    name: 'websock-http2',
    script: 'servers/websock-http2.js',
    env: { BENCH_TLS_CERT: cert.cert, BENCH_TLS_KEY: cert.key },
    protocol: 'ws',
    deflate: false,
    description: '@websock/server, createServer({ tls, http2: true }), echo in the message handler',
  };
  const workloads = [...HTTP2_ECHO_WORKLOADS, idleWorkload(files.count)];
  const startGenerator = () =>
    new Child('loadgen', join(options.distDir, 'loadgen.js'), [], {
      cpus: pinned ? loadCpus[0] : undefined,
      nofile: files.nofile,
    });
  const generators = [startGenerator()];
  const measurements: Measurement[] = [];
  const tls: Record<string, string> = {};
  let retries = 0;
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const workload of workloads) {
        const order = HTTP2_LINKS.map((_, i) => HTTP2_LINKS[(i + round) % HTTP2_LINKS.length]!);
        for (const link of order) {
          if (!generators[0]!.alive) {
            notes.push(`the load generator exited and was restarted: ${generators[0]!.stderr.trim().split('\n')[0]}`);
            generators[0] = startGenerator();
          }
          const context: MeasureContext = {
            generators,
            secure: { transport: link.transport, sessions: link.sessions, ca: cert.cert },
            distDir: options.distDir,
            durationMs: options.durationMs,
            warmupMs: options.warmupMs,
            idleConnections: files.count,
            // The HTTP/2 rows weigh right after opening, the same moment for every transport.
            idleSettleMs: 0,
            serverCpus: pinned ? '0' : undefined,
            nofile: files.nofile,
            cpuProfDir: undefined,
            onInfo() {},
          };
          const label = `round ${round + 1}/${options.rounds} ${workload.id} ${link.id}`;
          let measurement = { ...(await measure(server, workload, round, context)), server: link.id };
          if (pinned && retries < MAX_RETRIES && looksContended(measurement)) {
            // Neither the server nor the generator kept its core busy: other processes had the CPUs.
            retries++;
            const first = measurement;
            measurement = { ...(await measure(server, workload, round, context)), server: link.id };
            notes.push(
              `${label}: retried once, as neither server nor generator was busy (CPU load ${first.serverCpuLoad?.toFixed(2)} / ${first.clientCpuLoad?.toFixed(2)}); kept the retry (${measurement.serverCpuLoad?.toFixed(2)} / ${measurement.clientCpuLoad?.toFixed(2)}).`,
            );
          }
          if (measurement.tls !== undefined) tls[link.id] ??= measurement.tls;
          measurements.push(measurement);
          log(`${label}: ${describeMeasurement(measurement)}`);
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
    pinned,
    options: {
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      rounds: options.rounds,
      connections: files.count,
      pin: options.pin,
    },
    links: HTTP2_LINKS,
    workloads,
    tls,
    notes,
    measurements,
    summary: summarize(measurements),
  };
}
