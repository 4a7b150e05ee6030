import { type AcceptKeyFunction, generateKey } from './accept.js';
import { HandshakeError, HandshakeErrorCode, isHandshakeRejection } from './errors.js';
import { type ExtensionOffer, parseExtensionHeader, serializeExtensions } from './extensions.js';
import {
  appendHeaderLines,
  assertHeaderValue,
  containsToken,
  HOST_SYNTAX,
  headerList,
  type IncomingHeaders,
  isToken,
  singleHeader,
  splitList,
} from './grammar.js';
import { assertProtocolList } from './protocols.js';

export interface ClientHandshakeOptions {
  /** `Host` value: `example.com`, `example.com:8080`, `[::1]:9001`. */
  host: string;
  /** Request target in origin-form: `/chat?room=1`. */
  path: string;
  /** Subprotocols to offer, in order of preference. */
  protocols?: readonly string[] | undefined;
  /** Extensions to offer: elements, or a ready `Sec-WebSocket-Extensions` value (checked). */
  extensions?: readonly ExtensionOffer[] | string | undefined;
  /** Extra request headers (e.g. `Authorization`, `User-Agent`). */
  headers?: Readonly<Record<string, string>> | undefined;
  origin?: string | undefined;
}

/** A prepared client handshake; also the `expected` argument of `validateServerResponse`. */
export interface ClientHandshake {
  /** The fresh `Sec-WebSocket-Key`. */
  readonly key: string;
  /** Request headers, canonical case, `Host` first: hand them to `http.request` or use `requestHead`. */
  readonly headers: Record<string, string>;
  readonly protocols: string[];
  readonly extensions: ExtensionOffer[];
  /** The complete HTTP/1.1 request head (method default `GET`), ending in CRLF CRLF. */
  requestHead(method?: string): string;
}

const REQUEST_RESERVED: ReadonlySet<string> = new Set([
  'host',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
]);

const PATH_SYNTAX = /^\/[\x21-\x7e]*$/;

/**
 * Prepares the client's opening handshake (RFC 6455 §4.1) with a fresh random key from
 * `globalThis.crypto.getRandomValues`. Invalid options (bad host or path, non-token or repeated
 * protocols, malformed extensions, header injection) throw `TypeError`.
 */
export function createClientHandshake(options: ClientHandshakeOptions): ClientHandshake {
  const { host, path } = options;
  if (typeof host !== 'string' || !HOST_SYNTAX.test(host)) throw new TypeError(`Invalid host: ${JSON.stringify(host)}`);
  if (typeof path !== 'string' || !PATH_SYNTAX.test(path)) {
    throw new TypeError(`Invalid path (must start with "/", no spaces or controls): ${JSON.stringify(path)}`);
  }
  const protocols = [...(options.protocols ?? [])];
  assertProtocolList(protocols);
  const extensions = offeredExtensions(options.extensions);

  const key = generateKey();
  const headers: Record<string, string> = {
    Host: host,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
  };
  if (protocols.length > 0) headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  if (extensions.length > 0) headers['Sec-WebSocket-Extensions'] = serializeExtensions(extensions);
  if (options.origin !== undefined) {
    assertHeaderValue('Origin', options.origin);
    headers.Origin = options.origin;
  }
  if (options.headers !== undefined) {
    // Validation only; the lines themselves are produced by requestHead.
    appendHeaderLines([], options.headers, options.origin === undefined ? REQUEST_RESERVED : WITH_ORIGIN);
    Object.assign(headers, options.headers);
  }

  return {
    key,
    headers,
    protocols,
    extensions,
    requestHead(method = 'GET') {
      if (!isToken(method)) throw new TypeError(`Invalid method: ${JSON.stringify(method)}`);
      let head = `${method} ${path} HTTP/1.1\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      return `${head}\r\n`;
    },
  };
}

const WITH_ORIGIN: ReadonlySet<string> = new Set([...REQUEST_RESERVED, 'origin']);

function offeredExtensions(extensions: readonly ExtensionOffer[] | string | undefined): ExtensionOffer[] {
  if (extensions === undefined) return [];
  if (typeof extensions === 'string') {
    try {
      return parseExtensionHeader(extensions);
    } catch (error) {
      throw new TypeError(`Invalid extensions offer: ${(error as Error).message}`, { cause: error });
    }
  }
  // Serializing validates every name and value.
  serializeExtensions(extensions);
  return extensions.map((offer) => ({ name: offer.name, params: [...offer.params] }));
}

/** The server's answer as node:http (`statusCode`, `headers`) or `parseResponseHead` gives it. */
export interface HandshakeResponse {
  status: number;
  headers: IncomingHeaders;
}

/** What the client offered; a `ClientHandshake` fits. */
export interface ExpectedHandshake {
  key: string;
  protocols?: readonly string[] | undefined;
  extensions?: readonly ExtensionOffer[] | undefined;
}

export interface HandshakeResult {
  /** The subprotocol the server chose, `undefined` for none. */
  protocol: string | undefined;
  /** The extensions the server accepted, with its parameters, in its order. */
  extensions: ExtensionOffer[];
}

/**
 * Checks the server's answer (RFC 6455 §4.1, steps after sending the handshake), in order:
 * status 101, `Upgrade: websocket`, `Connection` with `upgrade`, the accept value, extensions
 * (well-formed, each one offered, none twice), subprotocol (one token, offered; none when none
 * was offered). Failures are `HandshakeError`s, one code each. The parameters of accepted
 * extensions are for each extension's own client-side check.
 */
export function validateServerResponseWith(
  accept: AcceptKeyFunction,
  res: HandshakeResponse,
  expected: ExpectedHandshake,
): HandshakeResult {
  const { headers } = res;
  if (res.status !== 101) {
    throw new HandshakeError(HandshakeErrorCode.UnexpectedStatus, `Unexpected response status ${res.status}`, {
      status: res.status,
      headers,
    });
  }

  const upgrade = headerList(headers, 'upgrade');
  if (upgrade.length === 0) throw new HandshakeError(HandshakeErrorCode.MissingUpgrade, 'Missing Upgrade header');
  if (upgrade.some((token) => token.toLowerCase() !== 'websocket')) {
    throw new HandshakeError(HandshakeErrorCode.InvalidUpgrade, 'The Upgrade header must be "websocket"');
  }

  const connection = headerList(headers, 'connection');
  if (connection.length === 0) {
    throw new HandshakeError(HandshakeErrorCode.MissingConnection, 'Missing Connection header');
  }
  if (!containsToken(connection, 'upgrade')) {
    throw new HandshakeError(HandshakeErrorCode.InvalidConnection, 'The Connection header must contain "upgrade"');
  }

  const acceptValue = singleHeader(headers, 'sec-websocket-accept');
  if (acceptValue === undefined || acceptValue === '') {
    throw new HandshakeError(HandshakeErrorCode.MissingAccept, 'Missing Sec-WebSocket-Accept header');
  }
  if (acceptValue !== accept(expected.key)) {
    throw new HandshakeError(HandshakeErrorCode.InvalidAccept, 'Sec-WebSocket-Accept does not match the key');
  }

  const extensions = acceptedExtensions(headers, expected.extensions ?? []);
  const protocol = chosenProtocol(headers, expected.protocols ?? []);
  return { protocol, extensions };
}

function acceptedExtensions(headers: IncomingHeaders, offered: readonly ExtensionOffer[]): ExtensionOffer[] {
  let accepted: ExtensionOffer[];
  try {
    accepted = parseExtensionHeader(headers['sec-websocket-extensions']);
  } catch (error) {
    if (!isHandshakeRejection(error)) throw error;
    throw new HandshakeError(HandshakeErrorCode.InvalidExtensions, error.message, { cause: error });
  }
  const seen = new Set<string>();
  for (const extension of accepted) {
    if (!offered.some((offer) => offer.name === extension.name)) {
      throw new HandshakeError(
        HandshakeErrorCode.UnofferedExtension,
        `The server accepted extension ${extension.name}, which was not offered`,
      );
    }
    if (seen.has(extension.name)) {
      throw new HandshakeError(
        HandshakeErrorCode.DuplicateExtension,
        `The server accepted extension ${extension.name} twice`,
      );
    }
    seen.add(extension.name);
  }
  return accepted;
}

function chosenProtocol(headers: IncomingHeaders, offered: readonly string[]): string | undefined {
  const value = singleHeader(headers, 'sec-websocket-protocol');
  if (value === undefined) return undefined;
  const list = value === null ? [] : splitList(value);
  const protocol = list[0];
  if (list.length !== 1 || protocol === undefined || !isToken(protocol)) {
    throw new HandshakeError(
      HandshakeErrorCode.InvalidProtocol,
      'Sec-WebSocket-Protocol must name exactly one subprotocol',
    );
  }
  if (!offered.includes(protocol)) {
    throw new HandshakeError(
      HandshakeErrorCode.UnofferedProtocol,
      offered.length === 0
        ? `The server chose subprotocol ${protocol} though none was offered`
        : `The server chose subprotocol ${protocol}, which was not offered`,
    );
  }
  return protocol;
}
