// Portable entry: no Node built-ins, runs in Node, Deno, Bun, browsers and workers.
// src/node.ts exports the same names with node:crypto behind the accept computation.
import { computeAcceptKey } from './accept.js';
import {
  type ExpectedHandshake,
  type HandshakeResponse,
  type HandshakeResult,
  validateServerResponseWith,
} from './client.js';
import { type AcceptResponseOptions, buildAcceptResponseWith } from './response.js';

export { computeAcceptKey, generateKey, isValidKey, WEBSOCKET_GUID } from './accept.js';
export type {
  ClientHandshake,
  ClientHandshakeOptions,
  ExpectedHandshake,
  HandshakeResponse,
  HandshakeResult,
} from './client.js';
export { createClientHandshake } from './client.js';
export type { HandshakeErrorOptions, HandshakeRejectionOptions } from './errors.js';
export { HandshakeError, HandshakeErrorCode, HandshakeRejection, RejectionCode } from './errors.js';
export type { ExtensionNegotiator, ExtensionOffer } from './extensions.js';
export { negotiateExtensions, parseExtensionHeader, serializeExtensions } from './extensions.js';
export type { IncomingHeaders } from './grammar.js';
export type { HeadParserOptions, ParsedHeaders, RequestHead, ResponseHead } from './head.js';
export { parseRequestHead, parseResponseHead } from './head.js';
export type { ExtendedConnectInfo, ExtendedConnectResponseOptions, Http2ResponseHeaders } from './http2.js';
export { buildExtendedConnectResponse, validateExtendedConnect } from './http2.js';
export type { ProtocolChooser } from './protocols.js';
export { parseProtocolHeader, selectProtocol } from './protocols.js';
export type { AcceptResponseOptions, RejectionResponseOptions } from './response.js';
export { buildRejectionResponse } from './response.js';
export type { UpgradeRequest, UpgradeRequestInfo } from './server.js';
export { validateUpgradeRequest, WEBSOCKET_VERSION } from './server.js';
export { reasonPhrase } from './status.js';

/**
 * The complete `HTTP/1.1 101 Switching Protocols` head (ending in CRLF CRLF) for a validated
 * request: `Upgrade`, `Connection`, `Sec-WebSocket-Accept`, the chosen protocol (checked
 * against `offeredProtocols` when given), accepted extensions, extra headers (checked against
 * header injection; the handshake's own headers cannot be overridden).
 */
export function buildAcceptResponse(options: AcceptResponseOptions): string {
  return buildAcceptResponseWith(computeAcceptKey, options);
}

/**
 * Client side: checks the server's answer against what was offered. Throws `HandshakeError`
 * (one `code` per failure); returns the chosen protocol and accepted extensions.
 */
export function validateServerResponse(res: HandshakeResponse, expected: ExpectedHandshake): HandshakeResult {
  return validateServerResponseWith(computeAcceptKey, res, expected);
}
