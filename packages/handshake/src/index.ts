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

export { computeAcceptKey } from './accept.js';
export * from './exports.js';

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
