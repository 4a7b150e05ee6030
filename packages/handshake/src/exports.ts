// The exports both entries share. Each entry adds the three functions that depend on how
// the accept value is computed: node:crypto on Node (src/node.ts), portable SHA-1 elsewhere.
export { generateKey, isValidKey, WEBSOCKET_GUID } from './accept.js';
export type {
  ClientHandshake,
  ClientHandshakeOptions,
  ExpectedHandshake,
  HandshakeResponse,
  HandshakeResult,
} from './client.js';
export { createClientHandshake } from './client.js';
export type { HandshakeErrorOptions, HandshakeRejectionOptions } from './errors.js';
export {
  HandshakeError,
  HandshakeErrorCode,
  HandshakeRejection,
  isHandshakeError,
  isHandshakeRejection,
  RejectionCode,
} from './errors.js';
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
export { assertAcceptHeader, buildRejectionResponse } from './response.js';
export type { UpgradeRequest, UpgradeRequestInfo } from './server.js';
export { validateUpgradeRequest, WEBSOCKET_VERSION } from './server.js';
export { reasonPhrase } from './status.js';
