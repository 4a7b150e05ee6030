// The permessage-deflate message codec (RFC 7692 §7.2) on node:zlib.
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  deflateRawSync,
  type InflateRaw,
  inflateRawSync,
  type ZlibOptions,
} from 'node:zlib';
import type { EncodedMessage, MessageDecoder, MessageExtension } from '@websock/protocol';
import { invalidCompressedData, messageTooBig } from './errors.js';
import { History } from './history.js';
import { InflateStream } from './inflate-stream.js';
import { type JobLimiter, sharedLimiter } from './limiter.js';
import {
  assertIntegerIn,
  assertWindowBits,
  DEFAULT_LEVEL,
  DEFAULT_MEM_LEVEL,
  DEFAULT_THRESHOLD,
  EXTENSION_NAME,
  type NegotiatedParams,
  type PerMessageDeflateOptions,
} from './options.js';
import { inflateChunkSize, syncDeflateOptions } from './zlib-options.js';

const { Z_SYNC_FLUSH } = constants;

/** RSV1: "this message is compressed" (RFC 7692 §6). */
const RSV1 = 4;

/** The empty stored block a sync flush ends with; stripped on send, appended on receipt (§7.2.1, §7.2.2). */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Without context takeover, messages up to these sizes are compressed / inflated by zlib's
 * one-shot synchronous functions: several times faster than a thread-pool round trip for small
 * messages (see the micro bench), and no context outlives the call. Above them the event loop
 * would stall too long, so the work goes to the thread pool.
 */
const SYNC_DEFLATE_MAX_INPUT = 16 * 1024;
const SYNC_INFLATE_MAX_INPUT = 16 * 1024;
/** A synchronous inflate stops here; a larger result is redone on the thread pool. Bounds the stall. */
const SYNC_INFLATE_MAX_OUTPUT = 256 * 1024;
/** Up to this size the trailer is appended by copying, so zlib gets the message in one write. */
const COPY_TRAILER_MAX_INPUT = 1024 * 1024;

export type Role = 'server' | 'client';

/** What a codec holds right now (see the README for what each costs). */
export interface ContextState {
  /** A zlib compression context exists (kept between messages with context takeover; else only while a job runs). */
  readonly deflate: boolean;
  /** A zlib decompression context exists (while an asynchronous job runs, or a message is inflated in pieces). */
  readonly inflate: boolean;
  /** Bytes of LZ77 history kept between received messages for the peer's context takeover. */
  readonly historyBytes: number;
}

interface EncodeJob {
  readonly payload: Uint8Array;
  readonly resolve: (value: EncodedMessage) => void;
  /** Set for a fragment of a message sent in pieces (see `encodeFragment`). */
  readonly fragment?: { readonly first: boolean; readonly fin: boolean; readonly reject: (error: unknown) => void };
}

interface DecodeJob {
  readonly payload: Uint8Array;
  readonly limit: number;
  readonly resolve: (value: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
}

/** An asynchronous job on a zlib stream, holding a limiter slot. */
interface Running<J, S> {
  readonly job: J;
  readonly stream: S;
  /** Frees the limiter slot. */
  readonly done: () => void;
  readonly chunks: Buffer[];
  length: number;
}

function stripTrailer(data: Buffer): Buffer {
  const n = data.length;
  if (n >= 4 && data[n - 4] === 0 && data[n - 3] === 0 && data[n - 2] === 0xff && data[n - 1] === 0xff) {
    return data.subarray(0, n - 4);
  }
  return data;
}

function join(chunks: Buffer[], length: number): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
}

/** The payload with the trailer appended, in one new buffer. */
function withTrailer(payload: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(payload.length + TRAILER.length);
  input.set(payload, 0);
  input.set(TRAILER, payload.length);
  return input;
}

function isTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

function disposedError(): Error {
  return Object.assign(new Error('permessage-deflate: the extension was disposed'), {
    code: 'WS_ERR_EXTENSION_DISPOSED',
  });
}

/**
 * One connection's permessage-deflate codec, for the protocol core (`extensions: [codec]`).
 *
 * - Compression: a whole message, DEFLATE ending in a sync flush, its `00 00 ff ff` removed,
 *   RSV1 on the first frame. Messages under `threshold`, or that would not shrink, go
 *   uncompressed (always allowed: an uncompressed message never enters either window).
 * - Compression with context takeover runs on one zlib context kept for the connection's life
 *   (created with its first compressed message), one thread-pool job per message: the window
 *   carries over at no cost per message, which is what gives takeover its ratio. Without
 *   takeover, messages up to 16 KiB are compressed synchronously on a fresh context sized to
 *   the message, larger ones on a context that lives only for that message.
 * - Decompression: `00 00 ff ff` appended back, output counted as zlib produces it and the job
 *   stopped as soon as it passes the limit (1009): a bomb costs at most the limit plus one chunk.
 *   The peer's context takeover is carried as plain history bytes, not as a live zlib context:
 *   each message is inflated on a fresh context primed with that history as a preset
 *   dictionary (cheap for an inflater), so small messages inflate synchronously.
 * - Order: each direction completes in call order; asynchronous jobs go through a FIFO limiter.
 */
export class PerMessageDeflate implements MessageExtension {
  readonly name = EXTENSION_NAME;
  readonly rsvMask = RSV1;
  readonly role: Role;
  readonly params: NegotiatedParams;

  readonly #limiter: JobLimiter;
  readonly #threshold: number;
  #disposed = false;

  // Sending side: our role's window and context rules.
  readonly #level: number;
  readonly #memLevel: number;
  readonly #deflateWindowBits: number;
  readonly #deflateStreamOptions: ZlibOptions;
  /** Our compressor keeps its window from one message to the next. */
  readonly #takeover: boolean;
  /**
   * The compression context: with takeover, kept from the first compressed message on; without,
   * it lives for one asynchronous message (or one message sent in fragments).
   */
  #compressor: DeflateRaw | null = null;
  readonly #encodeQueue: EncodeJob[] = [];
  #encodeBusy = false;
  #encoding: Running<EncodeJob, DeflateRaw> | null = null;

  // Receiving side: the peer's window and context rules.
  readonly #inflateWindowBits: number;
  /** Output of the compressed messages we received; null without context takeover. */
  readonly #received: History | null;
  readonly #decodeQueue: DecodeJob[] = [];
  #decodeBusy = false;
  #decoding: Running<DecodeJob, InflateRaw> | null = null;
  /** The message being inflated piece by piece (see `decodeStream`). */
  #streamDecoder: InflateStream | null = null;

  constructor(params: NegotiatedParams, role: Role, options: PerMessageDeflateOptions = {}) {
    if (role !== 'server' && role !== 'client')
      throw new TypeError(`role must be 'server' or 'client', got ${String(role)}`);
    assertWindowBits('params.serverMaxWindowBits', params.serverMaxWindowBits);
    assertWindowBits('params.clientMaxWindowBits', params.clientMaxWindowBits);
    const level = options.level ?? DEFAULT_LEVEL;
    assertIntegerIn('level', level, -1, 9);
    const memLevel = options.memLevel ?? DEFAULT_MEM_LEVEL;
    assertIntegerIn('memLevel', memLevel, 1, 9);
    const threshold = options.threshold ?? DEFAULT_THRESHOLD;
    assertIntegerIn('threshold', threshold, 0, Number.MAX_SAFE_INTEGER);

    this.role = role;
    this.params = { ...params };
    this.#limiter = options.limiter ?? sharedLimiter;
    this.#threshold = threshold;

    const isServer = role === 'server';
    const sendResets = isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    const receiveResets = isServer ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    const ownBits = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const peerBits = isServer ? params.clientMaxWindowBits : params.serverMaxWindowBits;

    // zlib cannot compress with a 256-byte window: raw deflate with 8 is rejected by zlib >= 1.2.9
    // (Node quietly runs it with 9). Running with 9 is still correct for a peer that honours 8:
    // zlib never emits a distance beyond the window size minus MIN_LOOKAHEAD (262 bytes), so a
    // 512-byte window reaches back at most 250 bytes (checked by the tests with a strict decoder).
    this.#level = level;
    this.#memLevel = memLevel;
    this.#deflateWindowBits = Math.max(9, ownBits);
    // Every write ends in a sync flush: one thread-pool trip per message instead of write + flush.
    this.#deflateStreamOptions = { level, memLevel, windowBits: this.#deflateWindowBits, flush: Z_SYNC_FLUSH };
    this.#takeover = !sendResets;

    // Inflating with a larger window than the peer's is always safe; 9 for 8 tolerates peers
    // whose zlib silently upgraded 8 to 9 without the distance bound above.
    this.#inflateWindowBits = Math.max(9, peerBits);
    this.#received = receiveResets ? null : new History(1 << this.#inflateWindowBits);
  }

  /** What the codec holds right now. */
  get contexts(): ContextState {
    return {
      deflate: this.#compressor !== null,
      inflate: this.#decoding !== null || this.#streamDecoder !== null,
      historyBytes: this.#received?.length ?? 0,
    };
  }

  // ---- compression ----

  encode(payload: Uint8Array, _isBinary?: boolean): EncodedMessage | Promise<EncodedMessage> {
    if (this.#disposed) throw disposedError();
    if (payload.length < this.#threshold) return { payload, rsv: 0 };
    // An empty message is one empty stored block (§7.2.3.6): both windows stay as they are.
    if (payload.length === 0) return { payload: Buffer.of(0x00), rsv: RSV1 };
    if (!this.#takeover && payload.length <= SYNC_DEFLATE_MAX_INPUT && !this.#encodeBusy) {
      const options = syncDeflateOptions(payload.length, this.#level, this.#memLevel, this.#deflateWindowBits);
      return smallerOrAsIs(payload, deflateRawSync(payload, options));
    }
    return new Promise<EncodedMessage>((resolve) => {
      this.#encodeQueue.push({ payload, resolve });
      if (!this.#encodeBusy) this.#nextEncode();
    });
  }

  /**
   * Compresses one fragment of a message sent in pieces: one zlib context for the whole message
   * (the kept one with context takeover), each fragment ending in a sync flush so it can be
   * written at once (the flush's empty stored block is valid DEFLATE in the middle of a
   * message); the last one loses its `00 00 ff ff` (§7.2.1). RSV1 is set: the message is
   * compressed whatever its size, since its size is not known at the first fragment. Each
   * fragment runs on the thread pool, in order with whole messages.
   */
  encodeFragment(payload: Uint8Array, _isBinary: boolean, first: boolean, fin: boolean): Promise<EncodedMessage> {
    if (this.#disposed) throw disposedError();
    return new Promise<EncodedMessage>((resolve, reject) => {
      this.#encodeQueue.push({ payload, resolve, fragment: { first, fin, reject } });
      if (!this.#encodeBusy) this.#nextEncode();
    });
  }

  #nextEncode(): void {
    const job = this.#encodeQueue.shift();
    if (job === undefined) {
      this.#encodeBusy = false;
      return;
    }
    this.#encodeBusy = true;
    this.#limiter.run((done) => this.#startDeflate(job, done));
  }

  /** The context for `job`: the kept one, the one of the fragmented message in progress, or a new one. */
  #compressorFor(job: EncodeJob): DeflateRaw {
    const current = this.#compressor;
    const startsMessage = job.fragment === undefined || job.fragment.first;
    if (current !== null && (this.#takeover || !startsMessage)) return current;
    current?.destroy();
    const stream = createDeflateRaw(this.#deflateStreamOptions);
    stream.on('data', (chunk: Buffer) => {
      const running = this.#encoding;
      if (running === null || running.stream !== stream) return;
      running.chunks.push(chunk);
      running.length += chunk.length;
    });
    stream.on('error', (error) => this.#failDeflate(stream, error));
    this.#compressor = stream;
    return stream;
  }

  #startDeflate(job: EncodeJob, done: () => void): void {
    if (this.#disposed) {
      done();
      return;
    }
    const stream = this.#compressorFor(job);
    const running: Running<EncodeJob, DeflateRaw> = { job, stream, done, chunks: [], length: 0 };
    this.#encoding = running;
    stream.write(job.payload, (error) => {
      if (error == null) this.#finishDeflate(running);
    });
  }

  #finishDeflate(running: Running<EncodeJob, DeflateRaw>): void {
    if (this.#encoding !== running) return;
    this.#encoding = null;
    const { job, stream } = running;
    const flushed = join(running.chunks, running.length);
    const fragment = job.fragment;
    let result: EncodedMessage;
    if (fragment !== undefined) {
      // The first fragment already said "compressed": every fragment goes as zlib made it.
      result = { payload: fragment.fin ? stripTrailer(flushed) : flushed, rsv: RSV1 };
      if (fragment.fin && !this.#takeover) this.#dropCompressor(stream);
    } else {
      result = smallerOrAsIs(job.payload, flushed);
      // A kept context has the message in its window; if it goes out uncompressed, the peer's
      // window does not, so the context starts over empty (a compressor may always use less history).
      if (!this.#takeover) this.#dropCompressor(stream);
      else if (result.rsv === 0) stream.reset();
    }
    running.done();
    job.resolve(result);
    this.#nextEncode();
  }

  /**
   * zlib failing to compress means out of memory in practice. The context is dropped (the next
   * message starts on a new one, which is always valid). A whole message goes uncompressed, as
   * nothing of it was sent: its promise never rejects, since the core only listens to the oldest
   * pending send. A fragment is rejected: earlier ones already went out compressed.
   */
  #failDeflate(stream: DeflateRaw, error: unknown): void {
    this.#dropCompressor(stream);
    const running = this.#encoding;
    if (running === null || running.stream !== stream) return;
    this.#encoding = null;
    running.done();
    if (running.job.fragment !== undefined) running.job.fragment.reject(error);
    else running.job.resolve({ payload: running.job.payload, rsv: 0 });
    this.#nextEncode();
  }

  #dropCompressor(stream: DeflateRaw): void {
    if (this.#compressor === stream) this.#compressor = null;
    stream.destroy();
  }

  // ---- decompression ----

  decode(payload: Uint8Array, rsv: number, maxSize: number): Uint8Array | Promise<Uint8Array> {
    if (this.#disposed) throw disposedError();
    if ((rsv & RSV1) === 0) return payload;
    if (payload.length <= SYNC_INFLATE_MAX_INPUT && !this.#decodeBusy) {
      const inflated = this.#inflateSync(payload, maxSize);
      if (inflated !== null) {
        this.#received?.append(inflated);
        return inflated;
      }
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#decodeQueue.push({ payload, limit: maxSize, resolve, reject });
      if (!this.#decodeBusy) this.#nextDecode();
    });
  }

  /** One-shot inflate on the calling thread; null when the result outgrows the synchronous budget. */
  #inflateSync(payload: Uint8Array, maxSize: number): Buffer | null {
    const cap = Math.min(maxSize, SYNC_INFLATE_MAX_OUTPUT);
    const options: ZlibOptions = {
      windowBits: this.#inflateWindowBits,
      finishFlush: Z_SYNC_FLUSH,
      maxOutputLength: cap,
      chunkSize: inflateChunkSize(payload.length, cap),
    };
    const dictionary = this.#received?.tail();
    if (dictionary !== undefined) options.dictionary = dictionary;
    try {
      return inflateRawSync(withTrailer(payload), options);
    } catch (error) {
      if (!isTooLarge(error)) throw invalidCompressedData(error);
      if (cap >= maxSize) throw messageTooBig(maxSize);
      return null;
    }
  }

  #nextDecode(): void {
    const job = this.#decodeQueue.shift();
    if (job === undefined) {
      this.#decodeBusy = false;
      return;
    }
    this.#decodeBusy = true;
    this.#limiter.run((done) => this.#startInflate(job, done));
  }

  #startInflate(job: DecodeJob, done: () => void): void {
    if (this.#disposed) {
      done();
      return;
    }
    const options: ZlibOptions = { windowBits: this.#inflateWindowBits, flush: Z_SYNC_FLUSH };
    const dictionary = this.#received?.tail();
    if (dictionary !== undefined) options.dictionary = dictionary;
    const stream = createInflateRaw(options);
    const running: Running<DecodeJob, InflateRaw> = { job, stream, done, chunks: [], length: 0 };
    this.#decoding = running;
    stream.on('data', (chunk: Buffer) => {
      if (this.#decoding !== running) return;
      running.length += chunk.length;
      if (running.length > job.limit) {
        // Stop zlib now: the rest of the bomb is never produced.
        this.#failInflate(running, messageTooBig(job.limit));
        return;
      }
      running.chunks.push(chunk);
    });
    stream.on('error', (error) => this.#failInflate(running, invalidCompressedData(error)));
    // A block with BFINAL set (§7.2.3.4) ends zlib's stream early; it ignores the rest of the
    // input and the message is complete. The history carries on into the next fresh context.
    const finish = () => this.#finishInflate(running);
    // One write (one thread-pool trip) when copying the payload is cheap; two for huge ones.
    if (job.payload.length <= COPY_TRAILER_MAX_INPUT) {
      stream.write(withTrailer(job.payload), finish);
    } else {
      stream.write(job.payload);
      stream.write(TRAILER, finish);
    }
  }

  #finishInflate(running: Running<DecodeJob, InflateRaw>): void {
    if (this.#decoding !== running) return;
    this.#decoding = null;
    running.stream.close();
    const data = join(running.chunks, running.length);
    this.#received?.append(data);
    running.done();
    running.job.resolve(data);
    this.#nextDecode();
  }

  #failInflate(running: Running<DecodeJob, InflateRaw>, error: unknown): void {
    if (this.#decoding !== running) return;
    this.#decoding = null;
    running.stream.destroy();
    running.done();
    running.job.reject(error);
    this.#nextDecode();
  }

  /**
   * Inflates one message piece by piece as it arrives (for a connection that streams large
   * messages): one zlib context for the message, primed with the history like a whole message,
   * its output passed on as zlib produces it and held back while paused. See `InflateStream`.
   */
  decodeStream(rsv: number, output: (data: Uint8Array) => void): MessageDecoder {
    if (this.#disposed) throw disposedError();
    if ((rsv & RSV1) === 0) return passThrough(output);
    const decoder = new InflateStream({
      windowBits: this.#inflateWindowBits,
      history: this.#received,
      limiter: this.#limiter,
      output,
      done: (finished) => {
        if (this.#streamDecoder === finished) this.#streamDecoder = null;
      },
    });
    this.#streamDecoder = decoder;
    return decoder;
  }

  // ---- lifetime ----

  /**
   * Frees the history, any zlib context of a running job and the limiter slots this codec
   * holds. Pending operations never settle (the core has stopped listening); later calls throw.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#encodeQueue.length = 0;
    this.#decodeQueue.length = 0;
    this.#received?.clear();
    const compressor = this.#compressor;
    this.#compressor = null;
    compressor?.destroy();
    this.#streamDecoder?.abort();
    const encoding = this.#encoding;
    const decoding = this.#decoding;
    this.#encoding = null;
    this.#decoding = null;
    if (encoding !== null) encoding.done();
    if (decoding !== null) {
      decoding.stream.destroy();
      decoding.done();
    }
  }
}

/** The compressed form when it is smaller, else the message as it is (RSV1 clear). */
function smallerOrAsIs(payload: Uint8Array, flushed: Buffer): EncodedMessage {
  const compressed = stripTrailer(flushed);
  return compressed.length < payload.length ? { payload: compressed, rsv: RSV1 } : { payload, rsv: 0 };
}

/** The decoder of a message sent uncompressed: its bytes as they are. */
function passThrough(output: (data: Uint8Array) => void): MessageDecoder {
  return {
    write(piece) {
      if (piece.length > 0) output(piece);
      return undefined;
    },
    pause() {},
    resume() {},
    abort() {},
  };
}

/**
 * Creates the permessage-deflate codec for one connection, from the parameters the handshake
 * settled (`negotiatePerMessageDeflate` on a server, `acceptResponse` on a client). Pass it to
 * the protocol core: `new Connection({ role, handler, extensions: [codec] })`. Only the codec
 * options (level, memLevel, threshold, limiter) are read, so the options object used for
 * negotiation can be passed as it is.
 */
export function createDeflateExtension(
  params: NegotiatedParams,
  role: Role,
  options: PerMessageDeflateOptions = {},
): PerMessageDeflate {
  return new PerMessageDeflate(params, role, options);
}
