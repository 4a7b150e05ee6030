/** Fragments from this size on are kept as they are (views) until the message is complete. */
export const KEEP_FRAGMENT_MIN = 4 * 1024;
/** Small fragments are packed into runs of this size. */
const RUN_SIZE = 16 * 1024;

function defaultAllocate(length: number): Uint8Array {
  return new Uint8Array(length);
}

/**
 * Collects the fragments of one message, copying each large fragment's bytes once: into the
 * buffer of the whole message, when the last fragment arrives. Fragments of at least
 * KEEP_FRAGMENT_MIN bytes are kept as they are until then (views the parser handed over and never
 * writes again). Smaller ones are packed into 16 KiB runs as they come (copied twice), so memory
 * stays bounded by the message's size, not by its fragment count: a message of many tiny
 * fragments (Autobahn 9.3.x) holds an object per 16 KiB, not per fragment. A message of a single
 * fragment, or of small fragments within one run, is not copied again at the end.
 */
export class MessageAccumulator {
  /** Kept fragments and filled runs of small ones, in order; null until a second piece arrives. */
  private parts: Uint8Array[] | null = null;
  /** The first fragment, while it is the only piece. */
  private single: Uint8Array | null = null;
  /** The run of small fragments being filled, and its used length. */
  private run: Uint8Array | null = null;
  private runUsed = 0;
  private size = 0;

  /**
   * `allocate` makes the runs and the message (every byte of them is written before use).
   * `keepViews` false packs every fragment: for bytes whose owner may write them again later
   * (an extension decoder's output is not promised to stay as it is).
   */
  constructor(
    private readonly allocate: (length: number) => Uint8Array = defaultAllocate,
    private readonly keepViews = true,
  ) {}

  get length(): number {
    return this.size;
  }

  append(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    if (this.size === 0 && this.keepViews) {
      this.single = bytes;
      this.size = n;
      return;
    }
    this.size += n;
    if (this.parts === null) {
      this.parts = [];
      const first = this.single;
      this.single = null;
      if (first !== null) this.keepOrPack(first);
    }
    this.keepOrPack(bytes);
  }

  private keepOrPack(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= KEEP_FRAGMENT_MIN && this.keepViews) {
      this.closeRun();
      this.parts!.push(bytes);
      return;
    }
    // Fill runs of RUN_SIZE to the last byte (a fragment may straddle two): no run wastes space.
    let offset = 0;
    while (offset < n) {
      let run = this.run;
      if (run === null) {
        run = this.alloc(RUN_SIZE);
        this.run = run;
        this.runUsed = 0;
      }
      const used = this.runUsed;
      const k = Math.min(n - offset, RUN_SIZE - used);
      run.set(k === n ? bytes : bytes.subarray(offset, offset + k), used);
      this.runUsed = used + k;
      offset += k;
      if (this.runUsed === RUN_SIZE) this.closeRun();
    }
  }

  /** The run being filled becomes a part; the next small fragment starts a new one. */
  private closeRun(): void {
    const run = this.run;
    if (run === null) return;
    if (this.runUsed > 0) this.parts!.push(run.subarray(0, this.runUsed));
    this.run = null;
    this.runUsed = 0;
  }

  private alloc(length: number): Uint8Array {
    const buffer = this.allocate(length);
    if (!(buffer instanceof Uint8Array) || buffer.length !== length) {
      throw new TypeError(`allocate(${length}) must return a Uint8Array of exactly that length`);
    }
    return buffer;
  }

  /** Returns the whole message and resets for the next one. */
  take(): Uint8Array {
    let message: Uint8Array;
    const parts = this.parts;
    if (parts === null) {
      message = this.single ?? new Uint8Array(0);
    } else {
      this.closeRun();
      if (parts.length === 1) {
        message = parts[0]!;
      } else {
        message = this.alloc(this.size);
        let offset = 0;
        for (const part of parts) {
          message.set(part, offset);
          offset += part.length;
        }
      }
    }
    this.parts = null;
    this.single = null;
    this.run = null;
    this.runUsed = 0;
    this.size = 0;
    return message;
  }
}
