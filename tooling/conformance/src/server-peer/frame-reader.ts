/**
 * The server peer's incremental reader of client frames (independent of
 * @websock/frame and of the client-side peer's reader). Every client frame must be
 * masked (RFC 6455 §5.1); an unmasked one is still parsed, so the peer can report it
 * precisely as a violation instead of misreading the rest of the stream. The raw
 * header fields are returned as they came; judging them is the peer's job.
 */

export interface ClientFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The masking key as sent, or null for an unmasked frame. */
  key: Uint8Array | null;
  /** Unmasked payload. */
  payload: Uint8Array;
}

export class ClientFrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Refuses frames claiming more than this: a broken length field would otherwise stall the case. */
  readonly maxPayload: number;

  constructor(options: { maxPayload?: number } = {}) {
    this.maxPayload = options.maxPayload ?? 256 * 1024 * 1024;
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
  next(): ClientFrame | null {
    if (this.buffered < 2) return null;
    const head = this.peek(Math.min(14, this.buffered));
    const b0 = head[0] as number;
    const b1 = head[1] as number;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let p = 2;
    if (length === 126) {
      if (head.length < 4) return null;
      length = ((head[2] as number) << 8) | (head[3] as number);
      p = 4;
    } else if (length === 127) {
      if (head.length < 10) return null;
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const high = view.getUint32(2);
      if (high >= 0x80000000) throw new RangeError('client frame length has its most significant bit set');
      length = high * 0x100000000 + view.getUint32(6);
      p = 10;
    }
    if (length > this.maxPayload) throw new RangeError(`client frame claims a payload of ${length} bytes`);
    let key: Uint8Array | null = null;
    if (masked) {
      if (head.length < p + 4) return null;
      key = head.slice(p, p + 4);
      p += 4;
    }
    if (this.buffered < p + length) return null;
    this.skip(p);
    const payload = this.take(length);
    if (key) {
      const k0 = key[0] as number;
      const k1 = key[1] as number;
      const k2 = key[2] as number;
      const k3 = key[3] as number;
      let i = 0;
      for (; i + 4 <= length; i += 4) {
        payload[i] = (payload[i] as number) ^ k0;
        payload[i + 1] = (payload[i + 1] as number) ^ k1;
        payload[i + 2] = (payload[i + 2] as number) ^ k2;
        payload[i + 3] = (payload[i + 3] as number) ^ k3;
      }
      for (; i < length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number);
    }
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, key, payload };
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let o = 0;
    for (const chunk of this.chunks) {
      const k = Math.min(chunk.length, n - o);
      out.set(chunk.subarray(0, k), o);
      o += k;
      if (o === n) break;
    }
    return out;
  }

  private skip(n: number): void {
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

  /** Removes `n` bytes into a fresh buffer (unmasked in place by the caller). */
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
