// Node entry (`node` export condition): same API as index.ts, bulk work done by
// `buffer.isUtf8` (simdutf, SIMD-backed). The byte automaton only handles the few
// bytes of a sequence split across chunks, and the failing offset after a
// negative answer (the slow path runs only on invalid input).
import { isUtf8 as nativeIsUtf8 } from 'node:buffer';
import { or8, scanComplete } from './scan';
import { findErrorOffset, Utf8Validator as PortableUtf8Validator } from './validator';

/**
 * Below NATIVE_MIN bytes the native call (and the view it needs) costs more than
 * scanning in JavaScript, and so it does up to ASCII_NATIVE_MIN bytes of ASCII,
 * which the JavaScript scanner takes eight bytes at a time.
 */
const NATIVE_MIN = 96;
const ASCII_NATIVE_MIN = 256;

/** True if `bytes` is entirely well-formed UTF-8 (RFC 3629). */
export function isUtf8(bytes: Uint8Array): boolean {
  return nativeIsUtf8(bytes);
}

/**
 * Offset of the first byte at which `bytes` stops being a possible prefix of valid
 * UTF-8, `bytes.length` if it is a valid prefix cut off inside a sequence, or -1
 * if the whole buffer is valid.
 */
export function utf8ErrorOffset(bytes: Uint8Array): number {
  return nativeIsUtf8(bytes) ? -1 : findErrorOffset(bytes, 0, bytes.length);
}

/**
 * Incremental, fail-fast UTF-8 validator for a message that arrives in pieces.
 *
 * `write()` returns `false` on the first chunk that contains a byte after which
 * no continuation could make the stream valid (for example `F4 90`, `ED A0`, a
 * lone `C0`, or a stray continuation byte) and keeps returning `false` until
 * `reset()`. `end()` additionally rejects a stream that stops inside a sequence.
 */
export class Utf8Validator extends PortableUtf8Validator {
  protected override scanComplete(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length < NATIVE_MIN) return scanComplete(bytes, start, end);
    if (length < ASCII_NATIVE_MIN && ((or8(bytes, start) | or8(bytes, end - 8)) & 0x80) === 0) {
      // Starts and ends with ASCII: most likely ASCII throughout.
      return scanComplete(bytes, start, end);
    }
    // Cut before a sequence that the chunk ends in the middle of: its lead byte is
    // one of the last three bytes. The automaton validates those bytes instead.
    let cut = end;
    const floor = Math.max(start, end - 3);
    for (let j = end - 1; j >= floor; j--) {
      const b = bytes[j]!;
      if ((b & 0xc0) === 0x80) continue;
      if (b >= 0xc0 && j + (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) > end) cut = j;
      break;
    }
    // A plain Uint8Array view is cheaper than subarray() on a Buffer (no species lookup).
    const middle =
      start === 0 && cut === bytes.length ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset + start, cut - start);
    if (nativeIsUtf8(middle)) return cut;
    // Invalid somewhere: let the portable scanner stop at the exact sequence.
    return scanComplete(bytes, start, end);
  }
}
