import type { Server as HttpServer } from 'node:http';
import type { Http2SecureServer, Http2Server, ServerHttp2Stream } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { WebSocket, WebSocketHandlers } from '@websock/node';
import type { PerMessageDeflateOptions } from '@websock/permessage-deflate';
import type { TopicAdapter } from './topics/adapter.js';
import type { ServerWebSocket } from './topics/socket.js';
import type { UpgradeResponse } from './upgrade-response.js';

/**
 * What the `upgrade` hook sees of the request: node:http's `IncomingMessage` fits (an
 * attached server passes it), and a standalone server, which reads request heads itself,
 * passes an object of this shape.
 */
export interface UpgradeRequest {
  readonly method?: string | undefined;
  /** The request target, e.g. `/chat?room=1`. */
  readonly url?: string | undefined;
  readonly httpVersion: string;
  /** Lower-cased names; repeated fields joined with ', ' as node:http does (`set-cookie` an array). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** `[name, value, ...]` as received. */
  readonly rawHeaders: readonly string[];
  /** The connection's socket (over HTTP/2, the session's socket, shared by its streams). */
  readonly socket: Socket;
  /** Over HTTP/2 (`httpVersion` '2.0'): the extended CONNECT stream; `headers` then holds the pseudo-headers too. */
  readonly stream?: ServerHttp2Stream | undefined;
}

/** Chooses a subprotocol among the client's offers (in the client's order); undefined for none. */
export type ProtocolSelector = (offered: readonly string[], request: UpgradeRequest) => string | undefined;

/** A handler of @websock/node, taking the server's connection (with topics) instead. */
type ServerHandler<H, Data> = H extends (ws: WebSocket<Data>, ...rest: infer Rest) => infer Result
  ? (ws: ServerWebSocket<Data>, ...rest: Rest) => Result
  : H;

/** The connection handlers (`open`, `message`, `close`...), given the server's connections. */
export type ServerHandlers<Data> = {
  [K in keyof WebSocketHandlers<Data>]: ServerHandler<WebSocketHandlers<Data>[K], Data>;
};

/**
 * Where an error reported to the server's `error` handler belongs: the request of a
 * handshake that failed (the client was answered 500), or an open connection.
 */
export type ErrorContext<Data> =
  | { readonly request: UpgradeRequest; readonly ws?: undefined }
  | { readonly ws: ServerWebSocket<Data>; readonly request?: undefined };

export interface ServerOptions<Data> extends Omit<ServerHandlers<Data>, 'error'> {
  /** Port for a standalone server (0 picks a free one). Default 0. */
  readonly port?: number;
  /** Host for a standalone server. Default '127.0.0.1'. */
  readonly host?: string;
  /** TLS options: when given, a standalone server speaks wss://. */
  readonly tls?: SecureContextOptions & TlsOptions;
  /**
   * Standalone with `tls`: serve WebSockets over HTTP/2 too (RFC 8441 extended CONNECT) on the
   * same port as HTTP/1.1 upgrades (ALPN h2 and http/1.1). Default false.
   */
  readonly http2?: boolean;
  /**
   * Attach to an existing server instead of creating one: http or https (upgrades), or
   * node:http2 (extended CONNECT streams; with `allowHTTP1`, upgrades too). Attaching to an
   * HTTP/2 server turns on its `enableConnectProtocol` setting for the sessions that follow.
   */
  readonly server?: HttpServer | HttpsServer | Http2SecureServer | Http2Server;
  /** Accept upgrades only on this path (the query string is ignored). */
  readonly path?: string;
  /**
   * Largest message accepted, all fragments together and after decompression.
   * Default 64 MiB: large enough for any realistic message (and Autobahn's 16 MiB
   * cases), small enough that one connection cannot take the process's memory.
   */
  readonly maxMessageSize?: number;
  /**
   * With a `messageStream` handler: a message that reaches this many bytes (after decompression)
   * goes to `messageStream` as a stream of its bytes instead of to `message` as one buffer.
   * Default 1 MiB.
   */
  readonly messageStreamThreshold?: number;
  /**
   * Bytes a message stream queues for a slow reader before the connection stops reading from its
   * socket (TCP then holds the peer back). Default 64 KiB.
   */
  readonly messageStreamHighWaterMark?: number;
  /** How long to wait for the peer's half of the closing handshake, in ms. Default 5000. */
  readonly closeTimeout?: number;
  /**
   * How long the opening handshake may take, in ms: the TLS handshake and receiving the
   * request head (a client that trickles its headers is answered 408 and dropped;
   * standalone servers) and, separately, the `upgrade` hook (503 when it takes longer).
   * Default 10000.
   */
  readonly handshakeTimeout?: number;
  /**
   * Largest request head (request line and headers) in bytes; larger ones are answered
   * 431. Default 8 KiB (browsers send well under 2 KiB). Standalone servers only: an
   * attached server keeps its own node:http setting.
   */
  readonly maxHeaderSize?: number;
  /** Most request headers accepted; more are answered 431. Default 100. */
  readonly maxHeaders?: number;
  /** Most open connections; handshakes beyond are answered 503. Default 100,000. */
  readonly maxConnections?: number;
  /** Most handshakes waiting on the `upgrade` hook at once; more are answered 503. Default 1024. */
  readonly maxPendingHandshakes?: number;
  /** Close (1001) a connection with no traffic either way for this long, in ms. Default 0: never. */
  readonly idleTimeout?: number;
  /**
   * Send a ping to every connection this often, in ms; a connection that has sent
   * nothing (not even the pong) by the next round is terminated and reported as 1006.
   * Default 0: no keepalive.
   */
  readonly pingInterval?: number;
  /** Close (1008) a connection whose unsent data passes this many bytes. Default 64 MiB. */
  readonly maxBufferedAmount?: number;
  /**
   * permessage-deflate (RFC 7692): `true` for the defaults, or its options (window bits,
   * context takeover, level, threshold...). Off by default: compression trades CPU and
   * memory for bandwidth, a choice for the application to make.
   */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * Slow subscribers: a published message is skipped (not queued) for a subscriber whose
   * `bufferedAmount` is over this many bytes, and the `dropped` handler is told. Set it below
   * `maxBufferedAmount` to keep slow subscribers connected at the cost of messages; without it
   * (the default) published messages queue like `send()`s, up to `maxBufferedAmount` (1008).
   */
  readonly publishDropThreshold?: number;
  /**
   * Topics across processes and machines: a broker adapter such as `createRedisAdapter()` from
   * `@websock/redis`. `publish` stays the one call; the adapter carries it to the other nodes.
   */
  readonly adapter?: TopicAdapter;
  /** A published message was skipped for `ws` because of `publishDropThreshold`. */
  dropped?(ws: ServerWebSocket<Data>, topic: string, data: Buffer, isBinary: boolean): void;
  /**
   * Subprotocols this server speaks, in preference order, or a selector. Default: the
   * first one the client offers, as `ws` does. Browsers (and every WHATWG client) fail a
   * connection whose offer got no protocol back (1006 before `open`); with a list or a
   * selector that matches none of the offer, that is what such a client sees.
   */
  readonly protocols?: readonly string[] | ProtocolSelector;
  /**
   * Authentication and routing hook, run before the 101 response. Return the
   * connection's `data`; throw a `HandshakeRejection` (e.g. 401, 403) to refuse.
   * Any other error is answered with 500. `response` adds headers to the 101 answer
   * (`response.setHeader('Set-Cookie', ...)`), checked as they are set.
   */
  upgrade?(request: UpgradeRequest, response: UpgradeResponse): Data | Promise<Data>;
  /**
   * The one place where the server's errors surface, so none vanishes: a handshake that
   * failed unexpectedly (the `upgrade` hook threw something other than a
   * `HandshakeRejection`, the protocol selector chose a protocol the client did not offer;
   * the client only sees 500), a handler that threw (the connection is closed with 1011),
   * and a peer's protocol violation (a `ProtocolError`; the connection is failed with its
   * close code). Without it, everything but protocol violations goes to `console.error`.
   */
  error?(error: unknown, context: ErrorContext<Data>): void;
}
