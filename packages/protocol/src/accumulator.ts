const INITIAL_CAPACITY = 16 * 1024;

/**
 * Collects the fragments of one message. Memory is bounded by the message's size,
 * not by its fragment count: fragments are copied into one growing buffer (doubling,
 * so the copying is linear overall) instead of kept as a list of views, which for a
 * message of many tiny fragments (Autobahn 9.3.x) would cost far more than its bytes.
 * A message of a single fragment costs no copy at all.
 */
export class MessageAccumulator {
  private single: Uint8Array | null = null;
  private buffer: Uint8Array | null = null;
  private size = 0;

  get length(): number {
    return this.size;
  }

  append(bytes: Uint8Array): void {
    if (this.size === 0 && this.buffer === null) {
      this.single = bytes;
      this.size = bytes.length;
      return;
    }
    const needed = this.size + bytes.length;
    let buffer = this.buffer;
    if (buffer === null || buffer.length < needed) {
      const grown = new Uint8Array(Math.max(needed, INITIAL_CAPACITY, buffer === null ? 0 : buffer.length * 2));
      if (buffer !== null) grown.set(buffer.subarray(0, this.size));
      else if (this.single !== null) grown.set(this.single);
      this.single = null;
      this.buffer = grown;
      buffer = grown;
    }
    buffer.set(bytes, this.size);
    this.size = needed;
  }

  /** Returns the whole message and resets for the next one. */
  take(): Uint8Array {
    const message = this.buffer !== null ? this.buffer.subarray(0, this.size) : (this.single ?? new Uint8Array(0));
    this.single = null;
    this.buffer = null;
    this.size = 0;
    return message;
  }
}
