import type { ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import {
  type ClientHandshake,
  createClientHandshake,
  type HandshakeResult,
  parseResponseHead,
  serializeExtensions,
  validateServerResponse,
} from '@websock/handshake';
import { messageStreamOptions, type Transport, type WebSocketHandlers } from '@websock/node';
import {
  acceptResponse,
  createDeflateExtension,
  createOffer,
  EXTENSION_NAME,
  type PerMessageDeflate,
  type PerMessageDeflateOptions,
} from '@websock/permessage-deflate';
import { ConnectError } from './errors.js';
import { connectOverHttp2 } from './http2.js';
import { ClientWebSocket, type CreateConnection, type HandshakeResponseInfo, openTransport } from './transport.js';

const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
const MAX_RESPONSE_HEAD = 16 * 1024;

export interface ClientOptions<Data> extends WebSocketHandlers<Data> {
  /** Subprotocols to offer, in order of preference. */
  readonly protocols?: readonly string[];
  /** Extra request headers (e.g. `Authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly origin?: string;
  /** Largest message accepted. Default 64 MiB. */
  readonly maxMessageSize?: number;
  /**
   * With a `messageStream` handler: a message that reaches this many bytes (after decompression)
   * goes to it as a stream of its bytes instead of to `message` as one buffer. Default 1 MiB.
   */
  readonly messageStreamThreshold?: number;
  /** Bytes a message stream queues for a slow reader before reading from the socket stops. Default 64 KiB. */
  readonly messageStreamHighWaterMark?: number;
  /** Time allowed from TCP connect to the 101 response, in ms. Default 10000. */
  readonly handshakeTimeout?: number;
  /** How long to wait for the server's half of the closing handshake, in ms. Default 5000. */
  readonly closeTimeout?: number;
  /** TLS options for wss:// (ca, servername, rejectUnauthorized, cert, key...). */
  readonly tls?: TlsConnectionOptions;
  /** Offer permessage-deflate (RFC 7692): `true` for the defaults, or its options. Off by default. */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Application data for the connection (`ws.data`). */
  readonly data?: Data;
  /**
   * Aborts the opening handshake: the socket is destroyed (a TCP connect still in
   * flight is cancelled) and the promise rejects with the signal's reason. Ignored
   * once the connection is open.
   */
  readonly signal?: AbortSignal;
  /**
   * Opens the socket instead of a TCP/TLS connection to the URL's host: a unix socket, a proxy
   * tunnel... (see `CreateConnection`). For wss: it must return a TLS socket. `tls` is then unused.
   */
  readonly createConnection?: CreateConnection;
  /**
   * Open the WebSocket on an HTTP/2 connection (RFC 8441 extended CONNECT; wss:// only).
   * Connections to one origin share one HTTP/2 session (made with the same `tls` object);
   * it closes when its last WebSocket has. A server that does not speak HTTP/2, or does
   * not advertise extended CONNECT, gets an HTTP/1.1 upgrade instead. Default false.
   */
  readonly http2?: boolean;
  /**
   * An HTTP/2 session of the application's own to open the WebSocket on (implies `http2`);
   * it is left open. Without extended CONNECT on it, the WebSocket falls back to HTTP/1.1.
   */
  readonly session?: ClientHttp2Session;
}

/** What `connect` worked out from the URL and the options, for either HTTP version. */
export interface ConnectionPlan {
  readonly target: URL;
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: number;
  readonly deflateOptions: PerMessageDeflateOptions | undefined;
  readonly deflateOffer: ReturnType<typeof createOffer> | undefined;
  /** The validated request headers (HTTP/1.1 form; the HTTP/2 request is derived from them). */
  readonly handshake: ClientHandshake;
}

/**
 * Opens a WebSocket connection to a `ws://` or `wss://` URL. Resolves once the
 * opening handshake completed (after the `open` handler ran); rejects with a
 * `HandshakeError` (the server's answer is not a valid 101), a `ConnectError`
 * (timeout, closed during the handshake), the socket's error (e.g. ECONNREFUSED) or
 * the reason of an aborted `signal`.
 */
export function connect<Data = undefined>(
  url: string | URL,
  options: ClientOptions<Data> = {},
): Promise<ClientWebSocket<Data>> {
  let target: URL;
  try {
    target = parseWebSocketUrl(url);
  } catch (error) {
    return Promise.reject(error);
  }
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const secure = target.protocol === 'wss:';
  const port = target.port === '' ? (secure ? 443 : 80) : Number(target.port);
  const hostname = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  const deflateOptions =
    options.perMessageDeflate === true
      ? {}
      : options.perMessageDeflate === false
        ? undefined
        : options.perMessageDeflate;
  const deflateOffer = deflateOptions === undefined ? undefined : createOffer(deflateOptions);
  const handshake = createClientHandshake({
    host: target.host,
    path: `${target.pathname}${target.search}`,
    ...(deflateOffer === undefined ? {} : { extensions: [deflateOffer] }),
    ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  const plan: ConnectionPlan = { target, secure, hostname, port, deflateOptions, deflateOffer, handshake };
  if (options.http2 === true || options.session !== undefined) return connectOverHttp2(plan, options);
  return connectOverHttp1(plan, options);
}

/**
 * The RFC 6455 opening handshake over HTTP/1.1: on a new TCP/TLS connection, or on `socket`
 * when given (a TLS connection whose ALPN chose HTTP/1.1, already connected).
 */
export function connectOverHttp1<Data>(
  plan: ConnectionPlan,
  options: ClientOptions<Data>,
  given?: Socket,
): Promise<ClientWebSocket<Data>> {
  const { secure, hostname, port, deflateOptions, deflateOffer, handshake } = plan;
  const signal = options.signal;

  return new Promise((resolve, reject) => {
    const opened =
      given === undefined
        ? openTransport({ url: plan.target, host: hostname, port, secure }, options.createConnection, options.tls)
        : { socket: given, ready: null };
    const socket = opened.socket;
    let settled = false;
    let received: Buffer = Buffer.alloc(0);

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal?.reason);
    const timer = setTimeout(
      () => fail(new ConnectError('WS_ERR_HANDSHAKE_TIMEOUT', 'the opening handshake timed out')),
      options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
    );
    timer.unref();

    const onData = (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      let result: HandshakeResult;
      let headLength: number;
      let extensions: PerMessageDeflate[] = [];
      let extensionsHeader = '';
      let response: HandshakeResponseInfo;
      try {
        const head = parseResponseHead(received, { maxHeadSize: MAX_RESPONSE_HEAD });
        if (head === null) return;
        headLength = head.headLength;
        response = {
          status: head.status,
          statusText: head.statusText,
          headers: head.headers,
          rawHeaders: head.rawHeaders,
        };
        result = validateServerResponse({ status: head.status, headers: head.headers }, handshake);
        const accepted = result.extensions.find((extension) => extension.name === EXTENSION_NAME);
        if (accepted !== undefined && deflateOffer !== undefined) {
          // An answer with parameters we did not offer fails the connection (RFC 7692 §5).
          extensions = [createDeflateExtension(acceptResponse(accepted, deflateOffer), 'client', deflateOptions)];
          extensionsHeader = serializeExtensions(result.extensions);
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onEarlyClose);
      socket.pause();
      const ws = createClientWebSocket(socket, options, result.protocol, extensions, extensionsHeader, response);
      ws.start(received.subarray(headLength));
      resolve(ws);
    };
    const onEarlyClose = () =>
      fail(new ConnectError('WS_ERR_CONNECTION_CLOSED', 'the server closed the connection during the handshake'));

    if (opened.ready === null) socket.write(handshake.requestHead());
    else socket.once(opened.ready, () => socket.write(handshake.requestHead()));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onEarlyClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Accepts ws:, wss: (and http:, https: as their aliases, as browsers do); no fragments. */
export function parseWebSocketUrl(url: string | URL): URL {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new SyntaxError(`a WebSocket URL must use ws: or wss:, not ${parsed.protocol}`);
  }
  if (parsed.hash !== '') throw new SyntaxError('a WebSocket URL cannot have a fragment');
  return parsed;
}

/** The client end of an opened WebSocket, on either transport. */
export function createClientWebSocket<Data>(
  transport: Transport,
  options: ClientOptions<Data>,
  protocol: string | undefined,
  extensions: PerMessageDeflate[],
  extensionsHeader: string,
  response: HandshakeResponseInfo,
): ClientWebSocket<Data> {
  return new ClientWebSocket<Data>(
    transport,
    options,
    {
      role: 'client',
      ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
      ...messageStreamOptions(options),
      ...(options.closeTimeout === undefined ? {} : { closeTimeout: options.closeTimeout }),
      ...(protocol === undefined ? {} : { protocol }),
      ...(extensions.length === 0 ? {} : { extensions, extensionsHeader }),
    },
    options.data as Data,
    response,
  );
}

/** The TLS server name for a host: none for an IP address (SNI carries names only). */
export function serverName(host: string): string {
  return /^[\d.]+$/.test(host) || host.includes(':') ? '' : host;
}
