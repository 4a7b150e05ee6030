import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import {
  createClientHandshake,
  type HandshakeResult,
  parseResponseHead,
  serializeExtensions,
  validateServerResponse,
} from '@websock/handshake';
import type { WebSocketHandlers } from '@websock/node';
import {
  acceptResponse,
  createDeflateExtension,
  createOffer,
  EXTENSION_NAME,
  type PerMessageDeflate,
  type PerMessageDeflateOptions,
} from '@websock/permessage-deflate';
import { ConnectError } from './errors.js';
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

  return new Promise((resolve, reject) => {
    const { socket, ready } = openTransport(
      { url: target, host: hostname, port, secure },
      options.createConnection,
      options.tls,
    );
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
      const ws = new ClientWebSocket<Data>(
        socket,
        options,
        {
          role: 'client',
          ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
          ...(options.closeTimeout === undefined ? {} : { closeTimeout: options.closeTimeout }),
          ...(result.protocol === undefined ? {} : { protocol: result.protocol }),
          ...(extensions.length === 0 ? {} : { extensions, extensionsHeader }),
        },
        options.data as Data,
        response,
      );
      ws.start(received.subarray(headLength));
      resolve(ws);
    };
    const onEarlyClose = () =>
      fail(new ConnectError('WS_ERR_CONNECTION_CLOSED', 'the server closed the connection during the handshake'));

    if (ready === null) socket.write(handshake.requestHead());
    else socket.once(ready, () => socket.write(handshake.requestHead()));
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
