import type { AcceptKeyFunction } from './accept.js';
import type { HandshakeRejection } from './errors.js';
import { type ExtensionOffer, serializeExtensions } from './extensions.js';
import { appendHeaderLines, assertHeaderName, assertHeaderValue, isToken } from './grammar.js';
import { reasonPhrase } from './status.js';

export interface AcceptResponseOptions {
  /** The client's `Sec-WebSocket-Key`, as returned by `validateUpgradeRequest`. */
  key: string;
  /** The chosen subprotocol; omitted when `undefined`. */
  protocol?: string | undefined;
  /**
   * When given, `protocol` must be one of these (the client's offer): answering with a protocol
   * the client did not offer makes it fail the connection (RFC 6455 §4.1), so it is a TypeError here.
   */
  offeredProtocols?: readonly string[] | undefined;
  /** Accepted extensions: a ready header value or elements for `serializeExtensions`; omitted when empty. */
  extensions?: string | readonly ExtensionOffer[] | undefined;
  /** Extra headers (e.g. `Set-Cookie`); an array value writes one line per item. */
  headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
}

// Headers the handshake writes itself; a second copy from the application would contradict them.
const ACCEPT_RESERVED: ReadonlySet<string> = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
]);

/**
 * Checks one extra header for the 101 response before it is written: the name is a token, the
 * value(s) hold no CR, LF or other control (header injection), and the name is not one the
 * handshake writes itself (`Upgrade`, `Sec-WebSocket-Accept`...). Throws `TypeError`. Lets an
 * application be told at the line that set a bad header, not when the response is built.
 */
export function assertAcceptHeader(name: string, value: string | readonly string[]): void {
  assertHeaderName(name);
  if (ACCEPT_RESERVED.has(name.toLowerCase())) {
    throw new TypeError(`Header ${name} is set by the handshake itself and cannot be given as an extra header`);
  }
  for (const item of typeof value === 'string' ? [value] : value) assertHeaderValue(name, item);
}

/** The complete `101 Switching Protocols` head, ending in CRLF CRLF, with the accept value from `accept`. */
export function buildAcceptResponseWith(accept: AcceptKeyFunction, options: AcceptResponseOptions): string {
  if (typeof options.key !== 'string') throw new TypeError('buildAcceptResponse needs the client key');
  const first = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(options.key)}\r\n`;
  const { protocol } = options;
  // The usual answer (no subprotocol, extension or extra header) is one template: no list to join.
  if (protocol === undefined && options.extensions === undefined && options.headers === undefined) {
    return `${first}\r\n`;
  }
  const lines = [first];
  if (protocol !== undefined) {
    assertChosenProtocol(protocol, options.offeredProtocols);
    lines.push(`Sec-WebSocket-Protocol: ${protocol}\r\n`);
  }
  const extensions = extensionsValue(options.extensions);
  if (extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${extensions}\r\n`);
  appendHeaderLines(lines, options.headers, ACCEPT_RESERVED);
  lines.push('\r\n');
  return lines.join('');
}

export function assertChosenProtocol(protocol: string, offered: readonly string[] | undefined): void {
  if (typeof protocol !== 'string' || !isToken(protocol)) {
    throw new TypeError(`Invalid subprotocol name: ${JSON.stringify(protocol)}`);
  }
  if (offered !== undefined && !offered.includes(protocol)) {
    throw new TypeError(`Subprotocol ${protocol} was not offered by the client`);
  }
}

export function extensionsValue(extensions: string | readonly ExtensionOffer[] | undefined): string | undefined {
  if (extensions === undefined) return undefined;
  const value = typeof extensions === 'string' ? extensions : serializeExtensions(extensions);
  if (value.length === 0) return undefined;
  assertHeaderValue('Sec-WebSocket-Extensions', value);
  return value;
}

export interface RejectionResponseOptions {
  /** Extra headers; a `Content-Type` here replaces the default `text/plain; charset=utf-8`. */
  headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
  /** Text body, sent as UTF-8; default: the reason phrase (or the rejection's message). */
  body?: string | undefined;
}

const REJECTION_RESERVED: ReadonlySet<string> = new Set(['connection', 'content-length', 'transfer-encoding']);

const encoder = new TextEncoder();

/**
 * A complete HTTP/1.1 error response for a refused handshake, ready to write on a raw socket as
 * UTF-8 and then close it: status line, `Connection: close`, `Content-Type`, a `Content-Length`
 * counting the body's UTF-8 bytes, the extra headers, and the body. Accepts a status or a
 * `HandshakeRejection` (its status, headers and message).
 */
export function buildRejectionResponse(
  statusOrRejection: number | HandshakeRejection,
  options: RejectionResponseOptions = {},
): string {
  let status: number;
  let body = options.body;
  let headers = options.headers;
  if (typeof statusOrRejection === 'number') {
    status = statusOrRejection;
  } else {
    status = statusOrRejection.status;
    body ??= statusOrRejection.message;
    headers = { ...statusOrRejection.headers, ...headers };
  }
  if (!Number.isInteger(status) || status < 300 || status > 599) {
    throw new RangeError(`A rejection response needs a 3xx, 4xx or 5xx status, got ${String(status)}`);
  }
  const reason = reasonPhrase(status);
  body ??= reason || String(status);
  const names = headers === undefined ? [] : Object.keys(headers).map((n) => n.toLowerCase());
  // RFC 9110 §7.8: whoever sends Upgrade (as a 426 must) lists it as a connection option too.
  const connection = names.includes('upgrade') ? 'Upgrade, close' : 'close';
  const lines = [`HTTP/1.1 ${status} ${reason}\r\n`, `Connection: ${connection}\r\n`];
  if (!names.includes('content-type')) lines.push('Content-Type: text/plain; charset=utf-8\r\n');
  lines.push(`Content-Length: ${encoder.encode(body).length}\r\n`);
  appendHeaderLines(lines, headers, REJECTION_RESERVED);
  lines.push('\r\n', body);
  return lines.join('');
}
