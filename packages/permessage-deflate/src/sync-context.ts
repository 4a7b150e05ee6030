// A zlib context kept between messages and driven synchronously.
//
// node:zlib offers synchronous calls only on a fresh context (`deflateRawSync`: build, prime,
// run, close) and keeps a context only behind the asynchronous stream (a thread-pool round trip
// per message). With context takeover, a context kept per connection is what makes small
// messages cheap and well compressed: no dictionary to copy and hash per message, no stream
// object to build and tear down, and the whole window to find matches in. The stream object's
// native handle has the synchronous write the one-shot functions use; this module drives it
// directly. That handle is Node's internal API (stable in shape since Node 10 and present on 20,
// 22 and 24, where the tests run), so it is probed once and the codec falls back to its
// history design when the probe fails.
import { createDeflateRaw, createInflateRaw, type ZlibOptions } from 'node:zlib';

/** The native zlib handle behind a node:zlib stream (lib/zlib.js). */
interface NativeZlib {
  writeSync(
    flush: number,
    input: Uint8Array,
    inputOffset: number,
    inputLength: number,
    output: Uint8Array,
    outputOffset: number,
    outputLength: number,
  ): void;
  onerror: (message: string, errno: number) => void;
}

interface StreamInternals {
  readonly _handle?: unknown;
  /** [output bytes left, input bytes left] after each write. */
  readonly _writeState?: unknown;
  close(): void;
}

function internals(stream: StreamInternals): { handle: NativeZlib; state: Uint32Array } | null {
  const handle = stream._handle as Partial<NativeZlib> | null | undefined;
  const state = stream._writeState;
  if (handle == null || typeof handle.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
    return null;
  }
  return { handle: handle as NativeZlib, state };
}

/**
 * The stream object allocates an output buffer of `chunkSize` (16 KiB by default) that only its
 * stream interface uses; Node's smallest keeps that from costing every connection 16 KiB.
 */
const STREAM_CHUNK = 64;

let supported: boolean | undefined;

/** Whether this Node exposes what a kept synchronous context needs (probed once). */
export function syncContextsSupported(): boolean {
  if (supported === undefined) {
    const probe = createDeflateRaw() as unknown as StreamInternals;
    supported = internals(probe) !== null;
    probe.close();
  }
  return supported;
}

/** What one synchronous write produced. */
export interface SyncResult {
  readonly output: Buffer;
  /** Input bytes zlib did not take: a raw DEFLATE stream ended (a block with BFINAL) before them. */
  readonly unconsumed: number;
}

/** Options of a kept context; `dictionary` primes its window (context takeover's history). */
type ContextOptions = Pick<ZlibOptions, 'level' | 'memLevel' | 'windowBits'> & {
  readonly dictionary?: Buffer | undefined;
};

function streamOptions({ dictionary, ...options }: ContextOptions): ZlibOptions {
  return dictionary === undefined
    ? { ...options, chunkSize: STREAM_CHUNK }
    : { ...options, dictionary, chunkSize: STREAM_CHUNK };
}

/** The output grew past the caller's limit; the context is in the middle of a message and must be closed. */
export class OutputLimitExceeded extends Error {
  constructor() {
    super('zlib output passed the limit');
    this.name = 'OutputLimitExceeded';
  }
}

/**
 * One zlib context (raw deflate or raw inflate) driven synchronously. Errors from zlib are
 * thrown as `Error`s carrying zlib's message; after any throw the context's state is undefined
 * and it must be closed.
 */
export class SyncZlibContext {
  readonly #stream: StreamInternals;
  readonly #handle: NativeZlib;
  readonly #state: Uint32Array;
  #error: string | null = null;
  #closed = false;

  private constructor(stream: StreamInternals) {
    const inner = internals(stream);
    if (inner === null) throw new Error('node:zlib has no synchronous handle here');
    this.#stream = stream;
    this.#handle = inner.handle;
    this.#state = inner.state;
    // Node's own handler destroys the stream, which this context never uses as a stream.
    this.#handle.onerror = (message) => {
      this.#error = message;
    };
  }

  static deflate(options: ContextOptions): SyncZlibContext {
    return new SyncZlibContext(createDeflateRaw(streamOptions(options)) as unknown as StreamInternals);
  }

  static inflate(options: ContextOptions): SyncZlibContext {
    return new SyncZlibContext(createInflateRaw(streamOptions(options)) as unknown as StreamInternals);
  }

  /**
   * Feeds `input` with `flush` and returns everything zlib produced: in one buffer of
   * `outputSize` bytes when that is enough, else in further buffers of that size, joined.
   * Throws `OutputLimitExceeded` once the output passes `limit`.
   */
  write(input: Uint8Array, flush: number, outputSize: number, limit: number): SyncResult {
    if (this.#closed) throw new Error('the zlib context is closed');
    const handle = this.#handle;
    const state = this.#state;
    let out = Buffer.allocUnsafe(outputSize);
    let full: Buffer[] | null = null;
    let total = 0;
    let offset = 0;
    let left = input.length;
    for (;;) {
      handle.writeSync(flush, input, offset, left, out, 0, out.length);
      if (this.#error !== null) throw new Error(this.#error);
      const outLeft = state[0]!;
      const inLeft = state[1]!;
      total += out.length - outLeft;
      if (total > limit) throw new OutputLimitExceeded();
      offset += left - inLeft;
      left = inLeft;
      // zlib stopped with room to spare: it took all it could of the input.
      if (outLeft > 0) break;
      if (full === null) full = [out];
      else full.push(out);
      out = Buffer.allocUnsafe(outputSize);
    }
    const last = out.subarray(0, out.length - state[0]!);
    if (full === null) return { output: last, unconsumed: left };
    full.push(last);
    return { output: Buffer.concat(full, total), unconsumed: left };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.close();
  }
}
