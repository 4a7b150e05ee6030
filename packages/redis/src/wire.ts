// The message one node puts on a Redis channel for the others. Pure: bytes in, values
// or bytes out, no Redis, no Node built-ins, so another broker's adapter can share it.
//
//   offset  size  field
//   0       1     version, 0x01
//   1       1     flags: bit 0 set = binary message, clear = text; bits 1-7 reserved, 0
//   2       1     N, length of the node id, 1 to 32
//   3       N     node id of the publishing node (opaque bytes)
//   3 + N   rest  the message payload, as the publisher's server sent it (text is UTF-8)
//
// The node id lets every node drop the echo of its own publishes: a node has already
// delivered those to its local subscribers before it forwarded them.
import { isUtf8 } from '@websock/utf8';

export const WIRE_VERSION = 1;
export const MAX_NODE_ID_LENGTH = 32;
const FLAG_BINARY = 0x01;
const HEADER_LENGTH = 3;

/** Machine-readable codes of {@link WireError}. */
export const WireErrorCode = {
  /** Fewer bytes than a header with its node id. */
  Truncated: 'WS_REDIS_ERR_WIRE_TRUNCATED',
  /** A version byte this decoder does not know (a newer or foreign publisher). */
  UnknownVersion: 'WS_REDIS_ERR_WIRE_UNKNOWN_VERSION',
  /** A reserved flag bit is set. */
  ReservedFlags: 'WS_REDIS_ERR_WIRE_RESERVED_FLAGS',
  /** The node id length is 0 or over {@link MAX_NODE_ID_LENGTH}. */
  InvalidNodeIdLength: 'WS_REDIS_ERR_WIRE_NODE_ID_LENGTH',
  /** A text message whose payload is not valid UTF-8. */
  InvalidUtf8: 'WS_REDIS_ERR_WIRE_INVALID_UTF8',
} as const;

export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** A message read from Redis is not a valid wire message: another node (or another program) sent it. */
export class WireError extends Error {
  override readonly name = 'WireError';
  readonly code: WireErrorCode;

  constructor(code: WireErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** One decoded wire message. `payload` is a view into the decoded bytes, not a copy. */
export interface WireMessage {
  nodeId: Uint8Array;
  isBinary: boolean;
  payload: Uint8Array;
}

export type DecodedWireMessage = ({ ok: true } & WireMessage) | { ok: false; error: WireError };

/** Checks a node id for {@link encodeWireMessage}; throws a RangeError on local misuse. */
export function assertNodeId(nodeId: Uint8Array): void {
  if (!(nodeId instanceof Uint8Array) || nodeId.length === 0 || nodeId.length > MAX_NODE_ID_LENGTH) {
    throw new RangeError(`A node id must be 1 to ${MAX_NODE_ID_LENGTH} bytes`);
  }
}

/**
 * Encodes one message into a new buffer (one copy of the payload: Redis takes one
 * argument). `allocate` lets Node callers get a Buffer, which node-redis writes as is.
 */
export function encodeWireMessage(
  nodeId: Uint8Array,
  payload: Uint8Array,
  isBinary: boolean,
  allocate: (length: number) => Uint8Array = (length) => new Uint8Array(length),
): Uint8Array {
  assertNodeId(nodeId);
  const out = allocate(HEADER_LENGTH + nodeId.length + payload.length);
  out[0] = WIRE_VERSION;
  out[1] = isBinary ? FLAG_BINARY : 0;
  out[2] = nodeId.length;
  out.set(nodeId, HEADER_LENGTH);
  out.set(payload, HEADER_LENGTH + nodeId.length);
  return out;
}

/**
 * Decodes one complete message (Redis delivers whole messages, so there is nothing to
 * buffer). Never throws for bad input: returns `{ ok: false, error }` with its code.
 */
export function decodeWireMessage(bytes: Uint8Array): DecodedWireMessage {
  if (bytes.length < HEADER_LENGTH) {
    return fail(WireErrorCode.Truncated, `A wire message needs ${HEADER_LENGTH} header bytes, got ${bytes.length}`);
  }
  const version = bytes[0]!;
  if (version !== WIRE_VERSION) {
    return fail(WireErrorCode.UnknownVersion, `Unknown wire version ${version}, expected ${WIRE_VERSION}`);
  }
  const flags = bytes[1]!;
  if ((flags & ~FLAG_BINARY) !== 0) {
    return fail(WireErrorCode.ReservedFlags, `Reserved wire flags set: 0x${flags.toString(16).padStart(2, '0')}`);
  }
  const idLength = bytes[2]!;
  if (idLength === 0 || idLength > MAX_NODE_ID_LENGTH) {
    return fail(WireErrorCode.InvalidNodeIdLength, `Node id length ${idLength} is not 1 to ${MAX_NODE_ID_LENGTH}`);
  }
  const payloadStart = HEADER_LENGTH + idLength;
  if (bytes.length < payloadStart) {
    return fail(WireErrorCode.Truncated, `The node id needs ${idLength} bytes, got ${bytes.length - HEADER_LENGTH}`);
  }
  const isBinary = (flags & FLAG_BINARY) !== 0;
  const payload = bytes.subarray(payloadStart);
  if (!isBinary && !isUtf8(payload)) {
    return fail(WireErrorCode.InvalidUtf8, 'A text message carries invalid UTF-8');
  }
  return { ok: true, nodeId: bytes.subarray(HEADER_LENGTH, payloadStart), isBinary, payload };
}

/** True if the message at `bytes` was published by `nodeId`; false for anything else, bad input included. */
export function isFromNode(bytes: Uint8Array, nodeId: Uint8Array): boolean {
  const idLength = nodeId.length;
  if (bytes.length < HEADER_LENGTH + idLength || bytes[0] !== WIRE_VERSION || bytes[2] !== idLength) return false;
  for (let i = 0; i < idLength; i++) {
    if (bytes[HEADER_LENGTH + i] !== nodeId[i]) return false;
  }
  return true;
}

function fail(code: WireErrorCode, message: string): DecodedWireMessage {
  return { ok: false, error: new WireError(code, message) };
}
