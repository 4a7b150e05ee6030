import { generateSelfSignedCert, startEchoServer } from '@websock/echo-server';
import { type RunningEchoServer, startStandInEchoServer } from './standin-ws.js';

/**
 * The one place that decides which server the conformance and interop suites run
 * against: the websock echo server. CONFORMANCE_TARGET=standin runs them against a
 * `ws`-based stand-in instead (to check the grader itself against a server whose
 * official results are known), and every suite title then says so.
 */

export interface TargetInfo {
  standIn: boolean;
  /** Short label for titles: "websock echo-server" or "stand-in: ws". */
  label: string;
}

export interface RunningTarget {
  info: TargetInfo;
  tls: boolean;
  /** WebSockets over HTTP/2 streams (RFC 8441); the server serves HTTP/1.1 upgrades too. */
  http2: boolean;
  host: string;
  port: number;
  path: string;
  url: string;
  /** PEM certificate of the TLS server, for clients that verify it. */
  ca?: string;
  close(): Promise<void>;
}

/** Room for category 9 and the 16 MiB interop messages. */
export const TARGET_MAX_PAYLOAD = 64 * 1024 * 1024;

const standIn = process.env.CONFORMANCE_TARGET === 'standin';
const info: TargetInfo = standIn
  ? { standIn: true, label: 'stand-in: ws' }
  : { standIn: false, label: 'websock echo-server' };

export async function targetInfo(): Promise<TargetInfo> {
  return info;
}

/** "title (stand-in: ws)" or "title (websock echo-server)". */
export function titled(title: string, target: TargetInfo): string {
  return `${title} (${target.label})`;
}

let cert: Promise<{ cert: string; key: string }> | undefined;

/** One certificate per test process: generating one costs tens of milliseconds. */
export function tlsCert(): Promise<{ cert: string; key: string }> {
  const pending = cert ?? generateSelfSignedCert();
  cert = pending;
  return pending;
}

export interface StartTargetOptions {
  tls: boolean;
  /** Serve WebSockets over HTTP/2 too (needs `tls`; the websock echo server only: `ws` has no HTTP/2). */
  http2?: boolean;
  maxPayload?: number;
  /** Accept permessage-deflate (categories 12/13); off by default, as in the plain suites. */
  deflate?: boolean;
}

export async function startTarget(options: StartTargetOptions): Promise<RunningTarget> {
  const tls = options.tls ? await tlsCert() : undefined;
  const maxPayload = options.maxPayload ?? TARGET_MAX_PAYLOAD;
  const deflate = options.deflate === true;
  const http2 = options.http2 === true;
  if (standIn && http2) throw new Error('the ws stand-in has no HTTP/2: run the HTTP/2 suites against the echo server');
  const server: RunningEchoServer = standIn
    ? await startStandInEchoServer({ maxPayload, deflate, ...(tls ? { tls } : {}) })
    : await startEchoServer({ host: '127.0.0.1', port: 0, maxPayload, deflate, http2, ...(tls ? { tls } : {}) });
  const url = new URL(server.url);
  return {
    info,
    tls: options.tls,
    http2,
    host: server.host,
    port: server.port,
    path: `${url.pathname}${url.search}` || '/',
    url: server.url,
    ...(tls ? { ca: tls.cert } : {}),
    close: () => server.close(),
  };
}
