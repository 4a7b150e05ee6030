import { concatBytes, encodeFrame, headerLength, type OutFrame, toBytes } from '../frame-writer.js';

/**
 * The server peer's frames: they go out UNMASKED, as a server sends them (RFC 6455
 * §5.1), through the client peer's encoder. It shares no code with @websock/frame (an oracle built from
 * the code under test would agree with its bugs), and it writes what a correct
 * server never would when a case asks: reserved opcodes, RSV bits, fragmented or
 * over-long control frames, and masked frames (`mask: key`), which a client must
 * reject with 1002.
 */

/** Payload bytes of a frame: the client peer's helper. */
export const payloadBytes = toBytes;
/** Header length of a frame: the client peer's helper. */
export const serverHeaderLength = headerLength;
/** Buffers back to back: the client peer's helper. */
export const concat = concatBytes;

/**
 * One frame as a server writes it: the client peer's encoder, with `mask` meaning
 * "none" by default; a `Uint8Array` key masks the frame (a violation from a server,
 * used by the masked-frame cases).
 */
export function encodeServerFrame(frame: OutFrame): Uint8Array {
  return encodeFrame({ ...frame, mask: frame.mask instanceof Uint8Array ? frame.mask : false });
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
