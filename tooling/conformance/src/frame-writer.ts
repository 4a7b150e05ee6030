import { randomFillSync } from 'node:crypto';

/**
 * The peer's own frame encoder. It deliberately shares no code with @websock/frame:
 * the conformance peer is an oracle, and an oracle built from the code under test
 * would agree with its bugs. It can also write what a correct encoder never would
 * (reserved opcodes, RSV bits, fragmented control frames, over-long control frames,
 * a declared length different from the bytes that follow), which is the point.
 */

export const Op = {
  Continuation: 0,
  Text: 1,
  Binary: 2,
  Close: 8,
  Ping: 9,
  Pong: 10,
} as const;

export interface OutFrame {
  opcode: number;
  payload?: Uint8Array | string;
  /** Default true. */
  fin?: boolean;
  /** 3-bit RSV value, `(byte0 >> 4) & 7`. Default 0. */
  rsv?: number;
  /** A client must mask: default is a fresh random key. `false` sends unmasked (a violation). */
  mask?: Uint8Array | false;
}

const encoder = new TextEncoder();

export function toBytes(data: Uint8Array | string | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === 'string' ? encoder.encode(data) : data;
}

const keyPool = new Uint8Array(4096);
let keyOffset = keyPool.length;

export function randomMaskKey(): Uint8Array {
  if (keyOffset + 4 > keyPool.length) {
    randomFillSync(keyPool);
    keyOffset = 0;
  }
  const key = keyPool.slice(keyOffset, keyOffset + 4);
  keyOffset += 4;
  return key;
}

/** XOR `src` with `key` into `dst` starting at `dstOffset`, word-wise where aligned. */
export function maskInto(src: Uint8Array, key: Uint8Array, dst: Uint8Array, dstOffset: number): void {
  const k0 = key[0] ?? 0;
  const k1 = key[1] ?? 0;
  const k2 = key[2] ?? 0;
  const k3 = key[3] ?? 0;
  const n = src.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = dstOffset + i;
    dst[o] = (src[i] as number) ^ k0;
    dst[o + 1] = (src[i + 1] as number) ^ k1;
    dst[o + 2] = (src[i + 2] as number) ^ k2;
    dst[o + 3] = (src[i + 3] as number) ^ k3;
  }
  for (; i < n; i++) dst[dstOffset + i] = (src[i] as number) ^ (key[i & 3] as number);
}

/** Length of the header for a payload of `length` bytes. */
export function headerLength(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  return masked ? base + 4 : base;
}

function writeHeader(
  out: Uint8Array,
  opcode: number,
  fin: boolean,
  rsv: number,
  length: number,
  key: Uint8Array | null,
): number {
  out[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  const maskBit = key ? 0x80 : 0;
  let p: number;
  if (length < 126) {
    out[1] = maskBit | length;
    p = 2;
  } else if (length < 0x10000) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length & 0xff;
    p = 4;
  } else {
    out[1] = maskBit | 127;
    const high = Math.floor(length / 0x100000000);
    const low = length >>> 0;
    out[2] = (high >>> 24) & 0xff;
    out[3] = (high >>> 16) & 0xff;
    out[4] = (high >>> 8) & 0xff;
    out[5] = high & 0xff;
    out[6] = low >>> 24;
    out[7] = (low >>> 16) & 0xff;
    out[8] = (low >>> 8) & 0xff;
    out[9] = low & 0xff;
    p = 10;
  }
  if (key) {
    out.set(key.subarray(0, 4), p);
    p += 4;
  }
  return p;
}

/** One frame, header and (masked) payload in a single buffer. */
export function encodeFrame(frame: OutFrame): Uint8Array {
  const payload = toBytes(frame.payload);
  const key = frame.mask === false ? null : (frame.mask ?? randomMaskKey());
  const out = new Uint8Array(headerLength(payload.length, key !== null) + payload.length);
  const p = writeHeader(out, frame.opcode, frame.fin ?? true, frame.rsv ?? 0, payload.length, key);
  if (key) maskInto(payload, key, out, p);
  else out.set(payload, p);
  return out;
}

/** Several frames back to back, as one buffer (one TCP write: "sent in one chop"). */
export function encodeFrames(frames: readonly OutFrame[]): Uint8Array {
  const parts = frames.map(encodeFrame);
  return concatBytes(parts);
}

/**
 * A whole message cut into data frames of at most `fragmentSize` payload bytes
 * (the first with the data opcode, the rest continuations), as one buffer.
 */
export function encodeFragmentedMessage(
  opcode: number,
  payload: Uint8Array,
  fragmentSize: number,
  rsv = 0,
): { bytes: Uint8Array; frames: number } {
  if (fragmentSize <= 0) throw new RangeError('fragmentSize must be positive');
  const count = Math.max(1, Math.ceil(payload.length / fragmentSize));
  let total = 0;
  for (let i = 0; i < count; i++) {
    const len = Math.min(fragmentSize, payload.length - i * fragmentSize);
    total += headerLength(len, true) + len;
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (let i = 0; i < count; i++) {
    const start = i * fragmentSize;
    const chunk = payload.subarray(start, Math.min(payload.length, start + fragmentSize));
    const key = randomMaskKey();
    p += writeHeader(
      out.subarray(p),
      i === 0 ? opcode : Op.Continuation,
      i === count - 1,
      i === 0 ? rsv : 0,
      chunk.length,
      key,
    );
    maskInto(chunk, key, out, p);
    p += chunk.length;
  }
  return { bytes: out, frames: count };
}

/** A close frame payload: code (if any) then reason bytes. */
export function closePayload(code?: number, reason: Uint8Array | string = ''): Uint8Array {
  if (code === undefined) return toBytes(reason);
  const r = toBytes(reason);
  const out = new Uint8Array(2 + r.length);
  out[0] = (code >>> 8) & 0xff;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/^0x/i, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new TypeError(`not a hex string: ${hex}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array, max = Number.POSITIVE_INFINITY): string {
  let s = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) s += (bytes[i] as number).toString(16).padStart(2, '0');
  return n < bytes.length ? `${s}...(${bytes.length} bytes)` : s;
}
