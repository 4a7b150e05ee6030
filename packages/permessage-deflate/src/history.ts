/**
 * The last bytes of a compression context's input (sender) or output (receiver): exactly the
 * LZ77 sliding window a zlib context would carry between messages (RFC 7692 §7.2.3.2), kept
 * as plain bytes. A fresh zlib context primed with it as a preset dictionary continues the
 * stream, so no zlib context has to live between messages. Allocated on first use.
 *
 * The buffer has room for a quarter window beyond the window itself: appends go to its end and
 * the window is moved back to the start only when that room runs out, so a stream of small
 * messages moves the 32 KiB window once per 8 KiB received instead of on every message.
 */
export class History {
  readonly capacity: number;
  /** Largest buffer: the window plus the room that spares a move on most appends. */
  readonly #limit: number;
  #buffer: Buffer | null = null;
  /** The window is `#buffer[#start, #end)`. */
  #start = 0;
  #end = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#limit = capacity + (capacity >> 2);
  }

  /** Bytes currently held. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** The last `max` bytes (all by default) as a view, or undefined while empty. */
  tail(max = this.capacity): Buffer | undefined {
    if (this.#buffer === null || this.#end === this.#start) return undefined;
    return this.#buffer.subarray(Math.max(this.#start, this.#end - max), this.#end);
  }

  append(data: Uint8Array): void {
    const capacity = this.capacity;
    const n = data.length;
    if (n === 0) return;
    if (n >= capacity) {
      const buffer = this.#reserve(capacity, 0);
      buffer.set(data.subarray(n - capacity), 0);
      this.#start = 0;
      this.#end = capacity;
      return;
    }
    const length = Math.min(this.#end - this.#start + n, capacity);
    const current = this.#buffer;
    if (current !== null && this.#end + n <= current.length) {
      current.set(data, this.#end);
      this.#end += n;
      this.#start = this.#end - length;
      return;
    }
    // Out of room: what stays of the window moves to the start (into a larger buffer while it grows).
    const keep = length - n;
    const buffer = this.#reserve(length, keep);
    buffer.set(data, keep);
    this.#start = 0;
    this.#end = length;
  }

  /**
   * A buffer of at least `size` bytes whose start holds the last `keep` bytes of the window. It
   * grows by doubling, so small messages on an idle connection do not pin a whole window; once
   * it must hold a whole window it gets the extra room as well.
   */
  #reserve(size: number, keep: number): Buffer {
    const current = this.#buffer;
    const from = this.#end - keep;
    if (current !== null && current.length >= size) {
      if (keep > 0 && from > 0) current.copyWithin(0, from, this.#end);
      return current;
    }
    let grown = Math.max(1024, current?.length ?? 0);
    while (grown < size) grown *= 2;
    const buffer = Buffer.allocUnsafe(grown >= this.capacity ? this.#limit : grown);
    if (current !== null && keep > 0) buffer.set(current.subarray(from, this.#end), 0);
    this.#buffer = buffer;
    return buffer;
  }

  clear(): void {
    this.#buffer = null;
    this.#start = 0;
    this.#end = 0;
  }
}
