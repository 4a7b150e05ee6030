import { simdAvailable, xorSimd } from './mask-simd.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Kernel choice by length, measured on V8 (Node 20) with apps/bench/src/micro/frame.ts:
 * an unrolled byte loop costs about 0.5 ns per byte with no set-up, while the other
 * two kernels pay a fixed cost (a typed-array view, or the copies in and out of
 * WebAssembly memory) that the byte loop only exceeds from about 64 bytes on.
 */
export const SIMD_MIN = 64;
/** Without WebAssembly SIMD, the 32-bit word loop overtakes the byte loop from here. */
export const WORD_LOOP_MIN = 192;

/**
 * The XOR kernel behind every mask operation: XORs `length` bytes of `src` from
 * `srcStart` into `dst` from `dstStart` with the 4-byte key at `key[keyOffset..+4]`,
 * starting at key byte `phase & 3`. `src` and `dst` may be the same array at the same
 * offset (in place); partially overlapping ranges are not supported. No bounds checks:
 * callers validate.
 */
export function xorMask(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  length: number,
  key: Uint8Array,
  keyOffset: number,
  phase: number,
): void {
  const word = key[keyOffset]! | (key[keyOffset + 1]! << 8) | (key[keyOffset + 2]! << 16) | (key[keyOffset + 3]! << 24);
  xorMaskWord(src, srcStart, dst, dstStart, length, word, phase);
}

/**
 * `xorMask` with the key as one number: key byte i in bits 8i..8i+7 (the key's bytes read
 * little-endian). A parser keeps its current key this way, in a field rather than in a
 * 4-byte array of its own per connection.
 */
export function xorMaskWord(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  length: number,
  word: number,
  phase: number,
): void {
  const shift = (phase & 3) << 3;
  // The key rotated to the phase of the first byte.
  const rotated = shift === 0 ? word : (word >>> shift) | (word << (32 - shift));
  const k0 = rotated & 0xff;
  const k1 = (rotated >>> 8) & 0xff;
  const k2 = (rotated >>> 16) & 0xff;
  const k3 = rotated >>> 24;
  if (length >= SIMD_MIN && simdAvailable()) {
    xorSimd(src, srcStart, dst, dstStart, length, rotated >>> 0);
    return;
  }
  if (length < WORD_LOOP_MIN) {
    xorBytes(src, srcStart, dst, dstStart, length, k0, k1, k2, k3);
    return;
  }
  if (src !== dst || srcStart !== dstStart) dst.set(src.subarray(srcStart, srcStart + length), dstStart);
  xorWordsInPlace(dst, dstStart, length, k0, k1, k2, k3);
}

function xorBytes(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  length: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): void {
  let i = 0;
  const quads = length & ~3;
  for (; i < quads; i += 4) {
    dst[dstStart + i] = src[srcStart + i]! ^ k0;
    dst[dstStart + i + 1] = src[srcStart + i + 1]! ^ k1;
    dst[dstStart + i + 2] = src[srcStart + i + 2]! ^ k2;
    dst[dstStart + i + 3] = src[srcStart + i + 3]! ^ k3;
  }
  if (i < length) dst[dstStart + i] = src[srcStart + i]! ^ k0;
  if (i + 1 < length) dst[dstStart + i + 1] = src[srcStart + i + 1]! ^ k1;
  if (i + 2 < length) dst[dstStart + i + 2] = src[srcStart + i + 2]! ^ k2;
}

/**
 * XORs 32 bits at a time through an Int32Array view. Typed-array views need an aligned
 * byte offset, so the bytes before the first 4-byte boundary of the underlying buffer
 * go through the byte path and the key is rotated to match.
 */
export function xorWordsInPlace(
  buf: Uint8Array,
  start: number,
  length: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
): void {
  let i = start;
  const end = start + length;
  const misalign = (buf.byteOffset + i) & 3;
  if (misalign !== 0) {
    const head = Math.min(4 - misalign, length);
    xorBytes(buf, i, buf, i, head, k0, k1, k2, k3);
    i += head;
    // Rotate the key so k0 is again the key byte of position i.
    for (let r = 0; r < head; r++) {
      const t = k0;
      k0 = k1;
      k1 = k2;
      k2 = k3;
      k3 = t;
    }
  }
  const words = (end - i) >>> 2;
  if (words > 0) {
    const view = new Int32Array(buf.buffer, buf.byteOffset + i, words);
    const k = LITTLE_ENDIAN ? k0 | (k1 << 8) | (k2 << 16) | (k3 << 24) : (k0 << 24) | (k1 << 16) | (k2 << 8) | k3;
    let w = 0;
    // Unrolled: V8 does not vectorise, so fewer loop-condition checks per word is the win.
    const unrolled = words - 7;
    for (; w < unrolled; w += 8) {
      view[w] = view[w]! ^ k;
      view[w + 1] = view[w + 1]! ^ k;
      view[w + 2] = view[w + 2]! ^ k;
      view[w + 3] = view[w + 3]! ^ k;
      view[w + 4] = view[w + 4]! ^ k;
      view[w + 5] = view[w + 5]! ^ k;
      view[w + 6] = view[w + 6]! ^ k;
      view[w + 7] = view[w + 7]! ^ k;
    }
    for (; w < words; w++) view[w] = view[w]! ^ k;
  }
  i += words << 2;
  xorBytes(buf, i, buf, i, end - i, k0, k1, k2, k3);
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 4) {
    throw new TypeError('The masking key must be a Uint8Array of exactly 4 bytes');
  }
}

function checkPhase(phase: number): void {
  if (!Number.isInteger(phase) || phase < 0) throw new RangeError(`Invalid mask phase: ${phase}`);
}

/**
 * XORs `data` in place with the 4-byte masking `key` (RFC 6455 §5.3). Masking and
 * unmasking are the same operation. `phase` is the position of `data[0]` within the
 * frame's payload (only `phase % 4` matters), so a payload processed in pieces stays
 * in step with its key.
 */
export function applyMask(data: Uint8Array, key: Uint8Array, phase = 0): void {
  checkKey(key);
  checkPhase(phase);
  xorMask(data, 0, data, 0, data.length, key, 0, phase);
}

/**
 * Writes `source` XOR `key` into `target` starting at `targetOffset`, leaving `source`
 * untouched (RFC 6455 §5.3). `phase` is the payload position of `source[0]`. Throws a
 * RangeError when `target` has no room for all of `source`.
 */
export function maskInto(source: Uint8Array, key: Uint8Array, target: Uint8Array, targetOffset = 0, phase = 0): void {
  checkKey(key);
  checkPhase(phase);
  if (!Number.isInteger(targetOffset) || targetOffset < 0 || targetOffset + source.length > target.length) {
    throw new RangeError(
      `maskInto: ${source.length} bytes do not fit in a target of ${target.length} bytes at offset ${targetOffset}`,
    );
  }
  if (source.buffer === target.buffer) {
    const a = source.byteOffset;
    const b = target.byteOffset + targetOffset;
    if (a !== b && a < b + source.length && b < a + source.length) {
      throw new RangeError('maskInto: source and target ranges overlap (only the exact same range may be shared)');
    }
  }
  xorMask(source, 0, target, targetOffset, source.length, key, 0, phase);
}
