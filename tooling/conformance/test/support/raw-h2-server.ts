import {
  createSecureServer,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { InFrame } from '../../src/frame-reader.js';
import { frameConnection, type RawConnection } from './raw-server.js';

/**
 * The HTTP/2 counterpart of raw-server.ts, for testing the oracle over RFC 8441 streams:
 * a node:http2 server that answers an extended CONNECT with 200 (or what the test says)
 * and hands the stream's frames to the test, which decides how the server misbehaves
 * (reset the stream instead of ending it, reset after END_STREAM, never end it...).
 */
export interface RawH2Server {
  port: number;
  /** Request headers of every CONNECT received, in order. */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export interface RawH2Options {
  cert: string;
  key: string;
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (default true). */
  enableConnectProtocol?: boolean;
  /** Answer with this status instead of 200 (then end the stream). */
  status?: number;
  /** Optional `sec-websocket-extensions` answer, given the client's offer. */
  extensions?: (offer: string | undefined) => string | undefined;
}

export async function startRawH2Server(
  options: RawH2Options,
  onFrame: (conn: RawConnection & { stream: ServerHttp2Stream }, frame: InFrame) => void,
): Promise<RawH2Server> {
  const sessions = new Set<ServerHttp2Session>();
  const requests: IncomingHttpHeaders[] = [];
  const server: Http2SecureServer = createSecureServer({
    cert: options.cert,
    key: options.key,
    settings: { enableConnectProtocol: options.enableConnectProtocol ?? true },
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    requests.push(headers);
    stream.on('error', () => {});
    if (options.status !== undefined) {
      stream.respond({ ':status': options.status });
      stream.end('refused');
      return;
    }
    const answer = options.extensions?.(headers['sec-websocket-extensions'] as string | undefined);
    stream.respond({ ':status': 200, ...(answer ? { 'sec-websocket-extensions': answer } : {}) });
    // Once the peer ends its side after the server's END_STREAM, the stream closes.
    stream.on('end', () => stream.end());
    const receive = frameConnection(stream, (conn, frame) => onFrame({ ...conn, stream }, frame));
    stream.on('data', (chunk: Buffer) => receive(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
