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
import { OutputLimitExceeded, SyncZlibContext, syncContextsSupported } from './sync-context.js';
import { inflateChunkSize, syncDeflateOptions } from './zlib-options.js';

const { Z_SYNC_FLUSH } = constants;

/** RSV1: "this message is compressed" (RFC 7692 §6). */
const RSV1 = 4;

/** The empty stored block a sync flush ends with; stripped on send, appended on receipt (§7.2.1, §7.2.2). */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Messages up to these sizes are compressed / inflated by zlib's one-shot synchronous
 * functions: several times faster than a thread-pool round trip for small messages (see the
 * micro bench), and no context outlives the call. Above them the event loop would stall too
 * long, so the work goes to the thread pool.
 */
const SYNC_DEFLATE_MAX_INPUT = 16 * 1024;
const SYNC_INFLATE_MAX_INPUT = 16 * 1024;
/** A synchronous inflate stops here; a larger result is redone on the thread pool. Bounds the stall. */
const SYNC_INFLATE_MAX_OUTPUT = 256 * 1024;
/**
 * With context takeover, a synchronous compression is primed with at most this much history.
 * zlib hashes the whole dictionary per call, so a full 32 KiB window would cost more than the
 * message; recent messages give most of the gain (a compressor may always use less history
 * than the window allows). Decompression always gets the full window: the peer decides.
 * zlib's fast levels (1-3, no lazy matching) compress 1 KiB messages no better with 8 KiB of
 * history than with 2 KiB; the lazy levels (4-9) still gain a few percent up to 8 KiB (see the
 * README's figures). Node also keeps a copy of every dictionary until the call's zlib object is
 * garbage collected, so a shorter one is less memory too.
 */
const SYNC_DEFLATE_MAX_DICTIONARY_FAST = 2 * 1024;
const SYNC_DEFLATE_MAX_DICTIONARY = 8 * 1024;
/** zlib runs levels up to this one with its fast strategy (no lazy matching). */
const LAST_FAST_LEVEL = 3;
/** Up to this size the trailer is appended by copying, so zlib gets the message in one write. */
const COPY_TRAILER_MAX_INPUT = 1024 * 1024;
/** Room for the block headers and the sync flush's trailer beyond a message compressed on a kept context. */
const KEPT_DEFLATE_SLACK = 64;

export type Role = 'server' | 'client';

/** What a codec holds right now (see the README for what each costs). */
export interface ContextState {
  /** A zlib compression context exists (kept for context takeover, or while an asynchronous job runs). */
  readonly deflate: boolean;
  /** A zlib decompression context exists (kept for context takeover, while an asynchronous job runs, or while a message is inflated in pieces). */
  readonly inflate: boolean;
  /** Bytes of LZ77 history kept between messages for context takeover (both directions). */
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

/** An asynchronous job on its own zlib stream, holding a limiter slot. */
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
 * - Decompression: `00 00 ff ff` appended back, output counted as zlib produces it and the job
 *   stopped as soon as it passes the limit (1009): a bomb costs at most the limit plus one chunk.
 * - Context takeover follows the negotiated parameters (our compressor obeys our role's
 *   `*_no_context_takeover`, our decompressor the peer's). Its source of truth is plain
 *   history bytes (what the LZ77 window holds): a message that runs on a fresh context is
 *   primed with them as a preset dictionary. With `keepContexts` (the default), small messages
 *   are inflated on a zlib context kept between them, which carries the window itself, and
 *   compressed on one at zlib's lazy levels (4-9), which use the whole window; the fast levels
 *   compress each message on a fresh context primed with the last 2 KiB sent, which is all
 *   they use. A kept context is dropped whenever a message of its direction takes another path
 *   (thread pool, fragments, streaming) and rebuilt from the history on the next small one.
 *   With `keepContexts: false` no zlib context lives between messages.
 * - Order: each direction completes in call order; asynchronous jobs go through a FIFO limiter.
 */
export class PerMessageDeflate implements MessageExtension {
  readonly name = EXTENSION_NAME;
  readonly rsvMask = RSV1;
  readonly role: Role;
  readonly params: NegotiatedParams;

  readonly #limiter: JobLimiter;
  readonly #threshold: number;
  /** With context takeover, small messages are inflated on a kept context (see the class comment). */
  readonly #keepInflater: boolean;
  /** Small messages are compressed on a kept context (lazy levels only). */
  readonly #keepDeflater: boolean;
  #disposed = false;

  // Sending side: our role's window and context rules.
  readonly #level: number;
  readonly #memLevel: number;
  readonly #deflateWindowBits: number;
  /** History a synchronous compression is primed with (with context takeover). */
  readonly #dictionaryLimit: number;
  readonly #deflateStreamOptions: ZlibOptions;
  /** Plaintext of the messages we sent compressed; null without context takeover. */
  readonly #sent: History | null;
  readonly #encodeQueue: EncodeJob[] = [];
  #encodeBusy = false;
  #encoding: Running<EncodeJob, DeflateRaw> | null = null;
  /** The compression context of a message being sent in fragments: it lives from its first fragment to its last. */
  #fragmentStream: DeflateRaw | null = null;
  /** The kept compression context; its window matches `#sent` while it exists. */
  #deflater: SyncZlibContext | null = null;

  // Receiving side: the peer's window and context rules.
  readonly #inflateWindowBits: number;
  /** Output of the compressed messages we received; null without context takeover. */
  readonly #received: History | null;
  readonly #decodeQueue: DecodeJob[] = [];
  #decodeBusy = false;
  #decoding: Running<DecodeJob, InflateRaw> | null = null;
  /** The message being inflated piece by piece (see `decodeStream`). */
  #streamDecoder: InflateStream | null = null;
  /** The kept decompression context; its window matches `#received` while it exists. */
  #inflater: SyncZlibContext | null = null;

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
    const keepContexts = options.keepContexts !== false && syncContextsSupported();
    const fastLevel = level >= 0 && level <= LAST_FAST_LEVEL;
    this.#keepInflater = keepContexts;
    this.#keepDeflater = keepContexts && !fastLevel;

    const isServer = role === 'server';
    const sendResets = isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    const receiveResets = isServer ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    const ownBits = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const peerBits = isServer ? params.clientMaxWindowBits : params.serverMaxWindowBits;

    // zlib cannot compress with a 256-byte window: raw deflate with 8 is rejected by zlib >= 1.2.9
    // (Node quietly runs it with 9). Running with 9 is still correct for a peer that honours 8:
    // zlib never emits a distance beyond the window size minus MIN_LOOKAHEAD (262 bytes), so a
    // 512-byte window reaches back at most 250 bytes (checked by the tests with a strict decoder).
    const deflateWindowBits = Math.max(9, ownBits);
    this.#level = level;
    this.#memLevel = memLevel;
    this.#deflateWindowBits = deflateWindowBits;
    // Level -1 is zlib's default, 6.
    this.#dictionaryLimit = fastLevel ? SYNC_DEFLATE_MAX_DICTIONARY_FAST : SYNC_DEFLATE_MAX_DICTIONARY;
    // Every write ends in a sync flush: one thread-pool trip per message instead of write + flush.
    this.#deflateStreamOptions = { level, memLevel, windowBits: deflateWindowBits, flush: Z_SYNC_FLUSH };
    this.#sent = sendResets ? null : new History(1 << deflateWindowBits);

    // Inflating with a larger window than the peer's is always safe; 9 for 8 tolerates peers
    // whose zlib silently upgraded 8 to 9 without the distance bound above.
    this.#inflateWindowBits = Math.max(9, peerBits);
    this.#received = receiveResets ? null : new History(1 << this.#inflateWindowBits);
  }

  /** What the codec holds right now. */
  get contexts(): ContextState {
    return {
      deflate: this.#encoding !== null || this.#deflater !== null,
      inflate: this.#decoding !== null || this.#streamDecoder !== null || this.#inflater !== null,
      historyBytes: (this.#sent?.length ?? 0) + (this.#received?.length ?? 0),
    };
  }

  // ---- compression ----

  encode(payload: Uint8Array, _isBinary?: boolean): EncodedMessage | Promise<EncodedMessage> {
    if (this.#disposed) throw disposedError();
    if (payload.length < this.#threshold) return { payload, rsv: 0 };
    // An empty message is one empty stored block (§7.2.3.6): both windows stay as they are.
    if (payload.length === 0) return { payload: Buffer.of(0x00), rsv: RSV1 };
    if (payload.length <= SYNC_DEFLATE_MAX_INPUT && !this.#encodeBusy) {
      if (this.#sent !== null && this.#keepDeflater) return this.#encodeKept(payload, this.#sent);
      const dictionary = this.#sent?.tail(this.#dictionaryLimit);
      const options = syncDeflateOptions(
        payload.length,
        dictionary?.length ?? 0,
        this.#level,
        this.#memLevel,
        this.#deflateWindowBits,
      );
      if (dictionary !== undefined) options.dictionary = dictionary;
      return this.#encoded(payload, deflateRawSync(payload, options));
    }
    return new Promise<EncodedMessage>((resolve) => {
      this.#encodeQueue.push({ payload, resolve });
      if (!this.#encodeBusy) this.#nextEncode();
    });
  }

  /** Compresses a small message on the kept context (created, primed with the history, on first use). */
  #encodeKept(payload: Uint8Array, sent: History): EncodedMessage {
    let deflater = this.#deflater;
    try {
      if (deflater === null) {
        deflater = SyncZlibContext.deflate({
          level: this.#level,
          memLevel: this.#memLevel,
          windowBits: this.#deflateWindowBits,
          dictionary: sent.tail(),
        });
        this.#deflater = deflater;
      }
      const compressed = stripTrailer(
        deflater.write(payload, Z_SYNC_FLUSH, payload.length + KEPT_DEFLATE_SLACK, Number.POSITIVE_INFINITY).output,
      );
      if (compressed.length < payload.length) {
        sent.append(payload);
        return { payload: compressed, rsv: RSV1 };
      }
    } catch {
      // zlib failing to compress means out of memory in practice: the message goes uncompressed.
    }
    // Uncompressed, the message enters neither window, but the kept context has taken it in:
    // the next message gets a context primed with the history again.
    this.#dropDeflater();
    return { payload, rsv: 0 };
  }

  #dropDeflater(): void {
    this.#deflater?.close();
    this.#deflater = null;
  }

  /**
   * Compresses one fragment of a message sent in pieces: one zlib context for the whole message,
   * primed with the history like a whole message, each fragment ending in a sync flush so it can
   * be written at once (the flush's empty stored block is valid DEFLATE in the middle of a
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

  #deflateFragment(job: EncodeJob, done: () => void): void {
    const fragment = job.fragment;
    if (this.#disposed || fragment === undefined) {
      done();
      return;
    }
    this.#dropDeflater();
    let stream = this.#fragmentStream;
    if (fragment.first || stream === null) {
      stream?.close();
      const dictionary = this.#sent?.tail();
      stream = createDeflateRaw(
        dictionary === undefined ? this.#deflateStreamOptions : { ...this.#deflateStreamOptions, dictionary },
      );
      this.#fragmentStream = stream;
    }
    const current = stream;
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    };
    const onError = (error: unknown) => {
      // The first fragment already said "compressed": the message cannot go on uncompressed.
      current.off('data', onData);
      if (this.#fragmentStream === current) this.#fragmentStream = null;
      done();
      fragment.reject(error);
      this.#nextEncode();
    };
    current.on('data', onData);
    current.once('error', onError);
    current.write(job.payload, () => {
      current.off('data', onData);
      current.off('error', onError);
      if (this.#disposed) {
        done(); // the limiter slot; the core has stopped listening
        return;
      }
      let output = join(chunks, length);
      if (fragment.fin) {
        output = stripTrailer(output);
        current.close();
        this.#fragmentStream = null;
      }
      this.#sent?.append(job.payload);
      done();
      job.resolve({ payload: output, rsv: RSV1 });
      this.#nextEncode();
    });
  }

  /** Decides between the compressed form and the original, and records what the peer's window gets. */
  #encoded(payload: Uint8Array, flushed: Buffer | null): EncodedMessage {
    if (flushed === null) return { payload, rsv: 0 };
    const compressed = stripTrailer(flushed);
    if (compressed.length >= payload.length) return { payload, rsv: 0 };
    this.#sent?.append(payload);
    return { payload: compressed, rsv: RSV1 };
  }

  #nextEncode(): void {
    const job = this.#encodeQueue.shift();
    if (job === undefined) {
      this.#encodeBusy = false;
      return;
    }
    this.#encodeBusy = true;
    if (job.fragment !== undefined) this.#limiter.run((done) => this.#deflateFragment(job, done));
    else this.#limiter.run((done) => this.#startDeflate(job, done));
  }

  #startDeflate(job: EncodeJob, done: () => void): void {
    if (this.#disposed) {
      done();
      return;
    }
    this.#dropDeflater();
    const dictionary = this.#sent?.tail();
    const stream = createDeflateRaw(
      dictionary === undefined ? this.#deflateStreamOptions : { ...this.#deflateStreamOptions, dictionary },
    );
    const running: Running<EncodeJob, DeflateRaw> = { job, stream, done, chunks: [], length: 0 };
    this.#encoding = running;
    stream.on('data', (chunk: Buffer) => {
      running.chunks.push(chunk);
      running.length += chunk.length;
    });
    // zlib failing to compress means out of memory in practice. Nothing was sent, so the message
    // goes uncompressed, which is always legal. The promise never rejects: the core only listens
    // to the oldest pending send.
    stream.on('error', () => this.#finishDeflate(running, null));
    stream.write(job.payload, () => this.#finishDeflate(running, join(running.chunks, running.length)));
  }

  #finishDeflate(running: Running<EncodeJob, DeflateRaw>, flushed: Buffer | null): void {
    if (this.#encoding !== running) return;
    this.#encoding = null;
    running.stream.close();
    running.done();
    running.job.resolve(this.#encoded(running.job.payload, flushed));
    this.#nextEncode();
  }

  // ---- decompression ----

  decode(payload: Uint8Array, rsv: number, maxSize: number): Uint8Array | Promise<Uint8Array> {
    if (this.#disposed) throw disposedError();
    if ((rsv & RSV1) === 0) return payload;
    if (payload.length <= SYNC_INFLATE_MAX_INPUT && !this.#decodeBusy) {
      const received = this.#received;
      const inflated =
        received !== null && this.#keepInflater
          ? this.#inflateKept(payload, maxSize, received)
          : this.#inflateSync(payload, maxSize);
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

  /** Inflates on the kept context (created, primed with the history, on first use); null as `#inflateSync`. */
  #inflateKept(payload: Uint8Array, maxSize: number, received: History): Buffer | null {
    const cap = Math.min(maxSize, SYNC_INFLATE_MAX_OUTPUT);
    try {
      let inflater = this.#inflater;
      if (inflater === null) {
        inflater = SyncZlibContext.inflate({ windowBits: this.#inflateWindowBits, dictionary: received.tail() });
        this.#inflater = inflater;
      }
      const { output, unconsumed } = inflater.write(
        withTrailer(payload),
        Z_SYNC_FLUSH,
        inflateChunkSize(payload.length, cap),
        cap,
      );
      // A block with BFINAL ended zlib's stream: the rest is ignored, and the next message
      // gets a fresh context primed with the history.
      if (unconsumed > 0) this.#dropInflater();
      return output;
    } catch (error) {
      // The context stopped in the middle of the message; the history has not taken it in.
      this.#dropInflater();
      if (!(error instanceof OutputLimitExceeded)) throw invalidCompressedData(error);
      if (cap >= maxSize) throw messageTooBig(maxSize);
      return null;
    }
  }

  #dropInflater(): void {
    this.#inflater?.close();
    this.#inflater = null;
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
    this.#dropInflater();
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
    this.#dropInflater();
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
    this.#sent?.clear();
    this.#received?.clear();
    this.#fragmentStream?.destroy();
    this.#fragmentStream = null;
    this.#dropDeflater();
    this.#dropInflater();
    this.#streamDecoder?.abort();
    const encoding = this.#encoding;
    const decoding = this.#decoding;
    this.#encoding = null;
    this.#decoding = null;
    if (encoding !== null) {
      encoding.stream.destroy();
      encoding.done();
    }
    if (decoding !== null) {
      decoding.stream.destroy();
      decoding.done();
    }
  }
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
