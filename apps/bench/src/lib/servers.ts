// The servers under test. Each is its own entry under src/servers/, run as `node dist/servers/<script>.js --port N`.

import { resolve } from 'node:path';

export interface ServerDef {
  name: string;
  /** Built entry, relative to dist/ (or absolute). */
  script: string;
  /** Environment added (a value of null removes the variable). */
  env: Record<string, string | null>;
  /** `tcp`: raw bytes, no WebSocket framing or handshake. */
  protocol: 'ws' | 'tcp';
  deflate: boolean;
  description: string;
}

/**
 * `websock-ref`: websock from another checkout, for an A/B comparison in one run. Set
 * WEBSOCK_BENCH_REF to that checkout's built `apps/bench/dist` directory; the row exists only then.
 */
const REF_DIST = process.env.WEBSOCK_BENCH_REF;

export const SERVERS: readonly ServerDef[] = [
  {
    name: 'websock',
    script: 'servers/websock.js',
    env: {},
    protocol: 'ws',
    deflate: true,
    description: '@websock/server, echo in the message handler',
  },
  {
    name: 'ws',
    script: 'servers/ws.js',
    env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' },
    protocol: 'ws',
    deflate: true,
    description: 'ws, pure JavaScript (the baseline of every ratio)',
  },
  {
    name: 'ws-addons',
    script: 'servers/ws.js',
    env: { WS_NO_BUFFER_UTIL: null, WS_NO_UTF_8_VALIDATE: null },
    protocol: 'ws',
    deflate: true,
    description: 'ws with its optional native addons bufferutil and utf-8-validate',
  },
  {
    name: 'minimal-ws',
    script: 'servers/minimal-ws.js',
    env: {},
    protocol: 'ws',
    deflate: false,
    description: 'node:net WebSocket echo with no validation (the yardstick)',
  },
  {
    name: 'raw-tcp',
    script: 'servers/raw-tcp.js',
    env: {},
    protocol: 'tcp',
    deflate: false,
    description: 'node:net TCP echo (the ceiling for any Node server)',
  },
  ...(REF_DIST === undefined || REF_DIST === ''
    ? []
    : [
        {
          name: 'websock-ref',
          script: resolve(REF_DIST, 'servers/websock.js'),
          env: {},
          protocol: 'ws' as const,
          deflate: true,
          description: `@websock/server from the reference checkout in WEBSOCK_BENCH_REF (A/B against this one)`,
        },
      ]),
];

export const BASELINE = 'ws';
export const YARDSTICK = 'minimal-ws';

export function findServer(name: string): ServerDef | undefined {
  return SERVERS.find((server) => server.name === name);
}
