// Portable entry: pure TypeScript, runs anywhere a Uint8Array does.
import { scanComplete } from './scan';
import { findErrorOffset } from './validator';

export { Utf8Validator } from './validator';

/** True if `bytes` is entirely well-formed UTF-8 (RFC 3629). */
export function isUtf8(bytes: Uint8Array): boolean {
  return scanComplete(bytes, 0, bytes.length) === bytes.length;
}

/**
 * Offset of the first byte at which `bytes` stops being a possible prefix of valid
 * UTF-8, `bytes.length` if it is a valid prefix cut off inside a sequence, or -1
 * if the whole buffer is valid.
 */
export function utf8ErrorOffset(bytes: Uint8Array): number {
  return findErrorOffset(bytes, 0, bytes.length);
}
