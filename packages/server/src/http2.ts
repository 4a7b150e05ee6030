import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  constants as h2,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import {
  buildExtendedConnectResponse,
  computeAcceptKey,
  HandshakeRejection,
  isValidKey,
  reasonPhrase,
  validateExtendedConnect,
} from '@websock/handshake';
import type { Transport } from '@websock/node';
import type { Acceptance, Offer, Opening } from './opening.js';
import type { UpgradeRequest } from './options.js';
import { SharedRouters } from './shared-router.js';

/** An HTTP/2 server a WebSocket server can attach to (over TLS, or cleartext h2c). */
export type AnyHttp2Server = Http2SecureServer | Http2Server;

/** Whether `server` is a node:http2 server (http and https servers have no `updateSettings`). */
export function isHttp2Server(server: object): server is AnyHttp2Server {
  return typeof (server as Partial<Http2SecureServer>).updateSettings === 'function';
}

/** Whether a stream's request is an RFC 8441 extended CONNECT for a WebSocket. */
export function isWebSocketConnect(headers: IncomingHttpHeaders): boolean {
  const protocol = headers[':protocol'];
  return headers[':method'] === 'CONNECT' && typeof protocol === 'string' && protocol.toLowerCase() === 'websocket';
}

/** What the `upgrade` hook sees of an extended CONNECT: the shape of an HTTP/1.1 upgrade request. */
export function http2Request(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  rawHeaders: readonly string[] | undefined,
): UpgradeRequest {
  return {
    method: 'CONNECT',
    url: typeof headers[':path'] === 'string' ? headers[':path'] : '/',
    httpVersion: '2.0',
    headers,
    rawHeaders: rawHeaders ?? flattenHeaders(headers),
    socket: stream.session?.socket as Socket,
    stream,
  };
}

/** An RFC 8441 extended CONNECT on an HTTP/2 stream: answered 200, or an error status. */
export class Http2Opening implements Opening {
  readonly head = undefined;
  readonly request: UpgradeRequest;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    rawHeaders: readonly string[] | undefined,
  ) {
    this.request = http2Request(stream, headers, rawHeaders);
  }

  get transport(): Transport {
    return this.stream;
  }

  /** Reset by the client (RST_STREAM), or its session went away. */
  get gone(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }

  validate(): Offer {
    return validateExtendedConnect(this.headers);
  }

  respond(acceptance: Acceptance): void {
    const headers = buildExtendedConnectResponse(acceptance);
    // RFC 8441 §5 drops the key/accept exchange, but undici (7.x) still sends a key over
    // HTTP/2 and fails the connection without the matching accept: answer a valid key.
    const key = this.headers['sec-websocket-key'];
    if (typeof key === 'string' && isValidKey(key)) headers['sec-websocket-accept'] = computeAcceptKey(key);
    this.stream.respond(headers);
  }

  refuse(rejection: HandshakeRejection): void {
    rejectStream(this.stream, rejection);
  }
}

// Connection-specific fields may not appear in HTTP/2 (RFC 9113 §8.2.2): node:http2 refuses them.
const H2_FORBIDDEN = new Set(['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding']);

/**
 * Answers a refused extended CONNECT with its status, headers and a short text body, then
 * closes the stream (RST_STREAM NO_ERROR once the response is out: RFC 9113 §8.1 lets a
 * server stop a request it answered early). The session and its other streams live on.
 */
export function rejectStream(stream: ServerHttp2Stream, rejection: HandshakeRejection): void {
  if (stream.destroyed || stream.closed) return;
  stream.on('error', noop);
  if (stream.headersSent) {
    stream.close(h2.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const headers: Record<string, string | number> = {
    ':status': rejection.status,
    'content-type': 'text/plain; charset=utf-8',
  };
  for (const [name, value] of Object.entries(rejection.headers)) {
    const lower = name.toLowerCase();
    if (!H2_FORBIDDEN.has(lower)) headers[lower] = value;
  }
  stream.respond(headers);
  stream.end(rejection.message || reasonPhrase(rejection.status));
  stream.close(h2.NGHTTP2_NO_ERROR);
  stream.resume(); // what the client sent is discarded, not left to pin the stream
}

/** What the stream router needs of an attached WebSocket server. */
export interface StreamEndpoint {
  claims(request: UpgradeRequest): boolean;
  handleStream(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    rawHeaders: readonly string[] | undefined,
  ): void;
}

/**
 * One `stream` listener per HTTP/2 server, shared by every WebSocket server attached to it,
 * as the upgrade router is for HTTP/1.1. It takes extended CONNECT streams for WebSockets
 * and leaves every other stream to the application.
 *
 * node:http2's compatibility layer (installed by a `request` listener) answers any CONNECT
 * with 405 unless a `connect` listener exists; the router adds one that leaves WebSocket
 * CONNECTs to the `stream` listener and answers other CONNECTs as that layer would.
 */
class StreamRouter {
  readonly endpoints: StreamEndpoint[] = [];

  constructor(private readonly server: AnyHttp2Server) {}

  readonly onStream = (
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    _flags: number,
    rawHeaders?: string[],
  ): void => {
    if (!isWebSocketConnect(headers)) return;
    const request = http2Request(stream, headers, rawHeaders);
    for (const endpoint of this.endpoints) {
      if (endpoint.claims(request)) {
        endpoint.handleStream(stream, headers, rawHeaders);
        return;
      }
    }
    // The application may serve this path itself, with its own `stream` or `connect` listener.
    const compat = this.server.listenerCount('request') > 0;
    const own = compat ? this.server.listenerCount('connect') - 1 : this.server.listenerCount('stream') - 1;
    if (own > 0) return;
    rejectStream(stream, new HandshakeRejection(404, 'No WebSocket endpoint at this path'));
  };

  readonly onConnect = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    if (isWebSocketConnect(req.headers)) return;
    if (this.server.listenerCount('connect') > 1) return;
    res.statusCode = h2.HTTP_STATUS_METHOD_NOT_ALLOWED;
    res.end();
  };
}

/**
 * The first endpoint turns on SETTINGS_ENABLE_CONNECT_PROTOCOL for the server's new sessions
 * (`updateSettings`), the last one detached turns it off: an HTTP/2 server with no WebSocket
 * server attached does not advertise it.
 */
const routers = new SharedRouters<AnyHttp2Server, StreamEndpoint, StreamRouter>(
  (server) => new StreamRouter(server),
  (server, router) => {
    server.on('stream', router.onStream);
    server.on('connect', router.onConnect);
    server.updateSettings({ enableConnectProtocol: true });
  },
  (server, router) => {
    server.off('stream', router.onStream);
    server.off('connect', router.onConnect);
    server.updateSettings({ enableConnectProtocol: false });
  },
);

/** Routes `server`'s WebSocket CONNECT streams to `endpoint` (after those attached before it). */
export function attachStreams(server: AnyHttp2Server, endpoint: StreamEndpoint): void {
  routers.attach(server, endpoint);
}

/** Stops routing to `endpoint`; the last one removes the listeners and the setting (for new sessions). */
export function detachStreams(server: AnyHttp2Server, endpoint: StreamEndpoint): void {
  routers.detach(server, endpoint);
}

/** The receive window of a session of the standalone listener, across all its streams. */
const SESSION_WINDOW = 4 * 1024 * 1024;

export interface Http2ListenerOptions {
  readonly tls: SecureContextOptions & TlsOptions;
  readonly handshakeTimeout: number;
  readonly maxHeaderSize: number;
}

/**
 * The standalone listener for `http2: true`: one TLS port that speaks HTTP/2 (ALPN h2:
 * WebSockets by extended CONNECT) and HTTP/1.1 (ALPN http/1.1 or none: upgrades), with
 * SETTINGS_ENABLE_CONNECT_PROTOCOL advertised from the first SETTINGS frame. Requests that
 * are not WebSocket openings are answered here: 426 over HTTP/1.1, 405 over HTTP/2.
 * The caller attaches its routers for `upgrade` and `stream`.
 */
export function createHttp2Listener(options: Http2ListenerOptions): {
  server: Http2SecureServer;
  sessions: Set<{ close(): void; destroy(): void }>;
} {
  const server = createSecureServer({
    ...options.tls,
    allowHTTP1: true,
    noDelay: true,
    handshakeTimeout: options.handshakeTimeout,
    settings: { enableConnectProtocol: true, maxHeaderListSize: options.maxHeaderSize },
  });
  const sessions = new Set<{ close(): void; destroy(): void }>();
  server.on('session', (session) => {
    // node:http2 grants a session 64 KiB in all, shared by its streams: a few WebSockets with
    // large messages in flight on one session would wait on WINDOW_UPDATEs. Each stream keeps
    // its own 64 KiB window, which still bounds what a paused WebSocket can be sent.
    session.setLocalWindowSize(SESSION_WINDOW);
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', noop);
  });
  server.on('request', (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    if (req.httpVersionMajor >= 2) {
      res.writeHead(405, { allow: 'CONNECT', 'content-type': 'text/plain; charset=utf-8' });
      res.end('This is a WebSocket endpoint: open it with an extended CONNECT (RFC 8441).');
      return;
    }
    res.writeHead(426, 'Upgrade Required', {
      upgrade: 'websocket',
      connection: 'Upgrade, close',
      'content-type': 'text/plain; charset=utf-8',
    });
    res.end('This is a WebSocket endpoint: send an upgrade request.');
  });
  return { server, sessions };
}

function flattenHeaders(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) raw.push(name, item);
  }
  return raw;
}

function noop(): void {}
