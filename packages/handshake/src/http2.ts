import { badRequest, HandshakeRejection, RejectionCode } from './errors.js';
import { type ExtensionOffer, parseExtensionHeader } from './extensions.js';
import { assertHeaderName, assertHeaderValue, type IncomingHeaders, singleHeader } from './grammar.js';
import { parseProtocolHeader } from './protocols.js';
import { assertChosenProtocol, extensionsValue } from './response.js';

/** What a valid RFC 8441 extended CONNECT asked for. */
export interface ExtendedConnectInfo {
  version: 13;
  protocols: string[];
  extensions: ExtensionOffer[];
  origin?: string;
  /** `:authority` (the HTTP/2 counterpart of `Host`). */
  authority: string;
  /** `:path`. */
  path: string;
  /** `:scheme` (`https`, or `http` over h2c). */
  scheme: string;
}

const VERSION_HEADERS = { 'sec-websocket-version': '13' } as const;
const VERSION_SYNTAX = /^(?:0|[1-9]\d{0,2})$/;

function required(headers: IncomingHeaders, name: string): string {
  const value = singleHeader(headers, name);
  if (value === undefined || value === null || value === '') {
    throw badRequest(RejectionCode.InvalidPseudoHeader, `Missing or repeated ${name} pseudo-header`);
  }
  return value;
}

/**
 * Validates a WebSocket-over-HTTP/2 request (RFC 8441 §4-5): `:method` CONNECT, `:protocol`
 * websocket, `:scheme`, `:path` and `:authority` present, `sec-websocket-version: 13`; no key
 * (the stream itself proves the server took the request). Takes the header object node:http2
 * gives with the stream (pseudo-headers included). Throws `HandshakeRejection`: 405 for another
 * method, 400 for the rest, including another version: 426 needs an `Upgrade` header, which
 * HTTP/2 forbids, so the version mismatch is a 400 carrying `sec-websocket-version: 13`.
 * The server must have sent `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1` (node: `settings.enableConnectProtocol`).
 */
export function validateExtendedConnect(headers: IncomingHeaders): ExtendedConnectInfo {
  if (singleHeader(headers, ':method') !== 'CONNECT') {
    throw new HandshakeRejection(405, 'WebSocket over HTTP/2 needs an extended CONNECT request', {
      code: RejectionCode.InvalidMethod,
      headers: { allow: 'CONNECT' },
    });
  }
  const protocol = required(headers, ':protocol');
  if (protocol.toLowerCase() !== 'websocket') {
    throw badRequest(RejectionCode.InvalidPseudoHeader, `Unsupported :protocol ${JSON.stringify(protocol)}`);
  }
  const scheme = required(headers, ':scheme');
  const path = required(headers, ':path');
  const authority = required(headers, ':authority');

  const version = singleHeader(headers, 'sec-websocket-version');
  if (version === undefined || version === '') {
    throw badRequest(RejectionCode.MissingVersion, 'Missing sec-websocket-version header', VERSION_HEADERS);
  }
  if (version === null || !VERSION_SYNTAX.test(version) || Number(version) > 255) {
    throw badRequest(RejectionCode.InvalidVersion, 'Invalid sec-websocket-version header', VERSION_HEADERS);
  }
  if (version !== '13') {
    throw badRequest(RejectionCode.UnsupportedVersion, `Unsupported WebSocket version ${version}`, VERSION_HEADERS);
  }

  const info: ExtendedConnectInfo = {
    version: 13,
    protocols: parseProtocolHeader(headers['sec-websocket-protocol']),
    extensions: parseExtensionHeader(headers['sec-websocket-extensions']),
    authority,
    path,
    scheme,
  };
  const origin = singleHeader(headers, 'origin');
  if (origin === null) throw badRequest(RejectionCode.InvalidOrigin, 'Duplicate origin header');
  if (origin !== undefined) info.origin = origin;
  return info;
}

export interface ExtendedConnectResponseOptions {
  protocol?: string | undefined;
  /** When given, `protocol` must be one of these (TypeError otherwise). */
  offeredProtocols?: readonly string[] | undefined;
  extensions?: string | readonly ExtensionOffer[] | undefined;
  /** Extra headers; names are lower-cased, as HTTP/2 requires. */
  headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
}

/** Header object for node:http2's `stream.respond()`. */
export type Http2ResponseHeaders = Record<string, string | number | string[]>;

// Connection-specific fields are malformed in HTTP/2 (RFC 9113 §8.2.2); the rest are ours to set.
const H2_RESERVED: ReadonlySet<string> = new Set([
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'sec-websocket-accept',
]);

/** The `200` response accepting an extended CONNECT (RFC 8441 §5), with the chosen protocol and extensions. */
export function buildExtendedConnectResponse(options: ExtendedConnectResponseOptions = {}): Http2ResponseHeaders {
  const out: Http2ResponseHeaders = { ':status': 200 };
  if (options.protocol !== undefined) {
    assertChosenProtocol(options.protocol, options.offeredProtocols);
    out['sec-websocket-protocol'] = options.protocol;
  }
  const extensions = extensionsValue(options.extensions);
  if (extensions !== undefined) out['sec-websocket-extensions'] = extensions;
  if (options.headers !== undefined) {
    for (const [rawName, value] of Object.entries(options.headers)) {
      assertHeaderName(rawName);
      const name = rawName.toLowerCase();
      if (H2_RESERVED.has(name)) throw new TypeError(`Header ${rawName} cannot be set on an HTTP/2 WebSocket response`);
      const values = typeof value === 'string' ? [value] : [...value];
      for (const v of values) assertHeaderValue(rawName, v);
      const previous = out[name];
      if (previous === undefined) out[name] = values.length === 1 ? values[0]! : values;
      else out[name] = [...(Array.isArray(previous) ? previous : [String(previous)]), ...values];
    }
  }
  return out;
}
