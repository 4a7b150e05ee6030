import type { OutFrame } from '../frame-writer.js';

/**
 * The server peer's own frame encoder: frames go out UNMASKED, as a server sends
 * them (RFC 6455 §5.1). It shares no code with @websock/frame (an oracle built from
 * the code under test would agree with its bugs), and it writes what a correct
 * server never would when a case asks: reserved opcodes, RSV bits, fragmented or
 * over-long control frames, and masked frames (`mask: key`), which a client must
 * reject with 1002.
 */

const encoder = new TextEncoder();

export function payloadBytes(data: Uint8Array | string | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export function serverHeaderLength(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  return masked ? base + 4 : base;
}

/**
 * One frame as a server writes it. `mask` defaults to none; a `Uint8Array` key
 * masks the frame (a violation from a server, used by the masked-frame cases).
 */
export function encodeServerFrame(frame: OutFrame): Uint8Array {
  const payload = payloadBytes(frame.payload);
  const key = frame.mask instanceof Uint8Array ? frame.mask : null;
  const length = payload.length;
  const out = new Uint8Array(serverHeaderLength(length, key !== null) + length);
  out[0] = ((frame.fin ?? true) ? 0x80 : 0) | (((frame.rsv ?? 0) & 7) << 4) | (frame.opcode & 0x0f);
  const maskBit = key ? 0x80 : 0;
  let p = 2;
  if (length < 126) out[1] = maskBit | length;
  else if (length < 0x10000) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length & 0xff;
    p = 4;
  } else {
    out[1] = maskBit | 127;
    // 2^53 is far beyond any test payload: the top 32 bits come from a division.
    const high = Math.floor(length / 0x100000000);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    view.setUint32(2, high);
    view.setUint32(6, length >>> 0);
    p = 10;
  }
  if (key) {
    out.set(key.subarray(0, 4), p);
    p += 4;
    for (let i = 0; i < length; i++) out[p + i] = (payload[i] as number) ^ (key[i & 3] as number);
  } else out.set(payload, p);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const StripState = { Byte0: 0, Byte1: 1, ExtendedLength: 2, MaskKey: 3, Payload: 4 } as const;
type StripState = (typeof StripState)[keyof typeof StripState];

/**
 * Turns a stream of client-encoded (masked) frames into the same frames as a server
 * sends them: the mask bit cleared, the key dropped, the payload unmasked. The case
 * scripts of `src/cases.ts` are written for the client-side peer and some hand it
 * pre-encoded bytes (one frame in timed chops in 6.4.3/6.4.4, back-to-back frames in
 * 7.1.6, fragmented messages in 9.x/10.x); replayed through this, every chop keeps
 * its place in the payload, so timing-sensitive cases stay what they were.
 *
 * It works octet by octet across calls (a chop may end anywhere, even inside the
 * header); only the key octets produce no output. Unmasked input frames pass through.
 */
export class MaskStripper {
  private state: StripState = StripState.Byte0;
  private lengthBytesLeft = 0;
  private remaining = 0;
  private masked = false;
  private readonly key = new Uint8Array(4);
  private keyFill = 0;
  private offset = 0;

  /** Whether the stream ends on a frame boundary. */
  get atFrameBoundary(): boolean {
    return this.state === StripState.Byte0;
  }

  push(input: Uint8Array): Uint8Array {
    const out = new Uint8Array(input.length);
    let o = 0;
    let i = 0;
    while (i < input.length) {
      switch (this.state) {
        case StripState.Byte0:
          out[o++] = input[i++] as number;
          this.state = StripState.Byte1;
          break;
        case StripState.Byte1: {
          const b1 = input[i++] as number;
          this.masked = (b1 & 0x80) !== 0;
          out[o++] = b1 & 0x7f;
          const len = b1 & 0x7f;
          this.remaining = 0;
          if (len === 126 || len === 127) {
            this.lengthBytesLeft = len === 126 ? 2 : 8;
            this.state = StripState.ExtendedLength;
          } else {
            this.remaining = len;
            this.afterLength();
          }
          break;
        }
        case StripState.ExtendedLength:
          this.remaining = this.remaining * 256 + (input[i] as number);
          out[o++] = input[i++] as number;
          if (--this.lengthBytesLeft === 0) this.afterLength();
          break;
        case StripState.MaskKey:
          this.key[this.keyFill++] = input[i++] as number;
          if (this.keyFill === 4) this.afterKey();
          break;
        case StripState.Payload: {
          const n = Math.min(this.remaining, input.length - i);
          if (this.masked) {
            const key = this.key;
            let offset = this.offset;
            for (let k = 0; k < n; k++, offset++) out[o + k] = (input[i + k] as number) ^ (key[offset & 3] as number);
          } else out.set(input.subarray(i, i + n), o);
          o += n;
          i += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = StripState.Byte0;
          break;
        }
      }
    }
    return out.subarray(0, o);
  }

  private afterLength(): void {
    if (this.masked) {
      this.keyFill = 0;
      this.state = StripState.MaskKey;
    } else this.afterKey();
  }

  private afterKey(): void {
    this.offset = 0;
    this.state = this.remaining === 0 ? StripState.Byte0 : StripState.Payload;
  }
}
