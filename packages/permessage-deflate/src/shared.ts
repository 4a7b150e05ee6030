// Compression of one message for many receivers (a server's topic publish).
import { constants, deflateRaw, deflateRawSync, type ZlibOptions } from 'node:zlib';
import { type JobLimiter, sharedLimiter } from './limiter.js';
import { assertIntegerIn, assertWindowBits, DEFAULT_LEVEL, DEFAULT_MEM_LEVEL } from './options.js';
import { syncDeflateOptions } from './zlib-options.js';

const { Z_SYNC_FLUSH } = constants;

/** Same split as the per-connection codec: small messages on the calling thread, large ones on the pool. */
const SYNC_MAX_INPUT = 16 * 1024;

export interface SharedCompressionOptions {
  /** The window the receivers negotiated (`server_max_window_bits` on a server), 8..15. */
  readonly windowBits: number;
  /** zlib level, -1..9. Default {@link DEFAULT_LEVEL}. */
  readonly level?: number | undefined;
  /** zlib memory level, 1..9. Default {@link DEFAULT_MEM_LEVEL}. */
  readonly memLevel?: number | undefined;
  /** Bounds the zlib jobs running at once (large messages). Default: {@link sharedLimiter}. */
  readonly limiter?: JobLimiter | undefined;
}

/**
 * Compresses one message the way every receiver that negotiated *no context takeover* for our
 * side (`server_no_context_takeover` on a server) and this window can inflate it: a fresh raw
 * DEFLATE context, ended by a sync flush whose `00 00 ff ff` tail is removed (RFC 7692 §7.2.1).
 * No context means no history, so the bytes are the same for all of them: compress once, send
 * the result (with RSV1 set) to each. Receivers that keep a context take messages compressed by
 * their own codec instead; see `PerMessageDeflate`.
 *
 * Returns the compressed payload, or null when compressing does not make the message smaller
 * (send it uncompressed, always allowed). Messages up to 16 KiB are compressed synchronously; larger
 * ones on the thread pool through the limiter (the Promise never rejects: a zlib failure resolves
 * null). The threshold below which messages stay uncompressed is the caller's to apply.
 */
export function compressShared(
  payload: Uint8Array,
  options: SharedCompressionOptions,
): Uint8Array | null | Promise<Uint8Array | null> {
  assertWindowBits('windowBits', options.windowBits);
  const level = options.level ?? DEFAULT_LEVEL;
  assertIntegerIn('level', level, -1, 9);
  const memLevel = options.memLevel ?? DEFAULT_MEM_LEVEL;
  assertIntegerIn('memLevel', memLevel, 1, 9);
  // zlib refuses raw deflate with a 256-byte window; 9 is safe for a receiver of 8 (see codec.ts).
  const windowBits = Math.max(9, options.windowBits);
  // An empty message is one empty stored block (§7.2.3.6).
  if (payload.length === 0) return Uint8Array.of(0x00);
  if (payload.length <= SYNC_MAX_INPUT) {
    try {
      return smaller(
        payload,
        deflateRawSync(payload, syncDeflateOptions(payload.length, 0, level, memLevel, windowBits)),
      );
    } catch {
      return null;
    }
  }
  const zlibOptions: ZlibOptions = { level, memLevel, windowBits, finishFlush: Z_SYNC_FLUSH };
  const limiter = options.limiter ?? sharedLimiter;
  return new Promise((resolve) => {
    limiter.run((done) => {
      deflateRaw(payload, zlibOptions, (error, result) => {
        done();
        resolve(error === null ? smaller(payload, result) : null);
      });
    });
  });
}

/** The flushed output without its `00 00 ff ff` tail, or null when it is not smaller than the input. */
function smaller(payload: Uint8Array, flushed: Buffer): Uint8Array | null {
  const n = flushed.length;
  const tail =
    n >= 4 && flushed[n - 4] === 0 && flushed[n - 3] === 0 && flushed[n - 2] === 0xff && flushed[n - 1] === 0xff;
  const compressed = tail ? flushed.subarray(0, n - 4) : flushed;
  return compressed.length < payload.length ? compressed : null;
}
