// Masking keys must be unpredictable to intermediaries (RFC 6455 §10.3), so they come
// from the platform CSPRNG. One getRandomValues call per key would dominate the cost
// of sending a small frame; a pool refilled 8 KiB at a time serves 2048 keys per call.
// Each key is handed out once and never reused.

const POOL_SIZE = 8192;

let pool: Uint8Array | null = null;
let poolOffset = POOL_SIZE;

function refill(): Uint8Array {
  const crypto = (globalThis as { crypto?: { getRandomValues?: <T extends Uint8Array>(array: T) => T } }).crypto;
  if (crypto?.getRandomValues === undefined) {
    throw new Error('@websock/frame: globalThis.crypto.getRandomValues is required to generate masking keys');
  }
  pool ??= new Uint8Array(POOL_SIZE);
  crypto.getRandomValues(pool);
  poolOffset = 0;
  return pool;
}

/** Writes four fresh random bytes to `target[offset..offset+4]`. */
export function writeRandomMaskKey(target: Uint8Array, offset: number): void {
  const bytes = poolOffset + 4 > POOL_SIZE || pool === null ? refill() : pool;
  const o = poolOffset;
  target[offset] = bytes[o]!;
  target[offset + 1] = bytes[o + 1]!;
  target[offset + 2] = bytes[o + 2]!;
  target[offset + 3] = bytes[o + 3]!;
  poolOffset = o + 4;
}

/** A fresh 4-byte masking key from a pooled `crypto.getRandomValues` buffer. */
export function randomMaskKey(): Uint8Array {
  const key = new Uint8Array(4);
  writeRandomMaskKey(key, 0);
  return key;
}
