// Incremental decompression of one received message (RFC 7692 §7.2.2), for a connection that
// reports large messages in pieces as they arrive.
import { constants, createInflateRaw, type InflateRaw, type ZlibOptions } from 'node:zlib';
import type { MessageDecoder } from '@websock/protocol';
import { invalidCompressedData } from './errors.js';
import type { History } from './history.js';
import type { JobLimiter } from './limiter.js';

const { Z_SYNC_FLUSH } = constants;

/** The empty stored block a sync flush ends with; the sender removed it from the message's end. */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface InflateStreamOptions {
  readonly windowBits: number;
  /** Output of the messages received before, with context takeover (the LZ77 window); null without. */
  readonly history: History | null;
  readonly limiter: JobLimiter;
  /** Receives the inflated bytes, in order, as zlib produces them (chunks of up to 16 KiB). */
  readonly output: (data: Uint8Array) => void;
  /** Called once the decoder is done (finished or aborted), so its owner forgets it. */
  readonly done: (decoder: InflateStream) => void;
}

interface Write {
  readonly piece: Uint8Array;
  readonly fin: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One message inflated piece by piece on one zlib context, which lives from the message's first
 * piece to its last: `write(piece)` feeds it, `output` gets the result as zlib produces it, and
 * the last piece gets the `00 00 ff ff` tail back (§7.2.2).
 *
 * - Backpressure: `pause()` stops the output; zlib then stops too once its small output buffer
 *   (16 KiB) is full, so a message that inflates 1000:1 costs no more memory than one that does
 *   not. The write in progress settles only once its output was taken.
 * - The process-wide limiter bounds the zlib work in flight: a write runs while it holds a slot,
 *   and gives the slot back while paused (an application reading slowly must not hold up every
 *   other connection's compression), taking one again to go on.
 * - A block with BFINAL set ends the message's data early (§7.2.3.4 allows it): the rest is ignored.
 * - With context takeover, every inflated byte goes into the history the next message starts from.
 */
export class InflateStream implements MessageDecoder {
  readonly #options: InflateStreamOptions;
  #stream: InflateRaw | null = null;
  readonly #queue: Write[] = [];
  /** The write zlib is working on, and the limiter slot it holds (null while given back). */
  #current: Write | null = null;
  #release: (() => void) | null = null;
  /** A slot was asked for and not granted yet. */
  #requesting = false;
  /** A step that got its slot while paused, waiting for `resume()`. */
  #parked: (() => void) | null = null;
  #paused = false;
  #ended = false;
  #finished = false;

  constructor(options: InflateStreamOptions) {
    this.#options = options;
  }

  write(piece: Uint8Array, fin: boolean): undefined | Promise<void> {
    if (!fin && piece.length === 0) return undefined;
    if (this.#finished) return Promise.reject(new Error('permessage-deflate: the message decoder is done'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ piece, fin, resolve, reject });
      if (this.#current === null && !this.#requesting && this.#parked === null) this.#next();
    });
  }

  pause(): void {
    if (this.#paused || this.#finished) return;
    this.#paused = true;
    this.#stream?.pause();
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  resume(): void {
    if (!this.#paused || this.#finished) return;
    this.#paused = false;
    if (this.#requesting) return; // the slot on its way lets the output flow again
    const parked = this.#parked;
    this.#parked = null;
    if (parked !== null) this.#withSlot(parked);
    else if (this.#current !== null)
      this.#withSlot(noop); // the write in progress gave its slot back
    else this.#stream?.resume();
  }

  abort(): void {
    if (this.#finished) return;
    this.#finish();
    this.#queue.length = 0;
    this.#current = null;
    this.#parked = null;
  }

  /** Starts the next queued write once it holds a slot. */
  #next(): void {
    const write = this.#queue.shift();
    if (write === undefined) return;
    if (this.#ended) {
      // The data ended with a final block: the rest of the message is ignored.
      this.#settle(write);
      return;
    }
    this.#withSlot(() => this.#run(write));
  }

  /** Runs `step` holding a limiter slot; while paused, the slot goes back and the step waits for `resume()`. */
  #withSlot(step: () => void): void {
    this.#requesting = true;
    this.#options.limiter.run((done) => {
      this.#requesting = false;
      if (this.#finished) {
        done();
        return;
      }
      if (this.#paused) {
        done();
        this.#parked = step;
        return;
      }
      this.#release = done;
      this.#stream?.resume();
      step();
    });
  }

  #run(write: Write): void {
    this.#current = write;
    const stream = this.#stream ?? this.#open();
    if (!write.fin) {
      stream.write(write.piece, () => this.#written(write));
      return;
    }
    // The last piece: its tail back, then end the stream; 'end' comes once all output was taken.
    if (write.piece.length > 0) stream.write(write.piece);
    stream.end(TRAILER);
  }

  #open(): InflateRaw {
    const options: ZlibOptions = { windowBits: this.#options.windowBits, finishFlush: Z_SYNC_FLUSH };
    const dictionary = this.#options.history?.tail();
    if (dictionary !== undefined) options.dictionary = dictionary;
    const stream = createInflateRaw(options);
    this.#stream = stream;
    stream.on('data', (chunk: Buffer) => {
      if (this.#finished) return;
      this.#options.history?.append(chunk);
      this.#options.output(chunk);
    });
    stream.on('end', () => this.#onEnd());
    stream.on('error', (error) => this.#fail(error));
    return stream;
  }

  /** A piece other than the last was taken by zlib, its output included. */
  #written(write: Write): void {
    if (this.#current !== write) return;
    this.#current = null;
    this.#giveBack();
    write.resolve();
    this.#next();
  }

  /** zlib's output ended: the last piece was inflated, or a final block ended the data early. */
  #onEnd(): void {
    if (this.#finished) return;
    this.#ended = true;
    const current = this.#current;
    if (current === null) return;
    this.#current = null;
    this.#giveBack();
    this.#settle(current);
    this.#next();
  }

  /** Resolves a write past the end of the data; the last one finishes the decoder. */
  #settle(write: Write): void {
    if (write.fin) this.#finish();
    write.resolve();
  }

  #fail(cause: unknown): void {
    if (this.#finished) return;
    const error = invalidCompressedData(cause);
    const waiting = this.#current === null ? this.#queue.splice(0) : [this.#current, ...this.#queue.splice(0)];
    this.abort();
    for (const write of waiting) write.reject(error);
  }

  #giveBack(): void {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  /** Releases the zlib context and the slot; the owner forgets this decoder. */
  #finish(): void {
    this.#finished = true;
    this.#giveBack();
    const stream = this.#stream;
    this.#stream = null;
    if (stream !== null && !stream.destroyed) stream.destroy();
    this.#options.done(this);
  }
}

function noop(): void {}
