import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HandshakeRejection, isHandshakeRejection, selectProtocol, serializeExtensions } from '@websock/handshake';
import { addErrorSink, messageStreamOptions, type WebSocketHandlers, type WebSocketOptions } from '@websock/node';
import {
  createDeflateExtension,
  negotiatePerMessageDeflate,
  type PerMessageDeflateOptions,
} from '@websock/permessage-deflate';
import { type AttachedEndpoint, attach, detach, type HttpServer } from './attach.js';
import {
  attachStreams,
  createHttp2Listener,
  detachStreams,
  Http2Opening,
  isHttp2Server,
  type StreamEndpoint,
} from './http2.js';
import { Http1Opening, type Offer, type Opening } from './opening.js';
import type { ErrorContext, ServerOptions, UpgradeRequest } from './options.js';
import { createRawListener } from './raw-listener.js';
import { reject } from './reject.js';
import { TopicHub } from './topics/hub.js';
import { ServerWebSocket } from './topics/socket.js';
import { UpgradeResponse } from './upgrade-response.js';

const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
const DEFAULT_CLOSE_TIMEOUT = 5_000;
const DEFAULT_MAX_HEADER_SIZE = 8 * 1024;
const DEFAULT_MAX_HEADERS = 100;
const DEFAULT_MAX_CONNECTIONS = 100_000;
const DEFAULT_MAX_PENDING_HANDSHAKES = 1024;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A WebSocket server: standalone (`port`, `host`, `tls`), attached to an existing
 * http/https server (`server`), or fed upgrades by hand (`handleUpgrade`).
 */
export class WebSocketServer<Data = undefined> {
  /** Open connections (handshake completed, transport not yet closed). */
  readonly clients: ReadonlySet<ServerWebSocket<Data>>;
  private readonly connections = new Set<ServerWebSocket<Data>>();
  private readonly options: ServerOptions<Data>;
  private readonly handlers: WebSocketHandlers<Data>;
  private readonly connectionOptions: WebSocketOptions;
  /** The attached http/https/http2 server (or the standalone `http2: true` one), when there is one. */
  private readonly httpServer: HttpServer | undefined;
  /** HTTP/2 sessions of a standalone `http2: true` server, closed on shutdown. */
  private readonly sessions: ReadonlySet<{ close(): void; destroy(): void }> = new Set();
  /** The standalone listener: TCP or TLS, reading request heads itself (see raw-listener.ts). */
  private readonly listener: NetServer | undefined;
  /** Standalone connections whose request head has not fully arrived yet. */
  private readonly readingHeads: ReadonlySet<Socket> = new Set();
  /** How an attached server claims its upgrades from the http server's shared router. */
  private readonly endpoint: AttachedEndpoint = {
    claims: (req) => this.matchesPath(req),
    handleUpgrade: (req, socket, head) => this.handleUpgrade(req, socket, head),
  };
  /** How it claims extended CONNECT streams from an HTTP/2 server's shared router. */
  private readonly streamEndpoint: StreamEndpoint = {
    claims: (req) => this.matchesPath(req),
    handleStream: (stream, headers, rawHeaders) => this.handleStream(stream, headers, rawHeaders),
  };
  private attached = false;
  private shuttingDown: Promise<void> | undefined;
  private pendingHandshakes = 0;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly handshakeTimeout: number;
  private readonly maxHeaders: number;
  private readonly deflateOptions: PerMessageDeflateOptions | undefined;
  private readonly topics: TopicHub<ServerWebSocket<Data>>;

  constructor(options: ServerOptions<Data>) {
    this.options = options;
    this.clients = this.connections;
    this.handlers = this.createHandlers(options);
    this.handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    this.maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;
    const deflate = options.perMessageDeflate;
    this.deflateOptions = deflate === true ? {} : deflate === false ? undefined : deflate;
    this.topics = new TopicHub({
      deflate: this.deflateOptions,
      dropThreshold: options.publishDropThreshold,
      dropped: options.dropped?.bind(options),
      adapter: options.adapter,
    });
    this.connectionOptions = {
      role: 'server',
      closeTimeout: options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
      ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
      ...messageStreamOptions(options),
      ...(options.idleTimeout === undefined ? {} : { idleTimeout: options.idleTimeout }),
      ...(options.maxBufferedAmount === undefined ? {} : { maxBufferedAmount: options.maxBufferedAmount }),
    };
    if (options.server !== undefined) {
      this.httpServer = options.server;
      this.attachTo(options.server);
    } else if (options.http2 === true) {
      if (options.tls === undefined) throw new TypeError('http2: true needs tls (browsers speak HTTP/2 over TLS only)');
      const { server, sessions } = createHttp2Listener({
        tls: options.tls,
        handshakeTimeout: this.handshakeTimeout,
        maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
      });
      this.listener = server;
      this.sessions = sessions;
      this.httpServer = server;
      this.attachTo(server);
    } else {
      const { server, pending } = createRawListener({
        tls: options.tls,
        maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
        maxHeaders: this.maxHeaders,
        handshakeTimeout: this.handshakeTimeout,
        onRequest: (request, socket, rest) => {
          if (request.headers.upgrade === undefined) {
            // A plain HTTP request to a WebSocket endpoint.
            reject(
              socket,
              new HandshakeRejection(426, 'This is a WebSocket endpoint: send an upgrade request.', {
                headers: { Upgrade: 'websocket' },
              }),
            );
            return;
          }
          this.handleUpgrade(request, socket, rest);
        },
        onRejected: reject,
      });
      this.listener = server;
      this.readingHeads = pending;
    }
    const pingInterval = options.pingInterval ?? 0;
    if (pingInterval > 0) {
      // One timer for all connections, not one per connection.
      this.keepalive = setInterval(() => {
        for (const ws of this.connections) ws.heartbeat();
      }, pingInterval);
      this.keepalive.unref();
    }
  }

  /** Starts listening (standalone servers only). Resolves with the bound address. */
  listen(): Promise<ListenAddress> {
    const server = this.listener;
    if (server === undefined) {
      return Promise.reject(new TypeError('listen() is for standalone servers; the attached server listens itself'));
    }
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve(this.address());
      });
    });
  }

  /** The bound address of a listening standalone or attached server. */
  address(): ListenAddress {
    const address = (this.listener ?? this.httpServer)?.address() as AddressInfo | null | undefined;
    if (address == null || typeof address === 'string') throw new TypeError('the server is not listening');
    return { host: address.address, port: address.port };
  }

  get port(): number {
    return this.address().port;
  }

  /**
   * Handles one upgrade request on a raw socket (for users routing upgrades themselves).
   * Always answers: 101 and a connection, or an HTTP error response.
   */
  handleUpgrade(req: UpgradeRequest, socket: Duplex, head: Buffer): void {
    // Errors are reported by the 'close' that follows; the raw listener has added this sink already.
    addErrorSink(socket);
    // With an `upgrade` hook nothing listens for 'data' until the hook has answered: hold the
    // bytes in the socket. Without one the connection starts before this call returns, so there
    // is nothing to hold, and a pause would only cost a resume on the next tick.
    if (this.options.upgrade !== undefined) socket.pause();
    this.admit(new Http1Opening(req, socket, head));
  }

  /**
   * Handles one RFC 8441 extended CONNECT stream of an HTTP/2 server (for users routing
   * streams themselves; an attached server is fed by its router). Always answers: 200 and
   * a connection, or an HTTP error status and the stream closed.
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders?: readonly string[]): void {
    addErrorSink(stream);
    stream.pause();
    this.admit(new Http2Opening(stream, headers, rawHeaders));
  }

  /** The one admission path, for upgrades and extended CONNECTs alike: limits, validation, the hook. */
  private admit(opening: Opening): void {
    const req = opening.request;
    if (this.shuttingDown !== undefined) {
      opening.refuse(new HandshakeRejection(503, 'Server is shutting down'));
      return;
    }
    if (!this.matchesPath(req)) {
      opening.refuse(new HandshakeRejection(404, 'No WebSocket endpoint at this path'));
      return;
    }
    if (req.rawHeaders.length / 2 > this.maxHeaders) {
      opening.refuse(new HandshakeRejection(431, 'Too many request headers'));
      return;
    }
    if (this.connections.size + this.pendingHandshakes >= (this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      opening.refuse(new HandshakeRejection(503, 'Too many connections', { headers: { 'Retry-After': '5' } }));
      return;
    }
    let offer: Offer;
    try {
      offer = opening.validate();
    } catch (error) {
      this.refuse(opening, error);
      return;
    }
    const hook = this.options.upgrade;
    if (hook === undefined) {
      this.accept(opening, offer, undefined as Data);
      return;
    }
    if (this.pendingHandshakes >= (this.options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES)) {
      opening.refuse(
        new HandshakeRejection(503, 'Too many handshakes in progress', { headers: { 'Retry-After': '1' } }),
      );
      return;
    }
    this.pendingHandshakes++;
    const response = new UpgradeResponse();
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.pendingHandshakes--;
      clearTimeout(timer);
      return !opening.gone;
    };
    const timer = setTimeout(() => {
      if (settle()) opening.refuse(new HandshakeRejection(503, 'The handshake took too long'));
    }, this.handshakeTimeout);
    timer.unref();
    Promise.resolve()
      .then(() => hook(req, response))
      .then(
        (data) => {
          if (!settle()) return;
          if (this.shuttingDown !== undefined) opening.refuse(new HandshakeRejection(503, 'Server is shutting down'));
          else this.accept(opening, offer, data, response.toHeaders());
        },
        (error: unknown) => {
          if (settle()) this.refuse(opening, error);
        },
      );
  }

  /**
   * Graceful shutdown: stops accepting, sends `code` (default 1001 going away) to every
   * connection, waits for their closing handshakes up to the close timeout, then
   * destroys what is left. Resolves when every connection and the listener are released.
   * An attached server keeps answering upgrades on its path with 503 until `detach()`.
   */
  close(code = 1001, reason = ''): Promise<void> {
    this.shuttingDown ??= this.shutdown(code, reason);
    return this.shuttingDown;
  }

  /**
   * Takes an attached server off its http server: upgrades on its path are no longer
   * answered by it (they go to other attached servers, the application's own `upgrade`
   * listeners, or get 404). Does not close connections: call `close()` for that.
   */
  detach(): void {
    if (this.httpServer === undefined || !this.attached) return;
    this.attached = false;
    detach(this.httpServer, this.endpoint);
    if (isHttp2Server(this.httpServer)) detachStreams(this.httpServer, this.streamEndpoint);
  }

  private attachTo(server: HttpServer): void {
    attach(server, this.endpoint);
    if (isHttp2Server(server)) attachStreams(server, this.streamEndpoint);
    this.attached = true;
  }

  private async shutdown(code: number, reason: string): Promise<void> {
    clearInterval(this.keepalive);
    const listener = this.listener;
    const listenerClosed = listener?.listening
      ? new Promise<void>((resolve) => listener.close(() => resolve()))
      : Promise.resolve();
    // Connections still sending their request head have nothing to lose.
    for (const socket of this.readingHeads) socket.destroy();
    const pending = [...this.connections].map(
      (ws) => new Promise<void>((resolve) => ws.socket.once('close', () => resolve())),
    );
    for (const ws of this.connections) ws.close(code, reason);
    const timeout = this.options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeout);
      }),
    ]);
    clearTimeout(timer);
    for (const ws of this.connections) ws.terminate();
    await Promise.all(pending);
    // An HTTP/2 listener closes once its sessions have: their WebSocket streams are gone now,
    // so each closes gracefully (GOAWAY), or is destroyed if its peer holds other streams open.
    for (const session of this.sessions) session.close();
    const lingering = setTimeout(() => {
      for (const session of this.sessions) session.destroy();
    }, timeout);
    await listenerClosed;
    clearTimeout(lingering);
    await this.options.adapter?.close();
  }

  private accept(
    opening: Opening,
    offer: Offer,
    data: Data,
    headers?: Record<string, string | readonly string[]>,
  ): void {
    const req = opening.request;
    const offeredProtocols = offer.protocols;
    let options = this.connectionOptions;
    try {
      const protocol = this.chooseProtocol(offeredProtocols, req);
      let extensions: string | undefined;
      const deflate =
        this.deflateOptions === undefined ? null : negotiatePerMessageDeflate(offer.extensions, this.deflateOptions);
      if (deflate !== null) {
        extensions = serializeExtensions([deflate.response]);
        options = {
          ...options,
          extensions: [createDeflateExtension(deflate.params, 'server', this.deflateOptions)],
          extensionsHeader: extensions,
        };
      }
      if (protocol !== undefined) options = { ...options, protocol };
      opening.respond({ protocol, offeredProtocols, extensions, headers });
    } catch (error) {
      this.refuse(opening, error);
      return;
    }
    const ws = new ServerWebSocket<Data>(opening.transport, this.handlers, options, data, this.topics);
    this.connections.add(ws);
    ws.start(opening.head);
  }

  /**
   * Answers a handshake that failed: a `HandshakeRejection` with its own status; anything
   * else is a fault of ours, answered 500 (no details leave the server) and reported.
   */
  private refuse(opening: Opening, error: unknown): void {
    if (isHandshakeRejection(error)) {
      opening.refuse(error);
      return;
    }
    opening.refuse(new HandshakeRejection(500, 'Internal Server Error', { code: 'WS_ERR_INTERNAL', cause: error }));
    this.reportError(error, { request: opening.request });
  }

  private reportError(error: unknown, context: ErrorContext<Data>): void {
    const report = this.options.error;
    if (report === undefined) {
      console.error('websock: unhandled server error (pass an `error` handler to handle it):', error);
      return;
    }
    try {
      report.call(this.options, error, context);
    } catch (secondary) {
      console.error('websock: the `error` handler threw while reporting', error, secondary);
    }
  }

  /**
   * Sends a message to every subscriber of `topic`: framed once, compressed once per window size
   * for subscribers without context takeover. Strings go as text, bytes as binary unless
   * `isBinary` says otherwise. Returns how many connections it was written or queued to.
   */
  publish(topic: string, data: string | ArrayBufferView | ArrayBuffer, isBinary?: boolean): number {
    return this.topics.publish(topic, data, isBinary);
  }

  /** How many connections are subscribed to `topic`. */
  subscriberCount(topic: string): number {
    return this.topics.registry.subscriberCount(topic);
  }

  private chooseProtocol(offered: readonly string[], req: UpgradeRequest): string | undefined {
    const supported = this.options.protocols;
    if (offered.length === 0) return undefined;
    // The default is the client's first choice: a WHATWG client fails an offer that gets no answer.
    if (supported === undefined) return offered[0];
    if (typeof supported === 'function') return supported(offered, req) ?? undefined;
    return selectProtocol(offered, supported) ?? undefined;
  }

  private matchesPath(req: UpgradeRequest): boolean {
    const path = this.options.path;
    if (path === undefined) return true;
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    return (query === -1 ? url : url.slice(0, query)) === path;
  }

  /** The user's handlers, plus the bookkeeping the server needs on close. */
  private createHandlers(options: ServerOptions<Data>): WebSocketHandlers<Data> {
    const connections = this.connections;
    const handlers: WebSocketHandlers<Data> = {
      close(ws: ServerWebSocket<Data>, code, reason, wasClean) {
        connections.delete(ws);
        options.close?.(ws, code, reason, wasClean);
      },
    };
    if (options.open) handlers.open = options.open.bind(options);
    if (options.message) handlers.message = options.message.bind(options);
    if (options.messageStream) handlers.messageStream = options.messageStream.bind(options);
    if (options.drain) handlers.drain = options.drain.bind(options);
    if (options.ping) handlers.ping = options.ping.bind(options);
    if (options.pong) handlers.pong = options.pong.bind(options);
    const report = options.error;
    if (report !== undefined) {
      handlers.error = (ws, error) => report.call(options, error, { ws: ws as ServerWebSocket<Data> });
    }
    return handlers;
  }
}

/** Creates a WebSocket server. Standalone servers start with `await server.listen()`. */
export function createServer<Data = undefined>(options: ServerOptions<Data>): WebSocketServer<Data> {
  return new WebSocketServer<Data>(options);
}
