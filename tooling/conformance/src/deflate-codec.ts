import { constants, deflateRaw, deflateRawSync, inflateRawSync, type ZlibOptions } from 'node:zlib';
import { concatBytes } from './frame-writer.js';
import { InflateError, InflateErrorCode, type InflateResult, inflateRaw } from './inflate.js';

/**
 * The peer's own permessage-deflate message codec (RFC 7692 §7.2), one object per
 * direction. It shares nothing with @websock/permessage-deflate: it is the oracle.
 *
 * Context takeover is played by priming each message with the direction's LZ77 history
 * as a preset dictionary: the last 2^windowBits bytes of earlier messages are exactly
 * what a long-lived zlib stream would hold in its window, and a decoder's only state
 * between messages flushed with Z_SYNC_FLUSH is that window.
 */

/** The 4 octets a Z_SYNC_FLUSH ends with, stripped from every message (§7.2.1). */
export const SYNC_TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

export interface DirectionParams {
  /** No context takeover: every message starts from an empty window. */
  noContextTakeover: boolean;
  /** LZ77 window size, 2^windowBits bytes (8-15). */
  windowBits: number;
}

/** Keeps the last `size` bytes of everything appended (the LZ77 window between messages). */
class History {
  private bytes: Uint8Array = new Uint8Array(0);
  constructor(private readonly size: number) {}

  get window(): Uint8Array {
    return this.bytes;
  }

  append(data: Uint8Array): void {
    if (data.length >= this.size) this.bytes = data.slice(data.length - this.size);
    else {
      const keep = Math.min(this.bytes.length, this.size - data.length);
      this.bytes = concatBytes([this.bytes.subarray(this.bytes.length - keep), data]);
    }
  }
}

function endsWithTail(data: Uint8Array): boolean {
  const n = data.length;
  return n >= 4 && data[n - 4] === 0 && data[n - 3] === 0 && data[n - 2] === 0xff && data[n - 1] === 0xff;
}

function checkParams(p: DirectionParams): void {
  if (!Number.isInteger(p.windowBits) || p.windowBits < 8 || p.windowBits > 15) {
    throw new RangeError(`windowBits must be an integer from 8 to 15, got ${p.windowBits}`);
  }
}

/**
 * Messages up to this size are compressed synchronously; larger ones on libuv's thread
 * pool (an asynchronous zlib call costs ~100 µs of main-thread time of its own, measured).
 */
export const SYNC_COMPRESS_LIMIT = 32 * 1024;

/**
 * Compresses the messages this peer sends: one zlib call per message, ended with
 * Z_SYNC_FLUSH and primed with the direction's history when context takeover is in use.
 * Large messages go through the asynchronous one-shot API so their zlib work runs off the
 * thread the peer and the server under test share. Calls are serialized (the history
 * must advance in send order).
 */
export class MessageDeflater {
  private readonly history: History | null;
  private readonly options: ZlibOptions;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly params: DirectionParams,
    level = constants.Z_DEFAULT_COMPRESSION,
  ) {
    checkParams(params);
    // zlib refuses an 8-bit window for raw deflate; with 9 bits it never emits a distance
    // beyond 512 - 262 (MIN_LOOKAHEAD) = 250 bytes, so its output still fits a 256-byte window.
    this.options = { level, windowBits: Math.max(9, params.windowBits), finishFlush: constants.Z_SYNC_FLUSH };
    this.history = params.noContextTakeover ? null : new History(1 << params.windowBits);
  }

  compress(data: Uint8Array): Promise<Uint8Array> {
    const job = this.queue.then(() => this.compressNow(data));
    this.queue = job.catch(() => {});
    return job;
  }

  private async compressNow(data: Uint8Array): Promise<Uint8Array> {
    const dictionary = this.history?.window;
    let options: ZlibOptions = this.options;
    if (dictionary && dictionary.length > 0) options = { ...options, dictionary };
    else if (data.length < 1 << (this.options.windowBits as number)) {
      // Nothing to refer back to but the message itself: a window just big enough for it is
      // the same stream at a fraction of zlib's set-up cost (a tenth for a 16-byte message).
      const bits = Math.max(9, Math.ceil(Math.log2(Math.max(1, data.length))));
      options = { ...options, windowBits: bits, memLevel: Math.max(1, Math.min(8, bits - 7)) };
    }
    const out =
      data.length <= SYNC_COMPRESS_LIMIT
        ? deflateRawSync(data, options)
        : await new Promise<Buffer>((resolve, reject) =>
            deflateRaw(data, options, (err, result) => (err ? reject(err) : resolve(result))),
          );
    if (!endsWithTail(out)) throw new Error('zlib output does not end with 00 00 ff ff after Z_SYNC_FLUSH');
    this.history?.append(data);
    return out.subarray(0, out.length - 4);
  }
}

export interface DecodedMessage {
  data: Uint8Array;
  /** What the independent decoder saw (distances, blocks, final block). */
  inspection: InflateResult;
}

/**
 * Decompresses the messages the server sends and checks them against what was agreed:
 * the message must end on a block boundary (00 00 ff ff appended), use no distance beyond
 * 2^windowBits, reach into earlier messages only with context takeover, and decode the
 * same with zlib and with the independent decoder.
 */
export class MessageInflater {
  private readonly history: History;

  constructor(
    readonly params: DirectionParams,
    private readonly maxOutput = 64 * 1024 * 1024,
  ) {
    checkParams(params);
    // Without context takeover the window still matters: it is what the message may not use.
    this.history = new History(1 << params.windowBits);
  }

  decompress(payload: Uint8Array): DecodedMessage {
    const input = concatBytes([payload, SYNC_TAIL]);
    const window = this.params.noContextTakeover ? new Uint8Array(0) : this.history.window;
    const limit = 1 << this.params.windowBits;
    let inspection: InflateResult;
    try {
      inspection = inflateRaw(input, { window, maxOutput: this.maxOutput });
    } catch (err) {
      if (err instanceof InflateError && err.code === InflateErrorCode.DistanceTooFar) {
        throw new Error(
          this.params.noContextTakeover
            ? `${err.message}: server_no_context_takeover was agreed, yet the message refers to an earlier one`
            : `${err.message}: the window is 2^${this.params.windowBits} bytes`,
        );
      }
      throw err;
    }
    if (inspection.maxDistance > limit) {
      throw new Error(
        `the message uses a back-reference of ${inspection.maxDistance} bytes, beyond the agreed window of ` +
          `2^${this.params.windowBits} = ${limit} bytes (server_max_window_bits, RFC 7692 §7.1.2.1)`,
      );
    }
    if (inspection.finalBlock) {
      // §7.2.3.4: a sender may end with BFINAL; what follows is then only the empty stored
      // block's remains (00) and the tail we appended, nothing else.
      const t = inspection.trailing;
      const onlyTail = t.length >= 4 && t.length <= 5 && endsWithTail(t) && (t.length === 4 || t[0] === 0);
      if (!onlyTail) throw new Error(`${t.length - 4} bytes of data after the final DEFLATE block`);
    }
    const zlibOut = inflateRawSync(input, {
      windowBits: this.params.windowBits,
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: this.maxOutput,
      ...(window.length > 0 ? { dictionary: window } : {}),
    });
    if (Buffer.compare(zlibOut, inspection.output) !== 0) {
      throw new Error(
        `zlib and the independent decoder disagree (${zlibOut.length} vs ${inspection.output.length} bytes): oracle bug?`,
      );
    }
    if (!this.params.noContextTakeover) this.history.append(inspection.output);
    return { data: inspection.output, inspection };
  }
}
