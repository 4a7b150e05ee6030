import { FrameError, FrameErrorCode } from './errors.js';

/** The fields of a decoded frame header (RFC 6455 §5.2). */
export interface FrameHeader {
  fin: boolean;
  /** RSV1-3 as a 3-bit number, see `Rsv`. */
  rsv: number;
  opcode: number;
  masked: boolean;
  payloadLength: number;
  /** A copy of the 4-byte masking key, or null for an unmasked frame. */
  maskKey: Uint8Array | null;
  /** Bytes the header occupies: 2 to 14. */
  headerLength: number;
}

const TWO_32 = 2 ** 32;

/** Header size in bytes for a payload of `payloadLength` bytes: 2, 4 or 10, plus 4 when masked. */
export function frameHeaderLength(payloadLength: number, masked = false): number {
  return (payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

/** Throws for values that cannot be represented in the header's bit fields. */
export function checkHeaderFields(opcode: number, payloadLength: number, rsv: number): void {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) {
    throw new RangeError(`Invalid opcode ${opcode}: must be an integer from 0 to 15`);
  }
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`Invalid payload length ${payloadLength}: must be a safe non-negative integer`);
  }
  if (!Number.isInteger(rsv) || rsv < 0 || rsv > 7) {
    throw new RangeError(`Invalid rsv ${rsv}: must be an integer from 0 to 7 (see Rsv)`);
  }
}

/**
 * Writes a header at `target[offset]` without any checks and returns the offset past
 * it. With `maskKey`, the four key bytes at `maskKey[maskKeyOffset..]` follow the
 * length; with null, the MASK bit is clear.
 */
export function writeFrameHeader(
  target: Uint8Array,
  offset: number,
  opcode: number,
  payloadLength: number,
  fin: boolean,
  rsv: number,
  maskKey: Uint8Array | null,
  maskKeyOffset: number,
): number {
  let o = offset;
  target[o++] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  const maskBit = maskKey === null ? 0 : 0x80;
  if (payloadLength < 126) {
    target[o++] = maskBit | payloadLength;
  } else if (payloadLength < 65536) {
    target[o++] = maskBit | 126;
    target[o++] = payloadLength >>> 8;
    target[o++] = payloadLength & 0xff;
  } else {
    target[o++] = maskBit | 127;
    const hi = Math.floor(payloadLength / TWO_32);
    const lo = payloadLength >>> 0;
    target[o++] = hi >>> 24;
    target[o++] = (hi >>> 16) & 0xff;
    target[o++] = (hi >>> 8) & 0xff;
    target[o++] = hi & 0xff;
    target[o++] = lo >>> 24;
    target[o++] = (lo >>> 16) & 0xff;
    target[o++] = (lo >>> 8) & 0xff;
    target[o++] = lo & 0xff;
  }
  if (maskKey !== null) {
    target[o++] = maskKey[maskKeyOffset]!;
    target[o++] = maskKey[maskKeyOffset + 1]!;
    target[o++] = maskKey[maskKeyOffset + 2]!;
    target[o++] = maskKey[maskKeyOffset + 3]!;
  }
  return o;
}

/**
 * Encodes a frame header: 2, 4 or 10 bytes (plus 4 with a masking key), using the
 * minimal length encoding RFC 6455 §5.2 requires. This is the raw bit-level codec: it
 * only checks that each value fits its field, not the protocol rules (control frame
 * size, reserved opcodes) that `encodeFrame` enforces. Passing `maskKey` sets the MASK
 * bit and appends the key; the caller then masks the payload with it.
 */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  fin = true,
  rsv = 0,
  maskKey?: Uint8Array,
): Uint8Array {
  checkHeaderFields(opcode, payloadLength, rsv);
  if (maskKey !== undefined && (!(maskKey instanceof Uint8Array) || maskKey.length !== 4)) {
    throw new TypeError('The masking key must be a Uint8Array of exactly 4 bytes');
  }
  const key = maskKey ?? null;
  const header = new Uint8Array(frameHeaderLength(payloadLength, key !== null));
  writeFrameHeader(header, 0, opcode, payloadLength, fin, rsv, key, 0);
  return header;
}

/**
 * Decodes the frame header at `bytes[offset]`, or returns null when the header is not
 * complete yet. A raw decoder: it applies no role, RSV, opcode or size rules (that is
 * FrameParser's job) and only throws a FrameError for a 64-bit length that has its most
 * significant bit set (`WS_ERR_INVALID_PAYLOAD_LENGTH`, 1002) or that is legal but exceeds
 * Number.MAX_SAFE_INTEGER (`WS_ERR_MESSAGE_TOO_BIG`, 1009).
 */
export function decodeFrameHeader(bytes: Uint8Array, offset = 0): FrameHeader | null {
  const available = bytes.length - offset;
  if (available < 2) return null;
  const b0 = bytes[offset]!;
  const b1 = bytes[offset + 1]!;
  const masked = (b1 & 0x80) !== 0;
  let payloadLength = b1 & 0x7f;
  const headerLength = frameHeaderLength(payloadLength === 126 ? 126 : payloadLength === 127 ? 65536 : 0, masked);
  if (available < headerLength) return null;
  let p = offset + 2;
  if (payloadLength === 126) {
    payloadLength = (bytes[p]! << 8) | bytes[p + 1]!;
    p += 2;
  } else if (payloadLength === 127) {
    payloadLength = readLength64(bytes, p);
    if (payloadLength > Number.MAX_SAFE_INTEGER) throw payloadTooBig(payloadLength, Number.MAX_SAFE_INTEGER);
    p += 8;
  }
  return {
    fin: (b0 & 0x80) !== 0,
    rsv: (b0 >> 4) & 7,
    opcode: b0 & 0x0f,
    masked,
    payloadLength,
    maskKey: masked ? bytes.slice(p, p + 4) : null,
    headerLength,
  };
}

/**
 * Reads a 64-bit big-endian payload length. A set most significant bit is malformed
 * (RFC 6455 §5.2) and throws; any other length is legal and returned, but one above
 * Number.MAX_SAFE_INTEGER (2^53 - 1) cannot be represented exactly: it comes back as
 * `Infinity`, so that it exceeds every limit and is refused as too big (1009), never as
 * malformed.
 */
export function readLength64(bytes: Uint8Array, p: number): number {
  const hi = ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
  const lo = ((bytes[p + 4]! << 24) | (bytes[p + 5]! << 16) | (bytes[p + 6]! << 8) | bytes[p + 7]!) >>> 0;
  if (hi > 0x7fffffff) throw invalidLength64();
  // Number.MAX_SAFE_INTEGER is 2^53 - 1: the high word may use 21 bits.
  if (hi > 0x1fffff) return Number.POSITIVE_INFINITY;
  return hi * TWO_32 + lo;
}

export function invalidLength64(): FrameError {
  return new FrameError(
    FrameErrorCode.InvalidPayloadLength,
    'Invalid payload length: the most significant bit of a 64-bit length must be 0',
  );
}

/** A legal length over `limit`: refused with 1009 from the header, before any payload is read. */
export function payloadTooBig(length: number, limit: number): FrameError {
  const announced = Number.isFinite(length) ? String(length) : 'above Number.MAX_SAFE_INTEGER';
  const max = Math.min(limit, Number.MAX_SAFE_INTEGER);
  return new FrameError(FrameErrorCode.MessageTooBig, `Payload length ${announced} exceeds the limit of ${max} bytes`);
}
