// Hand-made WebSocket frames for tests (RFC 6455 §5.2), independent of @websock/frame.
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

export const TEXT = 1;
export const BINARY = 2;
export const CONT = 0;
export const CLOSE = 8;
export const PING = 9;
export const RSV1 = 4;

export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  mask?: boolean;
}

export function frame(opcode: number, payload: Uint8Array, spec: FrameSpec = {}): Uint8Array {
  const { fin = true, rsv = 0, mask = true } = spec;
  const n = payload.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const header = new Uint8Array(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  header[1] = (mask ? 0x80 : 0) | (n < 126 ? n : n < 65536 ? 126 : 127);
  const view = new DataView(header.buffer);
  if (lengthBytes === 2) view.setUint16(2, n);
  if (lengthBytes === 8) view.setBigUint64(2, BigInt(n));
  const out = new Uint8Array(header.length + n);
  out.set(header, 0);
  if (mask) {
    const key = [0x37, 0xfa, 0x21, 0x3d];
    out.set(key, 2 + lengthBytes);
    for (let i = 0; i < n; i++) out[header.length + i] = payload[i]! ^ key[i & 3]!;
  } else {
    out.set(payload, header.length);
  }
  return out;
}

/** Splits a message into frames of at most `size` bytes (0: one frame), RSV bits on the first only. */
export function fragment(opcode: number, payload: Uint8Array, size: number, rsv: number, mask = true): Uint8Array[] {
  if (size === 0 || payload.length <= size) return [frame(opcode, payload, { rsv, mask })];
  const frames: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const last = at + size >= payload.length;
    frames.push(
      frame(at === 0 ? opcode : CONT, payload.subarray(at, at + size), { fin: last, rsv: at === 0 ? rsv : 0, mask }),
    );
  }
  return frames;
}

export interface WrittenFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Uint8Array;
}

/** Decodes what a Connection handed to `write(header, payload)`, unmasking a client's frame. */
export function decodeWritten(header: Uint8Array, payload: Uint8Array): WrittenFrame {
  const masked = (header[1]! & 0x80) !== 0;
  let data = Uint8Array.from(payload);
  if (masked) {
    const key = header.subarray(header.length - 4);
    data = data.map((byte, i) => byte ^ key[i & 3]!);
  }
  return { fin: (header[0]! & 0x80) !== 0, rsv: (header[0]! >> 4) & 7, opcode: header[0]! & 0x0f, payload: data };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const TRAILER = Uint8Array.of(0, 0, 0xff, 0xff);

/** Reads everything a zlib stream produces for one write + sync flush. */
function run(stream: DeflateRaw | InflateRaw, ...inputs: Uint8Array[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onError = (error: Error) => {
      stream.off('data', onData);
      reject(error);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    for (const input of inputs) stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
  });
}

/**
 * An independent permessage-deflate peer built straight on node:zlib streams (the oracle):
 * `windowBits` exactly as negotiated (8 included), a context kept or dropped per message.
 */
export class OraclePeer {
  #deflater: DeflateRaw | null = null;
  #inflater: InflateRaw | null = null;

  constructor(
    readonly options: {
      deflateWindowBits: number;
      deflateResets: boolean;
      inflateWindowBits: number;
      inflateResets: boolean;
    },
  ) {}

  async compress(message: Uint8Array): Promise<Uint8Array> {
    // zlib cannot deflate with window 8; a real peer honouring 8 would need the same trick as ours.
    this.#deflater ??= createDeflateRaw({ windowBits: Math.max(9, this.options.deflateWindowBits) });
    const out = await run(this.#deflater, message);
    if (this.options.deflateResets) this.#deflater.reset();
    const n = out.length;
    if (out[n - 4] !== 0 || out[n - 3] !== 0 || out[n - 2] !== 0xff || out[n - 1] !== 0xff) {
      throw new Error('sync flush trailer missing');
    }
    return out.subarray(0, n - 4);
  }

  async decompress(payload: Uint8Array): Promise<Uint8Array> {
    this.#inflater ??= createInflateRaw({ windowBits: this.options.inflateWindowBits });
    const out = await run(this.#inflater, payload, TRAILER);
    if (this.options.inflateResets) {
      this.#inflater.close();
      this.#inflater = null;
    }
    return out;
  }

  close(): void {
    this.#deflater?.close();
    this.#inflater?.close();
  }
}

/** Deterministic text that compresses like real JSON traffic. */
export function jsonText(length: number, seed = 1): Uint8Array {
  const words = ['alpha', 'beta', 'gamma', 'user', 'name', 'value', 'price', 'status', 'ok', 'items', 'ünïcödé', '€'];
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  let text = '';
  while (text.length < length) {
    text += `{"id":${Math.floor(rnd() * 1e6)},"${words[Math.floor(rnd() * words.length)]}":"${words[Math.floor(rnd() * words.length)]}","n":${(rnd() * 100).toFixed(2)}},`;
  }
  // Cut on a character, then pad with ASCII to the exact byte length.
  const bytes = new TextEncoder().encode(text);
  let end = length;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  const out = new Uint8Array(length).fill(0x20);
  out.set(bytes.subarray(0, end));
  return out;
}

export function randomBytes(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const hex = (text: string): Uint8Array =>
  Uint8Array.from(text.split(/\s+/).filter(Boolean), (h) => Number.parseInt(h, 16));
