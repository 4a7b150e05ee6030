import { ACCEPT, CLASSES, REJECT, TRANSITIONS } from './dfa';
import { scanComplete } from './scan';

/**
 * Offset of the first byte in `bytes[start, end)` at which the bytes stop being a
 * possible prefix of valid UTF-8; `end` if they are a valid prefix that stops inside
 * a sequence; -1 if they are valid. Bulk scanning between sequences, the automaton
 * from wherever the scanner stops.
 */
export function findErrorOffset(bytes: Uint8Array, start: number, end: number): number {
  let state = ACCEPT;
  let i = start;
  while (i < end) {
    if (state === ACCEPT) {
      i = scanComplete(bytes, i, end);
      if (i === end) return -1;
    }
    state = TRANSITIONS[state + CLASSES[bytes[i]!]!]!;
    if (state === REJECT) return i;
    i++;
  }
  return state === ACCEPT ? -1 : end;
}

/**
 * Incremental, fail-fast UTF-8 validator for a message that arrives in pieces.
 *
 * `write()` returns `false` on the first chunk that contains a byte after which
 * no continuation could make the stream valid (for example `F4 90`, `ED A0`, a
 * lone `C0`, or a stray continuation byte) and keeps returning `false` until
 * `reset()`. `end()` additionally rejects a stream that stops inside a sequence.
 */
export class Utf8Validator {
  #state = ACCEPT;
  #written = 0;
  #errorOffset = -1;

  /**
   * Absolute offset, counted from the first byte written since the last reset,
   * of the byte that made the stream invalid; -1 while the stream is valid so far.
   * When `end()` fails because the stream stopped mid-sequence, this is the
   * number of bytes written: the position where a continuation byte was missing.
   */
  get errorOffset(): number {
    return this.#errorOffset;
  }

  /** True while the bytes written so far end inside a multi-byte sequence. */
  get pending(): boolean {
    return this.#state !== ACCEPT && this.#state !== REJECT;
  }

  /** Feeds the next chunk. Returns false as soon as the stream cannot be valid UTF-8. */
  write(chunk: Uint8Array): boolean {
    let state = this.#state;
    if (state === REJECT) return false;
    const end = chunk.length;
    let i = 0;
    while (i < end) {
      if (state === ACCEPT) {
        i = this.scanComplete(chunk, i, end);
        if (i === end) break;
      }
      state = TRANSITIONS[state + CLASSES[chunk[i]!]!]!;
      if (state === REJECT) {
        this.#state = REJECT;
        this.#errorOffset = this.#written + i;
        return false;
      }
      i++;
    }
    this.#state = state;
    this.#written += end;
    return true;
  }

  /**
   * Declares the end of the stream. Returns true if everything written is valid
   * UTF-8, and then starts over (ready for the next message, as after `reset()`).
   * Returns false if the stream failed earlier or stops inside a sequence; it then
   * stays failed until `reset()`.
   */
  end(): boolean {
    const state = this.#state;
    if (state === ACCEPT) {
      this.#written = 0;
      return true;
    }
    if (state !== REJECT) {
      this.#state = REJECT;
      this.#errorOffset = this.#written;
    }
    return false;
  }

  /** Forgets everything written so far, including a failure. */
  reset(): void {
    this.#state = ACCEPT;
    this.#written = 0;
    this.#errorOffset = -1;
  }

  /**
   * Bulk step used while between sequences: same contract as `scanComplete` in
   * scan.ts (index of the first byte not starting a complete well-formed sequence
   * inside the range). The Node entry overrides it to use `buffer.isUtf8`.
   * @internal
   */
  protected scanComplete(bytes: Uint8Array, start: number, end: number): number {
    return scanComplete(bytes, start, end);
  }
}
