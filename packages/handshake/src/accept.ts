import { encodeBase64 } from './base64.js';
import { sha1 } from './sha1.js';

/** The GUID RFC 6455 §1.3 appends to the key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** How the accept value is derived from a key; the Node entry swaps in node:crypto. */
export type AcceptKeyFunction = (key: string) => string;

const encoder = new TextEncoder();

/**
 * `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2 step 5.4): base64 of the
 * SHA-1 of the key (as sent, OWS already stripped) concatenated with the GUID. Portable version.
 */
export function computeAcceptKey(key: string): string {
  return encodeBase64(sha1(encoder.encode(key + WEBSOCKET_GUID)));
}

/**
 * Base64 of 16 bytes, padded and canonical: 21 characters carry 126 bits, the 22nd the last 2
 * (its 4 low bits zero: A, Q, g or w), then `==`. The same set `decodeBase64Strict` accepts
 * for 16 bytes, without decoding.
 */
const KEY_SYNTAX = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/** A valid key is base64 (padded, canonical) of exactly 16 bytes, so always 24 characters. */
export function isValidKey(key: string): boolean {
  return key.length === 24 && KEY_SYNTAX.test(key);
}

/** A fresh key: 16 bytes from the platform CSPRNG, base64-encoded (RFC 6455 §4.1). */
export function generateKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return encodeBase64(bytes);
}
