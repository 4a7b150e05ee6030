// Options for zlib's one-shot synchronous calls, sized to the message.
import { constants, type ZlibOptions } from 'node:zlib';

const { Z_SYNC_FLUSH } = constants;

/** zlib's lookahead (MIN_LOOKAHEAD): a window of 2^w bytes reaches back at most 2^w - 262. */
const LOOKAHEAD = 262;
/** Node's smallest `chunkSize`. */
const MIN_CHUNK = 64;
/** Largest output buffer guessed for a synchronous inflate; more output gets more buffers. */
const MAX_INFLATE_CHUNK = 64 * 1024;
/** Room for the block headers and the sync flush's trailer beyond the input. */
const DEFLATE_SLACK = 64;

/**
 * Window bits for compressing one message of `length` bytes on a fresh context: the smallest
 * window that reaches every earlier byte of the message (and of the history it is primed with),
 * at most `maxBits`. No match can reach
 * further back than the message anyway, so compressible data comes out byte for byte as with the
 * full window (tested); only the stored blocks of incompressible data may split differently. zlib
 * then allocates and clears less per call (a 15-bit context is about 256 KiB, an 11-bit one
 * about 80 KiB).
 */
export function fittedWindowBits(length: number, maxBits: number): number {
  let bits = 9;
  while (bits < maxBits && (1 << bits) - LOOKAHEAD < length) bits++;
  return bits;
}

/**
 * One-shot compression of `length` bytes, primed with `dictionaryLength` bytes of history: a
 * window fitted to both and one output buffer the size of the input. Node's default output
 * buffer is 16 KiB per call, and the result is a view into it, so every small message kept
 * 16 KiB alive until the next garbage collection; an output of at most `length + 64` bytes
 * comes from Node's shared pool for small messages instead.
 */
export function syncDeflateOptions(
  length: number,
  dictionaryLength: number,
  level: number,
  memLevel: number,
  maxWindowBits: number,
): ZlibOptions {
  return {
    level,
    memLevel,
    windowBits: fittedWindowBits(dictionaryLength + length, maxWindowBits),
    chunkSize: Math.max(MIN_CHUNK, length + DEFLATE_SLACK),
    finishFlush: Z_SYNC_FLUSH,
  };
}

/**
 * Output buffer for inflating `length` compressed bytes: eight times the input (text rarely
 * compresses better at these sizes; when it does, zlib continues in further buffers). Small
 * results then come from Node's shared pool instead of a fresh 16 KiB buffer per message.
 */
export function inflateChunkSize(length: number, limit: number): number {
  return Math.max(MIN_CHUNK, Math.min(length * 8, limit, MAX_INFLATE_CHUNK));
}
