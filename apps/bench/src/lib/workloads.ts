// What each measurement does. Sizes are payload bytes of one message; `connections` is the total
// over all load generator processes.

export const WorkloadKind = { Echo: 'echo', Churn: 'churn', Idle: 'idle' } as const;
export type WorkloadKind = (typeof WorkloadKind)[keyof typeof WorkloadKind];

export interface WorkloadSpec {
  id: string;
  title: string;
  kind: WorkloadKind;
  /** Payload bytes per message. */
  size: number;
  /** Echo: connections driven at once. Churn: connection cycles in flight at once. Idle: connections held. */
  connections: number;
  /** Echo: messages outstanding per connection (pipelining depth). */
  inflight: number;
  /** Text frames by default: every server must then validate UTF-8, as a real one does. */
  binary: boolean;
  /**
   * permessage-deflate: the client offers the extension and sends pre-compressed frames (RSV1),
   * cycling through distinct JSON-like messages. Only servers that support it take part.
   */
  deflate: boolean;
  /**
   * With `deflate`: the offer leaves context takeover on in both directions (`permessage-deflate;
   * client_max_window_bits`), so the server keeps its compression window from one message to the
   * next and its inflater keeps the client's. Otherwise it asks for
   * `client_no_context_takeover; server_no_context_takeover`.
   */
  takeover?: boolean;
  /** Latency is sampled on messages whose sequence number is a multiple of this (a power of two). */
  sampleEvery: number;
  /** Listed in `--workloads` but not run by default. */
  optIn: boolean;
}

function echo(id: string, title: string, size: number, connections: number, inflight: number, sampleEvery: number) {
  return {
    id,
    title,
    kind: WorkloadKind.Echo,
    size,
    connections,
    inflight,
    binary: false,
    deflate: false,
    sampleEvery,
    optIn: false,
  } satisfies WorkloadSpec;
}

export const DEFAULT_IDLE_CONNECTIONS = 10_000;
/** The large idle row: as many as the open-file limit allows, up to this (the driver says when it had to cut). */
export const LARGE_IDLE_CONNECTIONS = 50_000;
export const CHURN_CONCURRENCY = 16;

export const WORKLOADS: readonly WorkloadSpec[] = [
  echo('64b-10x32', '64 B, 10 conns x 32 in flight', 64, 10, 32, 16),
  echo('64b-1x1', '64 B, 1 conn x 1 in flight', 64, 1, 1, 4),
  echo('64b-100x1', '64 B, 100 conns x 1 in flight', 64, 100, 1, 4),
  echo('64b-5000x1', '64 B, 5,000 conns x 1 in flight', 64, 5000, 1, 64),
  echo('1k-16x1', '1 KiB, 16 conns x 1 in flight', 1024, 16, 1, 1),
  echo('16k-16x1', '16 KiB, 16 conns x 1 in flight', 16 * 1024, 16, 1, 1),
  echo('256k-4x1', '256 KiB, 4 conns x 1 in flight', 256 * 1024, 4, 1, 1),
  echo('1m-4x1', '1 MiB, 4 conns x 1 in flight', 1024 * 1024, 4, 1, 1),
  echo('8m-2x1', '8 MiB, 2 conns x 1 in flight', 8 * 1024 * 1024, 2, 1, 1),
  {
    id: 'churn',
    title: `churn: open, 64 B echo, close (${CHURN_CONCURRENCY} at once)`,
    kind: WorkloadKind.Churn,
    size: 64,
    connections: CHURN_CONCURRENCY,
    inflight: 1,
    binary: false,
    deflate: false,
    sampleEvery: 1,
    optIn: false,
  },
  {
    id: 'idle',
    title: 'idle memory per connection',
    kind: WorkloadKind.Idle,
    size: 0,
    connections: DEFAULT_IDLE_CONNECTIONS,
    inflight: 0,
    binary: false,
    deflate: false,
    sampleEvery: 1,
    optIn: false,
  },
  {
    // The count is what the open-file limit allows, up to 50,000; the title is set from it.
    id: 'idle-large',
    title: 'idle memory per connection, many connections',
    kind: WorkloadKind.Idle,
    size: 0,
    connections: LARGE_IDLE_CONNECTIONS,
    inflight: 0,
    binary: false,
    deflate: false,
    sampleEvery: 1,
    optIn: false,
  },
  // Compression: the load generator offers the extension and sends frames it compressed once
  // each (distinct JSON-like messages in turn); the server inflates, validates, deflates and sends
  // each echo. The report adds the compression ratio of the echoes and the server's RSS growth.
  {
    ...echo('deflate-1k', '1 KiB permessage-deflate, context takeover, 10 conns x 8 in flight', 1024, 10, 8, 4),
    deflate: true,
    takeover: true,
  },
  {
    ...echo('deflate-1k-nct', '1 KiB permessage-deflate, no context takeover, 10 conns x 8 in flight', 1024, 10, 8, 4),
    deflate: true,
  },
  {
    ...echo('deflate-1k-200', '1 KiB permessage-deflate, context takeover, 200 conns x 1 in flight', 1024, 200, 1, 4),
    deflate: true,
    takeover: true,
  },
  { ...echo('deflate-16k', '16 KiB permessage-deflate, 16 conns x 1 in flight', 16 * 1024, 16, 1, 1), deflate: true },
  { ...echo('deflate-64k', '64 KiB permessage-deflate, 16 conns x 1 in flight', 64 * 1024, 16, 1, 1), deflate: true },
];

export function findWorkload(id: string): WorkloadSpec | undefined {
  return WORKLOADS.find((workload) => workload.id === id);
}
