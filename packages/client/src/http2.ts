import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as connectHttp2,
  constants as h2,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { type ConnectionOptions, connect as connectTls, type TLSSocket } from 'node:tls';
import {
  type ExtensionOffer,
  HandshakeError,
  HandshakeErrorCode,
  parseExtensionHeader,
  parseProtocolHeader,
  serializeExtensions,
} from '@websock/handshake';
import {
  acceptResponse,
  createDeflateExtension,
  EXTENSION_NAME,
  type PerMessageDeflate,
} from '@websock/permessage-deflate';
import {
  type ClientOptions,
  type ConnectionPlan,
  connectOverHttp1,
  createClientWebSocket,
  serverName,
} from './connect.js';
import { ConnectError } from './errors.js';
import type { ClientWebSocket, HandshakeResponseInfo } from './transport.js';

const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** The HTTP/1.1 handshake headers that have no place in an extended CONNECT (RFC 8441 §5). */
const HTTP1_ONLY: ReadonlySet<string> = new Set(['host', 'upgrade', 'connection', 'sec-websocket-key']);

/**
 * A shared HTTP/2 connection to one origin: the session once TLS chose h2, or the TLS
 * socket when it chose HTTP/1.1 (one connection can carry one upgrade: the first taker
 * gets it, the others open their own).
 */
interface Shared {
  session?: ClientHttp2Session;
  socket?: TLSSocket | undefined;
  /** WebSockets open on the session: the last one to close closes it. */
  streams: number;
}

/** Sessions this module opened, per `tls` options object (trust is part of the key), then per origin. */
const cache = new WeakMap<object, Map<string, Promise<Shared>>>();
const NO_TLS_OPTIONS = {};

/**
 * Opens a WebSocket with an RFC 8441 extended CONNECT on an HTTP/2 session: the one the
 * application passed, or one shared per origin. Falls back to the HTTP/1.1 upgrade where
 * the server speaks no HTTP/2 or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL.
 */
export async function connectOverHttp2<Data>(
  plan: ConnectionPlan,
  options: ClientOptions<Data>,
): Promise<ClientWebSocket<Data>> {
  if (!plan.secure && options.session === undefined) {
    throw new TypeError('http2 needs a wss:// URL (WebSockets over HTTP/2 run over TLS)');
  }
  const given = options.session;
  const origin = `https://${plan.target.host}`;
  let shared: Shared =
    given === undefined
      ? await withDeadline(sharedConnection(plan, options, origin), options)
      : { session: given, streams: 0 };
  if (given === undefined && shared.session !== undefined && isClosing(shared.session)) {
    // Its last WebSocket closed it while we waited for it: the cache holds a new one, or will.
    shared = await withDeadline(sharedConnection(plan, options, origin), options);
  }
  const session = shared.session;
  if (session === undefined) {
    const socket = shared.socket;
    shared.socket = undefined;
    // ALPN chose HTTP/1.1: upgrade on that connection (or on a new one if another took it).
    return connectOverHttp1(plan, options, socket);
  }
  if (!(await withDeadline(extendedConnectEnabled(session), options))) {
    if (given === undefined) forget(options, origin, shared);
    return connectOverHttp1(plan, options, undefined);
  }
  if (given !== undefined) return openStream(session, plan, options);
  // Counted from the request on, so that a WebSocket closing meanwhile cannot close the session.
  shared.streams++;
  const release = () => {
    if (--shared.streams === 0) forget(options, origin, shared);
  };
  let ws: ClientWebSocket<Data>;
  try {
    ws = await openStream(session, plan, options);
  } catch (error) {
    release();
    throw error;
  }
  ws.socket.once('close', release);
  return ws;
}

/**
 * Bounds a step before the stream exists by `handshakeTimeout` and `signal`, as the HTTP/1.1
 * path bounds its whole handshake (the stream then has its own timer). A shared step that
 * outlives one caller keeps going for the others.
 */
function withDeadline<T, Data>(step: Promise<T>, options: ClientOptions<Data>): Promise<T> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => settle(() => reject(signal?.reason));
    const timer = setTimeout(
      () => settle(() => reject(new ConnectError('WS_ERR_HANDSHAKE_TIMEOUT', 'the opening handshake timed out'))),
      options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
    );
    timer.unref();
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    step.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/** The origin's shared connection, made on first use. */
function sharedConnection<Data>(plan: ConnectionPlan, options: ClientOptions<Data>, origin: string): Promise<Shared> {
  const key = options.tls ?? NO_TLS_OPTIONS;
  let byOrigin = cache.get(key);
  if (byOrigin === undefined) {
    byOrigin = new Map();
    cache.set(key, byOrigin);
  }
  const cached = byOrigin.get(origin);
  if (cached !== undefined) return cached;
  const pending = openConnection(plan, options.tls, origin, options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
  byOrigin.set(origin, pending);
  pending.then(
    (shared) => {
      // An HTTP/1.1 connection serves one WebSocket; a session is forgotten when it closes.
      if (shared.session === undefined) byOrigin.delete(origin);
      else shared.session.once('close', () => forgetEntry(byOrigin, origin, pending));
    },
    () => forgetEntry(byOrigin, origin, pending),
  );
  return pending;
}

function forgetEntry(byOrigin: Map<string, Promise<Shared>>, origin: string, entry: Promise<Shared>): void {
  if (byOrigin.get(origin) === entry) byOrigin.delete(origin);
}

/** Closes a session this module opened and drops it from the cache. */
function forget<Data>(options: ClientOptions<Data>, origin: string, shared: Shared): void {
  const byOrigin = cache.get(options.tls ?? NO_TLS_OPTIONS);
  byOrigin?.delete(origin);
  if (shared.session !== undefined && !shared.session.closed) shared.session.close();
}

/** A TLS connection offering h2 and http/1.1; an HTTP/2 session on it when the server chose h2. */
function openConnection(
  plan: ConnectionPlan,
  tls: ConnectionOptions | undefined,
  origin: string,
  timeout: number,
): Promise<Shared> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({
      servername: serverName(plan.hostname),
      ...tls,
      host: plan.hostname,
      port: plan.port,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    socket.setNoDelay(true);
    // A server that never completes TLS: the shared connection fails for every waiter.
    socket.setTimeout(timeout, () =>
      socket.destroy(new ConnectError('WS_ERR_HANDSHAKE_TIMEOUT', 'the TLS handshake timed out')),
    );
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      socket.removeAllListeners('timeout');
      socket.off('error', reject);
      if (socket.alpnProtocol !== 'h2') {
        resolve({ socket, streams: 0 });
        return;
      }
      const session = connectHttp2(origin, { createConnection: () => socket });
      session.on('error', noop); // its streams report it; the cache forgets it on 'close'
      resolve({ session, streams: 0 });
    });
  });
}

/**
 * Whether the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. Its SETTINGS frame is the
 * first thing a server sends, so once a PING is acknowledged the remote settings are known,
 * on a fresh session and on one the application passed alike. One answer per session: the
 * WebSockets opening on it together share one PING (node:http2 allows only a few in flight).
 */
function extendedConnectEnabled(session: ClientHttp2Session): Promise<boolean> {
  let answer = settingsChecks.get(session);
  if (answer === undefined) {
    answer = checkSettings(session);
    settingsChecks.set(session, answer);
  }
  return answer;
}

const settingsChecks = new WeakMap<ClientHttp2Session, Promise<boolean>>();

async function checkSettings(session: ClientHttp2Session): Promise<boolean> {
  if (session.closed || session.destroyed) return false;
  if (session.connecting) await new Promise((resolve) => session.once('connect', resolve));
  if (advertises(session)) return true;
  await new Promise<void>((resolve) => {
    if (!session.ping(() => resolve())) session.once('remoteSettings', () => resolve());
  });
  return !session.destroyed && advertises(session);
}

function isClosing(session: ClientHttp2Session): boolean {
  return session.closed || session.destroyed;
}

function advertises(session: ClientHttp2Session): boolean {
  return session.remoteSettings.enableConnectProtocol === true;
}

/** The extended CONNECT request for the handshake's headers (RFC 8441 §4-5, lower-case names). */
function requestHeaders(plan: ConnectionPlan): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': plan.secure ? 'https' : 'http',
    ':path': `${plan.target.pathname}${plan.target.search}`,
    ':authority': plan.target.host,
  };
  for (const [name, value] of Object.entries(plan.handshake.headers)) {
    const lower = name.toLowerCase();
    if (!HTTP1_ONLY.has(lower)) headers[lower] = value;
  }
  return headers;
}

/** Sends the extended CONNECT and starts the WebSocket on its stream once the server answers 200. */
function openStream<Data>(
  session: ClientHttp2Session,
  plan: ConnectionPlan,
  options: ClientOptions<Data>,
): Promise<ClientWebSocket<Data>> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(requestHeaders(plan), { endStream: false });
    } catch (error) {
      reject(error);
      return;
    }
    stream.pause();
    let settled = false;
    const finish = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stream.off('response', onResponse);
      stream.off('error', fail);
      stream.off('close', onEarlyClose);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      finish();
      stream.on('error', noop);
      // Reset it if still open, and destroy it: a stream with unread data (a refusal's body)
      // would otherwise stay open, and hold the session's graceful close forever.
      if (!stream.closed) stream.close(h2.NGHTTP2_CANCEL);
      stream.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal?.reason);
    const onEarlyClose = () =>
      fail(new ConnectError('WS_ERR_CONNECTION_CLOSED', 'the server closed the stream during the handshake'));
    const onResponse = (headers: IncomingHttpHeaders) => {
      let accepted: Accepted;
      try {
        accepted = checkResponse(headers, plan, options);
      } catch (error) {
        fail(error);
        return;
      }
      finish();
      const ws = createClientWebSocket(
        stream,
        options,
        accepted.protocol,
        accepted.extensions,
        accepted.header,
        responseInfo(headers),
      );
      ws.start();
      resolve(ws);
    };
    const timer = setTimeout(
      () => fail(new ConnectError('WS_ERR_HANDSHAKE_TIMEOUT', 'the opening handshake timed out')),
      options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT,
    );
    timer.unref();
    stream.on('response', onResponse);
    stream.on('error', fail);
    stream.on('close', onEarlyClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Accepted {
  protocol: string | undefined;
  extensions: PerMessageDeflate[];
  header: string;
}

/** Checks the server's answer (RFC 8441 §5: a 2xx, no key/accept) against what was offered. */
function checkResponse<Data>(
  headers: IncomingHttpHeaders,
  plan: ConnectionPlan,
  options: ClientOptions<Data>,
): Accepted {
  const status = Number(headers[':status']);
  if (!(status >= 200 && status < 300)) {
    throw new HandshakeError(
      HandshakeErrorCode.UnexpectedStatus,
      `the server answered ${status} to the extended CONNECT`,
      {
        status,
        headers,
      },
    );
  }
  let protocol: string | undefined;
  const protocolHeader = headers['sec-websocket-protocol'];
  if (protocolHeader !== undefined) {
    const chosen = parseProtocolHeader(protocolHeader);
    if (chosen.length !== 1) {
      throw new HandshakeError(HandshakeErrorCode.InvalidProtocol, 'the server chose more than one subprotocol');
    }
    protocol = chosen[0];
    if (protocol === undefined || !(options.protocols ?? []).includes(protocol)) {
      throw new HandshakeError(
        HandshakeErrorCode.UnofferedProtocol,
        `the server chose a subprotocol not offered: ${protocol}`,
      );
    }
  }
  let offers: ExtensionOffer[];
  try {
    offers = parseExtensionHeader(headers['sec-websocket-extensions']);
  } catch (error) {
    throw new HandshakeError(HandshakeErrorCode.InvalidExtensions, 'invalid sec-websocket-extensions', {
      cause: error,
    });
  }
  if (offers.length === 0) return { protocol, extensions: [], header: '' };
  const deflate = offers[0];
  if (offers.length > 1 || deflate?.name !== EXTENSION_NAME || plan.deflateOffer === undefined) {
    throw new HandshakeError(HandshakeErrorCode.UnofferedExtension, 'the server accepted an extension not offered');
  }
  // Parameters we did not offer fail the connection (RFC 7692 §5).
  const extension = createDeflateExtension(acceptResponse(deflate, plan.deflateOffer), 'client', plan.deflateOptions);
  return { protocol, extensions: [extension], header: serializeExtensions(offers) };
}

function noop(): void {}

/** The HTTP/2 response as the connection reports it: status and regular headers (no pseudo-headers). */
function responseInfo(headers: IncomingHttpHeaders): HandshakeResponseInfo {
  const regular: Record<string, string | string[]> = {};
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    regular[name] = value;
    for (const one of Array.isArray(value) ? value : [value]) raw.push(name, one);
  }
  return { status: Number(headers[':status']), statusText: '', headers: regular, rawHeaders: raw };
}
