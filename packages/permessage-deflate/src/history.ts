/**
 * The last bytes of a compression context's input (sender) or output (receiver): exactly the
 * LZ77 sliding window a zlib context would carry between messages (RFC 7692 §7.2.3.2), kept
 * as plain bytes. A fresh zlib context primed with it as a preset dictionary continues the
 * stream, so no zlib context has to live between messages. Allocated on first use.
 */
export class History {
  readonly capacity: number;
  #buffer: Buffer | null = null;
  #length = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Bytes currently held. */
  get length(): number {
    return this.#length;
  }

  /** The last `max` bytes (all by default) as a view, or undefined while empty. */
  tail(max = this.capacity): Buffer | undefined {
    if (this.#buffer === null || this.#length === 0) return undefined;
    return this.#buffer.subarray(Math.max(0, this.#length - max), this.#length);
  }

  append(data: Uint8Array): void {
    const capacity = this.capacity;
    if (data.length === 0) return;
    if (data.length >= capacity) {
      this.#buffer = this.#reserve(capacity, 0);
      this.#buffer.set(data.subarray(data.length - capacity), 0);
      this.#length = capacity;
      return;
    }
    const keep = Math.min(this.#length, capacity - data.length);
    const buffer = this.#reserve(keep + data.length, keep);
    if (keep < this.#length) buffer.copyWithin(0, this.#length - keep, this.#length);
    buffer.set(data, keep);
    this.#length = keep + data.length;
  }

  /** A buffer of at least `size` bytes keeping the current content; grows by doubling up to the capacity. */
  #reserve(size: number, keep: number): Buffer {
    const current = this.#buffer;
    if (current !== null && current.length >= size) return current;
    // Small messages on an idle connection should not pin a whole window.
    let grown = Math.max(1024, current?.length ?? 0);
    while (grown < size) grown *= 2;
    const buffer = Buffer.allocUnsafe(Math.min(grown, this.capacity));
    if (current !== null && keep > 0) buffer.set(current.subarray(this.#length - keep, this.#length), 0);
    if (current !== null && keep > 0) this.#length = keep;
    this.#buffer = buffer;
    return buffer;
  }

  clear(): void {
    this.#buffer = null;
    this.#length = 0;
  }
}
