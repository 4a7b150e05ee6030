import { expect } from 'vitest';

/** Byte-by-byte reference masking (RFC 6455 §5.3): j = i MOD 4, out[i] = in[i] XOR key[j]. */
export function referenceMask(data: Uint8Array, key: Uint8Array, phase = 0): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[(i + phase) % 4]!;
  return out;
}

export function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Lower-case hex of the bytes (no Buffer: these tests also run in Chromium). */
export function hex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A Uint8Array subclass standing in for Node's Buffer (one too), to check that bytes from a
 * caller's `allocate` come back as they were made, in Node and in a browser alike.
 */
export class CallerBytes extends Uint8Array {}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Byte equality that stays fast for large arrays (vitest's deep equality is slow on them).
 * A plain loop, no Buffer: these tests also run in Chromium (tooling/browser).
 */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  let same = actual.length === expected.length;
  for (let i = 0; same && i < actual.length; i++) same = actual[i] === expected[i];
  if (!same) expect(Array.from(actual), message).toEqual(Array.from(expected));
}
