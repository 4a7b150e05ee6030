// What the HTTP/2 bench measures (src/lib/http2-bench.ts): the generator's links to the server
// and the workloads. Plain data, so the CLI's parser can read the defaults without the driver.

import type { SecureLink } from './secure-load.js';
import { findWorkload, type WorkloadSpec } from './workloads.js';

/** One way for the load generator to reach the server. */
export interface Http2Link {
  readonly id: string;
  readonly title: string;
  readonly transport: SecureLink['transport'];
  readonly sessions: SecureLink['sessions'];
}

export const HTTP2_BASELINE = 'http1';

export const HTTP2_LINKS: readonly Http2Link[] = [
  { id: HTTP2_BASELINE, title: 'wss:// over HTTP/1.1 (a TLS connection each)', transport: 'http1', sessions: 'each' },
  { id: 'http2', title: 'HTTP/2, every WebSocket on one session', transport: 'http2', sessions: 'shared' },
  { id: 'http2-each', title: 'HTTP/2, a session each', transport: 'http2', sessions: 'each' },
];

/** The echo workloads compared: 64 B pipelined (32 in flight on each of 10) and 16 KiB. */
export const HTTP2_ECHO_WORKLOADS: readonly WorkloadSpec[] = ['64b-10x32', '16k-16x1'].map((id) => {
  const workload = findWorkload(id);
  if (workload === undefined) throw new Error(`no workload ${id}`);
  return workload;
});

export const DEFAULT_HTTP2_CONNECTIONS = 1000;

/** The idle-memory workload with `connections` WebSockets. */
export function idleWorkload(connections: number): WorkloadSpec {
  const idle = findWorkload('idle');
  if (idle === undefined) throw new Error('no idle workload');
  return { ...idle, title: `${connections.toLocaleString('en-US')} idle WebSockets`, connections };
}
