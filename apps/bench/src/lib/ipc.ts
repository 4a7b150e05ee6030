// Messages between the driver and its children (servers under test, load generators), over the
// IPC channel that `spawn(..., { stdio: [..., 'ipc'] })` opens. Every request carries an id and
// gets exactly one reply with the same id.

import type { WorkloadSpec } from './workloads.js';

export interface ServerStats {
  /** process.cpuUsage(), microseconds. */
  cpuUser: number;
  cpuSystem: number;
  /** process.resourceUsage().maxRSS, converted to bytes. */
  maxRss: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Whether global.gc ran before these figures were taken. */
  gc: boolean;
}

export type ServerRequest = { id: number; type: 'stats' } | { id: number; type: 'gc' } | { id: number; type: 'stop' };

export interface ServerReply {
  id: number;
  type: 'stats';
  stats: ServerStats;
}

/** Counters of one load generator at one instant. */
export interface LoadMark {
  /** performance.now() of the generator, ms. */
  time: number;
  messages: number;
  /** Echoed payload bytes (one direction). */
  bytes: number;
  errors: number;
  /** process.cpuUsage() of the generator, user + system microseconds: shows whether it was the bottleneck. */
  cpu: number;
}

export type LoadRequest =
  | { id: number; type: 'setup'; spec: WorkloadSpec; port: number; connections: number; tcp: boolean }
  | { id: number; type: 'go' }
  /** Takes a mark; `record` turns latency sampling on (first mark) or off (second mark). */
  | { id: number; type: 'mark'; record: boolean }
  | { id: number; type: 'stop' };

export type LoadReply =
  | { id: number; type: 'ready'; connections: number; failed: number; firstError?: string }
  | { id: number; type: 'ok' }
  | { id: number; type: 'mark'; mark: LoadMark }
  | { id: number; type: 'stopped'; latencies: number[]; samples: number; errors: number; firstError?: string }
  | { id: number; type: 'error'; message: string };
