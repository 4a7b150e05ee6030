// Just enough of RFC 6455 for a load generator: build client frames once, count server frames.
// Deliberately independent of the packages under test, so a bug there cannot flatter the numbers.

import { createHash } from 'node:crypto';

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A fixed key is fine: every server must answer it, and no server may care that it repeats. */
export const CLIENT_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
/** For FrameCounter: count text and binary messages alike (the soak mixes both on one connection). */
export const ANY_DATA = -1;

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

export function upgradeRequest(port: number, extensions?: string): Buffer {
  const lines = [
    'GET / HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${CLIENT_KEY}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (extensions) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** A masked client frame; built once per distinct payload and written many times. */
export function clientFrame(opcode: number, payload: Uint8Array, rsv1 = false): Buffer {
  const n = payload.length;
  const lenBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = 2 + lenBytes + 4;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  if (lenBytes === 0) {
    frame[1] = 0x80 | n;
  } else if (lenBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  // A fixed, non-trivial key: every byte of the payload really changes under the mask.
  const key = [0x37, 0xfa, 0x21, 0x3d];
  for (let i = 0; i < 4; i++) frame[head - 4 + i] = key[i]!;
  for (let i = 0; i < n; i++) frame[head + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

/** `count` copies of `frame` back to back, so a pipelined burst of k frames is one write of a prefix. */
export function repeatFrame(frame: Uint8Array, count: number): Buffer {
  const out = Buffer.allocUnsafe(frame.length * count);
  for (let i = 0; i < count; i++) out.set(frame, i * frame.length);
  return out;
}

export function closePayload(code: number): Uint8Array {
  return Uint8Array.of(code >> 8, code & 0xff);
}

/** ASCII, so a text frame of it is valid UTF-8 and every server's validator has real work. */
export function asciiPayload(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = 0x61 + (i % 26);
  return out;
}

/**
 * Distinct JSON-like messages of exactly `size` bytes (ASCII): records with ids, prices and
 * words from a small vocabulary, so compression finds the structure real traffic has and each
 * message differs from the others (unlike `asciiPayload`, which any compressor shrinks 50-fold).
 */
export function jsonPayloads(size: number, count: number): Buffer[] {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'user', 'name', 'value', 'price', 'status', 'ok', 'items', 'qty'];
  let seed = 0x2545f491;
  const next = (range: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % range;
  };
  return Array.from({ length: count }, () => {
    let text = '';
    while (text.length < size) {
      const word = () => words[next(words.length)]!;
      text += `{"id":${next(1_000_000)},"${word()}":"${word()}","price":${next(10_000) / 100},"tags":["${word()}"]},`;
    }
    return Buffer.from(text.slice(0, size), 'latin1');
  });
}

/**
 * Counts complete frames in a byte stream without copying payloads. Server frames are unmasked,
 * but a mask bit is honoured anyway so a misbehaving server is counted, not misparsed.
 */
export class FrameCounter {
  /** Payload bytes still to skip in the current frame (-1: between frames). */
  private remaining = -1;
  private readonly header = new Uint8Array(14);
  private headerLength = 0;
  private lastOpcode = 0;
  private lastFin = true;
  /** Frames seen with an opcode other than the expected data opcode (close frames included). */
  unexpected = 0;
  closeFrames = 0;
  /** Payload bytes of every frame header seen, as they are on the wire (compressed, when they are). */
  payloadBytes = 0;

  constructor(private readonly dataOpcode: number) {}

  /** Returns how many data messages completed in this chunk. */
  feed(chunk: Uint8Array): number {
    let frames = 0;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.remaining >= 0) {
        const take = Math.min(this.remaining, n - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) {
          this.remaining = -1;
          frames += this.finish();
        }
        continue;
      }
      // Fast path: the whole header is in this chunk and nothing is pending.
      if (this.headerLength === 0 && n - i >= 2) {
        const b1 = chunk[i + 1]!;
        const size = headerSize(b1);
        if (n - i >= size) {
          this.lastOpcode = chunk[i]! & 0x0f;
          this.lastFin = (chunk[i]! & 0x80) !== 0;
          const length = payloadLength(chunk, i, b1);
          this.payloadBytes += length;
          i += size;
          if (length === 0) frames += this.finish();
          else this.remaining = length;
          continue;
        }
      }
      this.header[this.headerLength++] = chunk[i++]!;
      if (this.headerLength >= 2) {
        const b1 = this.header[1]!;
        if (this.headerLength === headerSize(b1)) {
          this.lastOpcode = this.header[0]! & 0x0f;
          this.lastFin = (this.header[0]! & 0x80) !== 0;
          const length = payloadLength(this.header, 0, b1);
          this.payloadBytes += length;
          this.headerLength = 0;
          if (length === 0) frames += this.finish();
          else this.remaining = length;
        }
      }
    }
    return frames;
  }

  private finish(): number {
    // A server may fragment a large message: the message is complete at the frame with FIN.
    if (
      this.lastOpcode === this.dataOpcode ||
      this.lastOpcode === 0 ||
      (this.dataOpcode === ANY_DATA && (this.lastOpcode === OP_TEXT || this.lastOpcode === OP_BINARY))
    ) {
      return this.lastFin ? 1 : 0;
    }
    if (this.lastOpcode === OP_CLOSE) this.closeFrames++;
    else this.unexpected++;
    return 0;
  }
}

function headerSize(b1: number): number {
  const len = b1 & 0x7f;
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

function payloadLength(buf: Uint8Array, at: number, b1: number): number {
  const len = b1 & 0x7f;
  if (len < 126) return len;
  if (len === 126) return (buf[at + 2]! << 8) | buf[at + 3]!;
  let value = 0;
  for (let k = 2; k < 10; k++) value = value * 256 + buf[at + k]!;
  return value;
}
