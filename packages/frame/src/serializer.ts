import { checkHeaderFields, frameHeaderLength, writeFrameHeader } from './header.js';
import { xorMask } from './mask.js';
import { isControlOpcode, isReservedOpcode, MAX_CONTROL_PAYLOAD_LENGTH } from './opcode.js';
import { allocPooled } from './pool.js';
import { writeRandomMaskKey } from './random.js';

export interface EncodeFrameOptions {
  /** Final fragment of the message. Default true. */
  fin?: boolean;
  /** RSV1-3 as a 3-bit number (see `Rsv`). Default 0. */
  rsv?: number;
  /**
   * Mask the payload (the client role must, RFC 6455 §5.3). `true` draws a fresh key
   * from a pooled `crypto.getRandomValues` buffer; a 4-byte Uint8Array is used as the
   * key (for tests and reproducible output: never reuse keys on a real connection).
   * Default false.
   */
  mask?: boolean | Uint8Array;
  /**
   * Mask the caller's payload buffer in place instead of into a fresh buffer. Faster and
   * allocation-free, but it overwrites the caller's data: use it only for buffers you
   * own and will not read again. Default false: the masked copy is a new buffer (up to
   * 4 KiB carved from a shared slab, like Node's Buffer.allocUnsafe, so its `.buffer`
   * is shared; write it out, do not reach around it).
   */
  maskInPlace?: boolean;
  /**
   * Allocates the masked copy when `maskInPlace` is false (every byte is overwritten).
   * Default: a slab-pooled buffer up to 4 KiB, else `new Uint8Array(length)`. On Node,
   * `Buffer.allocUnsafe` avoids the zero fill of large copies. Ignored by encodeFrameInto.
   */
  allocate?: ((length: number) => Uint8Array) | undefined;
  /**
   * Enforce the RFC 6455 rules a sender must follow: no reserved opcodes, control frames
   * final and at most 125 bytes. Turn off only to produce invalid frames on purpose (for
   * conformance tests). Field ranges are always checked. Default true.
   */
  validate?: boolean;
}

const EMPTY = new Uint8Array(0);

function checkFrame(opcode: number, payloadLength: number, fin: boolean, rsv: number, validate: boolean): void {
  checkHeaderFields(opcode, payloadLength, rsv);
  if (!validate) return;
  if (isReservedOpcode(opcode)) throw new RangeError(`Opcode ${opcode} is reserved (RFC 6455 §5.2)`);
  if (isControlOpcode(opcode)) {
    if (!fin) throw new RangeError('Control frames must not be fragmented (RFC 6455 §5.5)');
    if (payloadLength > MAX_CONTROL_PAYLOAD_LENGTH) {
      throw new RangeError(
        `Control frame payload of ${payloadLength} bytes exceeds ${MAX_CONTROL_PAYLOAD_LENGTH} (RFC 6455 §5.5)`,
      );
    }
  }
}

function checkPayload(payload: Uint8Array): void {
  if (!(payload instanceof Uint8Array)) throw new TypeError('The payload must be a Uint8Array');
}

function explicitKey(mask: boolean | Uint8Array | undefined): Uint8Array | null {
  if (mask === undefined || typeof mask === 'boolean') return null;
  if (!(mask instanceof Uint8Array) || mask.length !== 4) {
    throw new TypeError('options.mask must be a boolean or a Uint8Array of exactly 4 bytes');
  }
  return mask;
}

/**
 * Serializes one frame as `[header, payload]`, two buffers to hand to `writev` or to
 * write between `cork()` and `uncork()` so the payload is never copied to prepend the
 * header. Unmasked, the returned payload is the caller's buffer itself. Masked, it is a
 * masked copy (see `maskInPlace` for where it lives), or the caller's buffer masked in
 * place with `maskInPlace`.
 * Throws RangeError/TypeError for invalid arguments.
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options?: EncodeFrameOptions,
): [header: Uint8Array, payload: Uint8Array] {
  checkPayload(payload);
  const fin = options?.fin ?? true;
  const rsv = options?.rsv ?? 0;
  const length = payload.length;
  checkFrame(opcode, length, fin, rsv, options?.validate ?? true);
  const mask = options?.mask;
  if (mask === undefined || mask === false) {
    const header = new Uint8Array(length < 126 ? 2 : length < 65536 ? 4 : 10);
    writeFrameHeader(header, 0, opcode, length, fin, rsv, null, 0);
    return [header, payload];
  }
  const key = explicitKey(mask);
  const headerLength = frameHeaderLength(length, true);
  const header = new Uint8Array(headerLength);
  const keyOffset = headerLength - 4;
  if (key === null) {
    // Write a placeholder key, then overwrite it with the random one in the header itself.
    writeFrameHeader(header, 0, opcode, length, fin, rsv, header, keyOffset);
    writeRandomMaskKey(header, keyOffset);
  } else {
    writeFrameHeader(header, 0, opcode, length, fin, rsv, key, 0);
  }
  if (length === 0) return [header, EMPTY];
  let out = payload;
  if (options?.maskInPlace !== true) {
    const allocate = options?.allocate;
    if (allocate === undefined) {
      out = allocPooled(length);
    } else {
      out = allocate(length);
      if (!(out instanceof Uint8Array) || out.length !== length) {
        throw new TypeError(`options.allocate(${length}) must return a Uint8Array of exactly that length`);
      }
    }
  }
  xorMask(payload, 0, out, 0, length, header, keyOffset, 0);
  return [header, out];
}

/** Total bytes of a frame (header and payload) carrying `payloadLength` bytes. */
export function encodedFrameLength(payloadLength: number, masked = false): number {
  return frameHeaderLength(payloadLength, masked) + payloadLength;
}

/**
 * Writes a whole frame (header, then the payload, masked if asked) into `target` at
 * `offset` and returns the offset just past it. For small frames one combined buffer
 * (one write) is cheaper than two; size `target` with `encodedFrameLength()`. The
 * caller's payload is never modified (`maskInPlace` is ignored). Throws RangeError when
 * the frame does not fit.
 */
export function encodeFrameInto(
  target: Uint8Array,
  offset: number,
  opcode: number,
  payload: Uint8Array,
  options?: EncodeFrameOptions,
): number {
  checkPayload(payload);
  const fin = options?.fin ?? true;
  const rsv = options?.rsv ?? 0;
  const length = payload.length;
  checkFrame(opcode, length, fin, rsv, options?.validate ?? true);
  const mask = options?.mask;
  const masked = mask !== undefined && mask !== false;
  const key = explicitKey(mask);
  const total = frameHeaderLength(length, masked) + length;
  if (!Number.isInteger(offset) || offset < 0 || offset + total > target.length) {
    throw new RangeError(`A frame of ${total} bytes does not fit in ${target.length} bytes at offset ${offset}`);
  }
  if (!masked) {
    const start = writeFrameHeader(target, offset, opcode, length, fin, rsv, null, 0);
    target.set(payload, start);
    return start + length;
  }
  const keyOffset = offset + total - length - 4;
  let start: number;
  if (key === null) {
    start = writeFrameHeader(target, offset, opcode, length, fin, rsv, target, keyOffset);
    writeRandomMaskKey(target, keyOffset);
  } else {
    start = writeFrameHeader(target, offset, opcode, length, fin, rsv, key, 0);
  }
  xorMask(payload, 0, target, start, length, target, keyOffset, 0);
  return start + length;
}
