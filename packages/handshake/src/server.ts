import { isValidKey } from './accept.js';
import { badRequest, HandshakeRejection, RejectionCode } from './errors.js';
import { type ExtensionOffer, parseExtensionHeader } from './extensions.js';
import { containsToken, HOST_SYNTAX, headerList, type IncomingHeaders, singleHeader } from './grammar.js';
import { parseProtocolHeader } from './protocols.js';

/** The parts of an HTTP/1.1 request the handshake looks at; a node:http `IncomingMessage` fits. */
export interface UpgradeRequest {
  /** `undefined` is allowed so an `IncomingMessage` can be passed as is; it is rejected. */
  method?: string | undefined;
  /** `'1.1'`, as node:http and `parseRequestHead` give it. */
  httpVersion: string;
  url?: string | undefined;
  /** Lower-cased names; values a string (duplicates joined with ', ') or an array. */
  headers: IncomingHeaders;
  /**
   * `[name, value, ...]` as received (node's `req.rawHeaders`). Optional; when given, repeats of
   * single-valued fields are caught even where node:http keeps only the first (`Host`).
   */
  rawHeaders?: readonly string[] | undefined;
}

/** What a valid opening handshake asked for (RFC 6455 §4.2.1). */
export interface UpgradeRequestInfo {
  /** `Sec-WebSocket-Key`, to hand to `buildAcceptResponse`. */
  key: string;
  version: 13;
  /** Offered subprotocols, in the client's order. */
  protocols: string[];
  /** Offered extensions, in the client's order, for `negotiateExtensions`. */
  extensions: ExtensionOffer[];
  /** `Origin`, when sent (browsers always send it; compare it against an allow-list). */
  origin?: string;
  /** `Host`. */
  host: string;
}

/** The only protocol version RFC 6455 defines; advertised on version failures (§4.4). */
export const WEBSOCKET_VERSION = 13;

const VERSION_HEADERS = { 'Sec-WebSocket-Version': '13' } as const;

// RFC 9112 §2.3 HTTP-version: 1.1 and any later version are fine for an Upgrade.
const HTTP_VERSION = /^(\d)\.(\d)$/;
// RFC 6455 §4.1: version = DIGIT | NZDIGIT DIGIT | "1" DIGIT DIGIT | "2" DIGIT DIGIT (0-255).
const VERSION_SYNTAX = /^(?:0|[1-9]\d{0,2})$/;
// origin-form ("/path?query") or absolute-form ("ws://host/path"); other request-target forms cannot ask for a resource.
const URL_SYNTAX = /^(?:\/|[A-Za-z][A-Za-z0-9+.-]*:\/\/)[\x21-\x7e]*$/;

/**
 * Validates an opening handshake request (RFC 6455 §4.2.1) and returns what it asks for, or
 * throws a `HandshakeRejection` carrying the answer:
 *
 * - 405 (with `Allow: GET`) for another method;
 * - 426 (with `Sec-WebSocket-Version: 13` and `Upgrade: websocket`) for another well-formed version;
 * - 400 for anything malformed: HTTP/1.0, no or a bad `Host`, `Upgrade` without the token
 *   `websocket`, `Connection` without `upgrade`, a `Sec-WebSocket-Key` that is not strict base64
 *   of 16 bytes, a missing or malformed version, malformed protocol or extension lists, a
 *   request body (bytes after the head are WebSocket frames, so a body cannot be told apart).
 *
 * Duplicates: a single-valued field (`Host`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version`,
 * `Origin`, `Content-Length`) given twice is a 400. They are detected from `rawHeaders` when
 * given (pass node's `req` whole), else from an array value; duplicates node:http joined into
 * one value also fail the field's own syntax (a joined key is not base64 of 16 bytes, `13, 13`
 * is not a version), and node keeps only the first `Host`, so pass `rawHeaders`. List
 * fields (`Upgrade`, `Connection`, `Sec-WebSocket-Protocol`, `Sec-WebSocket-Extensions`) take
 * every line, as RFC 9110 §5.3 allows.
 */
export function validateUpgradeRequest(req: UpgradeRequest): UpgradeRequestInfo {
  const { headers } = req;
  const repeated = repeatedSingleFields(req.rawHeaders);
  const single = (name: string) => (repeated?.has(name) ? null : singleHeader(headers, name));

  if (req.method !== 'GET') {
    throw new HandshakeRejection(405, 'The WebSocket handshake must be a GET request', {
      code: RejectionCode.InvalidMethod,
      headers: { Allow: 'GET' },
    });
  }

  if (req.httpVersion !== '1.1') {
    const version = HTTP_VERSION.exec(req.httpVersion);
    if (version === null || Number(version[1]) < 1 || (version[1] === '1' && version[2] === '0')) {
      throw badRequest(RejectionCode.InvalidHttpVersion, 'The WebSocket handshake needs HTTP/1.1 or later');
    }
  }

  if (req.url !== undefined && !URL_SYNTAX.test(req.url)) {
    throw badRequest(RejectionCode.InvalidUrl, 'Invalid request target');
  }

  const host = single('host');
  if (host === undefined || host === '') throw badRequest(RejectionCode.MissingHost, 'Missing Host header');
  if (host === null || !HOST_SYNTAX.test(host)) throw badRequest(RejectionCode.InvalidHost, 'Invalid Host header');

  if (headers['transfer-encoding'] !== undefined || repeated?.has('content-length') || contentLength(headers) !== 0) {
    throw badRequest(RejectionCode.UnexpectedBody, 'The WebSocket handshake request cannot have a body');
  }

  if (!isExactly(headers.upgrade, 'websocket')) {
    const upgrade = headerList(headers, 'upgrade');
    if (upgrade.length === 0) throw badRequest(RejectionCode.MissingUpgrade, 'Missing Upgrade header');
    if (!containsToken(upgrade, 'websocket')) {
      throw badRequest(RejectionCode.InvalidUpgrade, 'The Upgrade header must contain "websocket"');
    }
  }

  if (!isExactly(headers.connection, 'upgrade')) {
    const connection = headerList(headers, 'connection');
    if (connection.length === 0) throw badRequest(RejectionCode.MissingConnection, 'Missing Connection header');
    if (!containsToken(connection, 'upgrade')) {
      throw badRequest(RejectionCode.InvalidConnection, 'The Connection header must contain "upgrade"');
    }
  }

  const wsVersion = single('sec-websocket-version');
  if (wsVersion === undefined || wsVersion === '') {
    throw badRequest(RejectionCode.MissingVersion, 'Missing Sec-WebSocket-Version header', VERSION_HEADERS);
  }
  if (wsVersion === null || !VERSION_SYNTAX.test(wsVersion) || Number(wsVersion) > 255) {
    throw badRequest(RejectionCode.InvalidVersion, 'Invalid Sec-WebSocket-Version header', VERSION_HEADERS);
  }
  if (wsVersion !== '13') {
    throw new HandshakeRejection(426, `Unsupported WebSocket version ${wsVersion}; this server speaks 13`, {
      code: RejectionCode.UnsupportedVersion,
      headers: { ...VERSION_HEADERS, Upgrade: 'websocket' },
    });
  }

  const key = single('sec-websocket-key');
  if (key === undefined || key === '') throw badRequest(RejectionCode.MissingKey, 'Missing Sec-WebSocket-Key header');
  if (key === null || !isValidKey(key)) {
    throw badRequest(RejectionCode.InvalidKey, 'Sec-WebSocket-Key must be base64 of 16 bytes');
  }

  const protocols = parseProtocolHeader(headers['sec-websocket-protocol']);
  const extensions = parseExtensionHeader(headers['sec-websocket-extensions']);

  const info: UpgradeRequestInfo = { key, version: 13, protocols, extensions, host };
  const origin = single('origin');
  if (origin === null) throw badRequest(RejectionCode.InvalidOrigin, 'Duplicate Origin header');
  if (origin !== undefined) info.origin = origin;
  return info;
}

/**
 * Whether a list header is one field line holding just `token` (any case): what nearly every
 * client sends for `Upgrade` and `Connection`, answered without splitting the list. Anything
 * else goes through the full list parse.
 */
function isExactly(value: string | string[] | undefined, token: string): boolean {
  return typeof value === 'string' && value.length === token.length && value.toLowerCase() === token;
}

/** 0 when absent or zero, else a positive number or NaN (invalid or conflicting). */
function contentLength(headers: IncomingHeaders): number {
  const value = singleHeader(headers, 'content-length');
  if (value === undefined) return 0;
  if (value === null || !/^\d+$/.test(value)) return Number.NaN;
  return Number(value);
}

const SINGLE_FIELDS: ReadonlySet<string> = new Set([
  'host',
  'sec-websocket-key',
  'sec-websocket-version',
  'origin',
  'content-length',
]);

/** Lengths of the names in SINGLE_FIELDS: most header names are told apart without lower-casing them. */
const SINGLE_FIELD_LENGTHS: ReadonlySet<number> = new Set([...SINGLE_FIELDS].map((name) => name.length));

/**
 * Names of single-valued fields that occur more than once in raw header lines; undefined when
 * none does (the usual case, which then allocates nothing).
 */
function repeatedSingleFields(rawHeaders: readonly string[] | undefined): Set<string> | undefined {
  if (rawHeaders === undefined) return undefined;
  let seen: string[] | undefined;
  let repeated: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!;
    if (!SINGLE_FIELD_LENGTHS.has(raw.length)) continue;
    const name = raw.toLowerCase();
    if (!SINGLE_FIELDS.has(name)) continue;
    if (seen === undefined) seen = [name];
    else if (!seen.includes(name)) seen.push(name);
    else {
      repeated ??= new Set();
      repeated.add(name);
    }
  }
  return repeated;
}
