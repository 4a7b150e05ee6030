import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { type Transport, WebSocket, type WebSocketHandlers, type WebSocketOptions } from '@websock/node';

/** Where `connect()` is going, as given to a custom `createConnection`. */
export interface ConnectionTarget {
  /** The WebSocket URL (ws: or wss:). */
  readonly url: URL;
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  /** Whether the URL is wss: (the returned socket must then speak TLS). */
  readonly secure: boolean;
}

/**
 * Opens the byte stream a connection runs on. The default is a TCP connection (ws:) or a TLS one
 * (wss:) to the URL's host and port. A custom one may return a unix socket (`net.connect(path)`),
 * a tunnel through a proxy, or a TLS socket over either (`tls.connect({ socket })`); it may be
 * connected already or still connecting (Node queues what is written until it is).
 */
export type CreateConnection = (target: ConnectionTarget) => Socket;

/** The socket for `target`, and whether the request head must wait for an event before it is written. */
export function openTransport(
  target: ConnectionTarget,
  createConnection: CreateConnection | undefined,
  tls: TlsConnectionOptions | undefined,
): { socket: Socket; ready: 'connect' | 'secureConnect' | null } {
  if (createConnection !== undefined) return { socket: createConnection(target), ready: null };
  const { host, port, secure } = target;
  if (!secure) return { socket: connectTcp({ host, port }), ready: 'connect' };
  return { socket: connectTls({ servername: isIp(host) ? '' : host, ...tls, host, port }), ready: 'secureConnect' };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** The server's answer that opened the connection (101 over HTTP/1.1, 200 over HTTP/2), as received. */
export interface HandshakeResponseInfo {
  readonly status: number;
  readonly statusText: string;
  /** Lower-cased names; a header given on several lines is an array (`set-cookie`) or joined with ', '. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** `[name, value, ...]` as received, name case kept. */
  readonly rawHeaders: readonly string[];
}

/**
 * A client connection: the `WebSocket` of @websock/node plus what the opening handshake
 * returned (`handshakeResponse`: status and headers of the 101, e.g. a `Set-Cookie`).
 */
export class ClientWebSocket<Data = undefined> extends WebSocket<Data> {
  readonly handshakeResponse: HandshakeResponseInfo;

  /** @internal Created by `connect()`. */
  constructor(
    socket: Transport,
    handlers: WebSocketHandlers<Data>,
    options: WebSocketOptions,
    data: Data,
    response: HandshakeResponseInfo,
  ) {
    super(socket, handlers, options, data);
    this.handshakeResponse = response;
  }
}
