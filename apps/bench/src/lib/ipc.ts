// Messages between the driver and its children (servers under test, load generators), over the
// IPC channel that `spawn(..., { stdio: [..., 'ipc'] })` opens. Every request carries an id and
// gets exactly one reply with the same id.

import type { SecureLink } from './secure-load.js';
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

/**
 * One soak sample of a server process. Memory is taken twice: as the process runs, then after
 * `global.gc()` (when `gc` is true), since only what survives a collection says whether memory is retained.
 */
export interface SoakSample {
  /** Date.now() in the server when the sample was taken. */
  time: number;
  /** After the collection (equal to the *BeforeGc figures when gc is false). */
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rssBeforeGc: number;
  heapUsedBeforeGc: number;
  gc: boolean;
  /** How long the collection took, ms. */
  gcMs: number;
  /** process.cpuUsage(), cumulative microseconds. */
  cpuUser: number;
  cpuSystem: number;
  /** Open WebSocket connections as the server counts them (server.clients.size); null when it cannot tell. */
  connections: number | null;
  /** process.getActiveResourcesInfo() counted by type (TCPSocketWrap, Timeout, ...). */
  resources: Record<string, number>;
}

export type ServerRequest =
  | { id: number; type: 'stats' }
  | { id: number; type: 'gc' }
  | { id: number; type: 'stop' }
  /** One soak sample, answered at once. */
  | { id: number; type: 'sample'; gc: boolean }
  /** Start (intervalMs > 0) or stop (0) pushing a soak sample every intervalMs as a notice. */
  | { id: number; type: 'report'; intervalMs: number; gc: boolean }
  /** A V8 heap snapshot after `global.gc()`, written to `path` (see heap-breakdown.ts). */
  | { id: number; type: 'heap-snapshot'; path: string };

/** The answer to `heap-snapshot`: written, with the process's figures right after. */
export interface ServerSnapshotReply {
  id: number;
  type: 'snapshot';
  path: string;
  stats: ServerStats;
}

/** The answer to `stats` and `gc`. */
export interface ServerReply {
  id: number;
  type: 'stats';
  stats: ServerStats;
}

/** The answers to `sample` and `report`. */
export type ServerSoakReply =
  | { id: number; type: 'sample'; sample: SoakSample }
  | { id: number; type: 'reporting'; intervalMs: number };

/** Sent by a server without being asked (no id): the periodic soak report. */
export interface ServerNotice {
  type: 'sample';
  sample: SoakSample;
}

/** Counters of one load generator at one instant. */
export interface LoadMark {
  /** performance.now() of the generator, ms. */
  time: number;
  messages: number;
  /** Echoed payload bytes (one direction). */
  bytes: number;
  /** Payload bytes of the echoes as they came over the wire (compressed with permessage-deflate). */
  wireBytes?: number;
  errors: number;
  /** process.cpuUsage() of the generator, user + system microseconds: shows whether it was the bottleneck. */
  cpu: number;
}

/** What a load generator does during a soak (its share of the connections). */
export interface SoakPlan {
  port: number;
  /** Connections kept open at once. */
  connections: number;
  /** Mean lifetime of a connection during the churn phase, ms: sets how many are retired per second. */
  lifetimeMs: number;
  /** Mean time between messages on one open connection, ms (one message in flight per connection at most). */
  messageIntervalMs: number;
  /** Relative weights of the ways a connection is retired. */
  mix: { close: number; drop: number; reset: number; fragment: number };
  /** Safety bound: the generator stops churning on its own this long after `soak-go`, ms. */
  maxChurnMs: number;
  /** Seed of the generator's PRNG, so a run's sequence of choices can be repeated. */
  seed: number;
}

/** Counters of one load generator during a soak, cumulative since `soak-open`. */
export interface SoakCounters {
  /** Upgraded and not being retired. */
  open: number;
  opening: number;
  closing: number;
  opened: number;
  openFailed: number;
  /** Sum of the opening times (TCP connect to 101 response) of the opened connections, ms. */
  openMsTotal: number;
  openMsMax: number;
  /** Opens that took over a second: SYN retransmits, a full accept queue or a starved server. */
  slowOpens: number;
  /** Longest TCP connect (dial to 'connect'), ms. */
  connectMsMax: number;
  /** Retired with a close handshake that the server completed (its close frame, then TCP closed). */
  closedClean: number;
  /** Retired by closing TCP without a close frame (FIN). */
  dropped: number;
  /** Retired by a TCP reset. */
  reset: number;
  /** Retired after sending the first fragment of a message and part of the next frame. */
  vanished: number;
  closeTimeouts: number;
  /** Connections the server closed or broke while they were open (not asked to). */
  unexpectedCloses: number;
  messagesSent: number;
  messagesEchoed: number;
  bytesSent: number;
  errors: number;
  firstError?: string;
  /** process.cpuUsage() of the generator, user + system microseconds. */
  cpu: number;
}

/** What one load generator does in a fan-out measurement. */
export interface FanoutPlan {
  /** This generator's position among those taking part (0 publishes). */
  index: number;
  /** Generators taking part. */
  generators: number;
  port: number;
  /** This generator's share of the subscribers. */
  subscribers: number;
  publisher: boolean;
  /** Sec-WebSocket-Extensions offered by every connection, if any. */
  offer?: string | undefined;
  size: number;
  /** Published messages not yet received by every subscriber, at most. */
  window: number;
}

export type FanoutRequest =
  | { id: number; type: 'fanout-setup'; plan: FanoutPlan }
  | { id: number; type: 'fanout-go' }
  /** Answered once every local subscriber has the first `messages` messages (or after `timeoutMs`). */
  | { id: number; type: 'fanout-warm'; messages: number; timeoutMs: number }
  | { id: number; type: 'fanout-mark'; record: boolean }
  | { id: number; type: 'fanout-stop' };

/** Sent without an id and answered by nothing: one generator's progress, forwarded by the driver to the publisher's. */
export interface FanoutProgress {
  type: 'fanout-progress';
  from: number;
  done: number;
}

export interface FanoutReply {
  id: number;
  type: 'fanout-stopped';
  latencies: number[];
  samples: number;
  published: number;
  errors: number;
  firstError?: string;
}

export type LoadRequest =
  | FanoutRequest
  | {
      id: number;
      type: 'setup';
      spec: WorkloadSpec;
      port: number;
      connections: number;
      tcp: boolean;
      /** wss:// over HTTP/1.1 or HTTP/2 (the HTTP/2 bench); absent: ws:// over plain TCP. */
      secure?: SecureLink | undefined;
    }
  | { id: number; type: 'go' }
  /** Takes a mark; `record` turns latency sampling on (first mark) or off (second mark). */
  | { id: number; type: 'mark'; record: boolean }
  | { id: number; type: 'stop' }
  /** Opens the plan's connections; answered once they are all open. */
  | { id: number; type: 'soak-open'; plan: SoakPlan }
  /** Starts churn and traffic. */
  | { id: number; type: 'soak-go' }
  | { id: number; type: 'soak-mark' }
  /** Stops churn and traffic, closes every connection with a close handshake; answered when all are gone. */
  | { id: number; type: 'soak-drain' }
  /** Destroys whatever is left (after an error). */
  | { id: number; type: 'soak-stop' };

export type LoadReply =
  | FanoutReply
  | {
      id: number;
      type: 'ready';
      connections: number;
      failed: number;
      firstError?: string;
      /** wss:// only: the TLS the first connection negotiated (protocol, cipher, ALPN). */
      tls?: string;
    }
  | { id: number; type: 'ok' }
  | { id: number; type: 'mark'; mark: LoadMark }
  | { id: number; type: 'stopped'; latencies: number[]; samples: number; errors: number; firstError?: string }
  | { id: number; type: 'soak'; counters: SoakCounters }
  | { id: number; type: 'error'; message: string };
