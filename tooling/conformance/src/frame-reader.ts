/**
 * The peers' own incremental frame reader (independent of @websock/frame, see
 * frame-writer.ts), used both by the client peer (reading a server's frames) and by the
 * server peer (reading a client's). It parses whatever arrives, masked or not, and
 * reports the raw header fields; judging them (mask bit, RSV bits, control frame rules)
 * is the peer's job, so a broken frame becomes a recorded violation instead of a crash.
 */

export interface InFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The masking key as sent, or null for an unmasked frame. */
  key: Uint8Array | null;
  /** Unmasked payload. */
  payload: Uint8Array;
}

export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Refuses frames claiming more than this (a broken length field would otherwise stall). */
  readonly maxPayload: number;

  /** Who sends the frames, for error messages ('server' or 'client'). */
  private readonly sender: string;

  constructor(options: { maxPayload?: number; sender?: string } = {}) {
    this.maxPayload = options.maxPayload ?? 256 * 1024 * 1024;
    this.sender = options.sender ?? 'server';
  }

  get bufferedAmount(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame, or null when more bytes are needed. Throws on an absurd length. */
  next(): InFrame | null {
    if (this.buffered < 2) return null;
    const head = this.peek(Math.min(14, this.buffered));
    const b0 = head[0] as number;
    const b1 = head[1] as number;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let p = 2;
    if (len === 126) {
      if (head.length < 4) return null;
      len = ((head[2] as number) << 8) | (head[3] as number);
      p = 4;
    } else if (len === 127) {
      if (head.length < 10) return null;
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const high = view.getUint32(2);
      if (high >= 0x80000000) throw new RangeError(`${this.sender} frame length has its most significant bit set`);
      len = high * 0x100000000 + view.getUint32(6);
      p = 10;
    }
    if (len > this.maxPayload) throw new RangeError(`${this.sender} frame claims a payload of ${len} bytes`);
    let key: Uint8Array | null = null;
    if (masked) {
      if (head.length < p + 4) return null;
      key = head.slice(p, p + 4);
      p += 4;
    }
    if (this.buffered < p + len) return null;
    this.consume(p);
    const payload = this.take(len);
    if (key) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number);
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, key, payload };
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (o === n) break;
    }
    return out;
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0] as Uint8Array;
      if (first.length <= n) {
        this.chunks.shift();
        n -= first.length;
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  /** Removes `n` bytes and returns them in a fresh buffer (the caller may unmask in place). */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const first = this.chunks[0] as Uint8Array;
      const k = Math.min(first.length, n - o);
      out.set(first.subarray(0, k), o);
      o += k;
      if (k === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
