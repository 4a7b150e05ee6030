// The fan-out matrix: one publisher, N subscribers, and the servers that deliver each published
// message to all of them. Pure data and arithmetic (cases, windows, medians, goals), so it is
// unit-tested without processes.

import { median } from './stats.js';

/** How subscribers negotiate permessage-deflate. */
export const Compression = {
  /** No extension offered. */
  Off: 'off',
  /** Offer `server_no_context_takeover`: every message compresses alone (shareable). */
  Shared: 'shared',
  /** Offer plain permessage-deflate: the server keeps a window per subscriber. */
  Takeover: 'takeover',
} as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

export const EXTENSION_OFFERS: Record<Compression, string | undefined> = {
  off: undefined,
  shared: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
  takeover: 'permessage-deflate; client_no_context_takeover',
};

/** A way of delivering: each is `dist/servers/fanout.js --impl <name>`. */
export interface FanoutImpl {
  name: string;
  description: string;
  /** Runs only with these subscriber offers. */
  compressions: readonly Compression[];
}

export const FANOUT_BASELINE = 'ws-loop';
export const FANOUT_SUBJECT = 'websock-publish';

export const FANOUT_IMPLS: readonly FanoutImpl[] = [
  {
    name: 'ws-loop',
    description:
      "`ws` (pure JS), its README's broadcast loop: `wss.clients.forEach(c => c.readyState === OPEN && c.send(data))`; `perMessageDeflate: true` when subscribers offer it",
    compressions: ['off', 'shared', 'takeover'],
  },
  {
    name: 'websock-loop',
    description:
      '`@websock/server`, `for (const c of server.clients) c.send(data)`: one frame (and compression) per client',
    compressions: ['off', 'shared'],
  },
  {
    name: FANOUT_SUBJECT,
    description:
      '`@websock/server` topics: every connection subscribes, `server.publish(topic, data)`; `perMessageDeflate: { serverNoContextTakeover: true }` for shared, `true` for takeover',
    compressions: ['off', 'shared', 'takeover'],
  },
];

export interface FanoutCase {
  id: string;
  title: string;
  subscribers: number;
  /** Payload bytes per message. */
  size: number;
  compression: Compression;
  /** Published messages not yet received by every subscriber, at most. */
  window: number;
}

export const DEFAULT_SUBSCRIBERS = [100, 1_000, 10_000] as const;
export const FANOUT_SIZES = [64, 16 * 1024] as const;
const COMPRESSIONS: readonly Compression[] = ['off', 'shared', 'takeover'];

/**
 * Messages in flight: enough to keep the server busy between acknowledgements, few enough that a
 * subscriber never holds more than 64 KiB of them (so no server's slow-subscriber policy
 * triggers) and that about 16,384 deliveries at most are outstanding (latency is then the cost
 * of a delivery round, not of a queue: at 10,000 subscribers, 2 messages).
 */
export function windowFor(size: number, subscribers: number): number {
  const bySize = Math.floor((64 * 1024) / Math.max(size, 1));
  const byDeliveries = Math.floor(16_384 / Math.max(subscribers, 1));
  return Math.max(2, Math.min(32, bySize, byDeliveries));
}

const sizeLabel = (size: number) => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);
const sizeId = (size: number) => (size >= 1024 ? `${size / 1024}k` : `${size}b`);
const COMPRESSION_TITLE: Record<Compression, string> = {
  off: '',
  shared: ', deflate, no context takeover',
  takeover: ', deflate, context takeover',
};

export function fanoutCases(subscribers: readonly number[] = DEFAULT_SUBSCRIBERS): FanoutCase[] {
  return subscribers.flatMap((n) =>
    FANOUT_SIZES.flatMap((size) =>
      COMPRESSIONS.map((compression) => ({
        id: `fanout-${n}-${sizeId(size)}${compression === 'off' ? '' : `-${compression}`}`,
        title: `${n.toLocaleString('en-US')} subscribers x ${sizeLabel(size)}${COMPRESSION_TITLE[compression]}`,
        subscribers: n,
        size,
        compression,
        window: windowFor(size, n),
      })),
    ),
  );
}

export function implsFor(compression: Compression): FanoutImpl[] {
  return FANOUT_IMPLS.filter((impl) => impl.compressions.includes(compression));
}

/** Parses `--subscribers 100,1000,10k`. */
export function parseSubscribers(text: string): number[] {
  const values = text
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean)
    .map((item) => {
      const match = /^(\d+)(k?)$/.exec(item.replace(/_/g, ''));
      const value = match ? Number(match[1]) * (match[2] ? 1000 : 1) : Number.NaN;
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`not a subscriber count: "${item}"`);
      return value;
    });
  if (values.length === 0) throw new RangeError('--subscribers needs at least one count');
  return values;
}

/** The figures of one measured window, from the counters at its two marks. */
export interface FanoutWindow {
  deliveries: number;
  elapsedMs: number;
  /** Server user+system CPU over the window, microseconds. */
  serverCpuMicros: number;
}

export interface FanoutFigures {
  deliveriesPerSec: number;
  /** Server CPU nanoseconds per delivered message. */
  cpuNsPerDelivery: number;
  /** Server CPU seconds per second (1 = one core busy). */
  serverCpuLoad: number;
}

export function fanoutFigures(window: FanoutWindow): FanoutFigures | undefined {
  if (window.deliveries <= 0 || window.elapsedMs <= 0) return undefined;
  return {
    deliveriesPerSec: (window.deliveries * 1000) / window.elapsedMs,
    cpuNsPerDelivery: (window.serverCpuMicros * 1000) / window.deliveries,
    serverCpuLoad: window.serverCpuMicros / 1000 / window.elapsedMs,
  };
}

export interface FanoutMeasurement {
  case: string;
  impl: string;
  round: number;
  ok: boolean;
  error?: string;
  subscribers?: number;
  deliveries?: number;
  published?: number;
  deliveriesPerSec?: number;
  cpuNsPerDelivery?: number;
  serverCpuLoad?: number;
  clientCpuLoad?: number;
  p50Ms?: number;
  p99Ms?: number;
  latencySamples?: number;
  peakRssBytes?: number;
  errors?: number;
  firstError?: string;
}

const FIELDS = [
  'deliveriesPerSec',
  'cpuNsPerDelivery',
  'serverCpuLoad',
  'clientCpuLoad',
  'p50Ms',
  'p99Ms',
  'peakRssBytes',
] as const;

/** The medians of one (case, impl): one per measured field. */
export type FanoutRow = { case: string; impl: string; rounds: number } & Partial<
  Record<(typeof FIELDS)[number], number>
>;

/** Medians over the successful rounds of every (case, impl). */
export function summarizeFanout(measurements: readonly FanoutMeasurement[]): FanoutRow[] {
  const groups = new Map<string, FanoutMeasurement[]>();
  for (const m of measurements) {
    const key = `${m.case}\u0000${m.impl}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((group) => {
    const ok = group.filter((m) => m.ok);
    const row: FanoutRow = { case: group[0]!.case, impl: group[0]!.impl, rounds: ok.length };
    for (const field of FIELDS) {
      const value = median(ok.flatMap((m) => (m[field] === undefined ? [] : [m[field]!])));
      if (value !== undefined) row[field] = value;
    }
    return row;
  });
}

export interface FanoutGoal {
  label: string;
  target: string;
  measured: number | undefined;
  met: boolean | undefined;
  unit: 'x';
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? a / b : undefined;

export function findFanoutRow(rows: readonly FanoutRow[], caseId: string, impl: string): FanoutRow | undefined {
  return rows.find((row) => row.case === caseId && row.impl === impl);
}

/** The project's fan-out goals, at 1,000 subscribers. */
export function evaluateFanoutGoals(rows: readonly FanoutRow[]): FanoutGoal[] {
  const get = (caseId: string, impl: string) => findFanoutRow(rows, caseId, impl);
  const plain = ratio(
    get('fanout-1000-64b', FANOUT_SUBJECT)?.deliveriesPerSec,
    get('fanout-1000-64b', FANOUT_BASELINE)?.deliveriesPerSec,
  );
  const deflate = ratio(
    get('fanout-1000-16k-shared', FANOUT_SUBJECT)?.deliveriesPerSec,
    get('fanout-1000-16k-shared', FANOUT_BASELINE)?.deliveriesPerSec,
  );
  const cpu = ratio(
    get('fanout-1000-16k-shared', FANOUT_SUBJECT)?.cpuNsPerDelivery,
    get('fanout-1000-16k', FANOUT_SUBJECT)?.cpuNsPerDelivery,
  );
  const goal = (label: string, target: string, measured: number | undefined, ok: (v: number) => boolean) => ({
    label,
    target,
    measured,
    met: measured === undefined ? undefined : ok(measured),
    unit: 'x' as const,
  });
  return [
    goal('1,000 x 64 B: deliveries/s vs ws loop', '≥ 5x', plain, (v) => v >= 5),
    goal(
      '1,000 x 16 KiB, deflate no context takeover: deliveries/s vs ws loop (deflate)',
      '≥ 20x',
      deflate,
      (v) => v >= 20,
    ),
    goal(
      '1,000 x 16 KiB: server CPU per delivery, deflate (no takeover) vs uncompressed',
      '≤ 1.5x',
      cpu,
      (v) => v <= 1.5,
    ),
  ];
}

/** Splits `total` into `parts` near-equal shares (the first get the remainder). */
export function splitShares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
