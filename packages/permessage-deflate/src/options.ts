import type { JobLimiter } from './limiter.js';

/** The extension token (RFC 7692 §7). */
export const EXTENSION_NAME = 'permessage-deflate';

/** Smallest and largest LZ77 window a peer may negotiate, as a power of two (RFC 7692 §7.1.2). */
export const MIN_WINDOW_BITS = 8;
export const MAX_WINDOW_BITS = 15;

/**
 * Messages shorter than this many bytes are sent uncompressed by default. Below it, DEFLATE's
 * framing overhead eats most of the gain while a zlib job still costs tens of microseconds
 * (measured in apps/bench/src/micro/deflate.ts).
 */
export const DEFAULT_THRESHOLD = 128;

/**
 * zlib level used by default. Level 1 compresses 64 KiB of text about 2.3x faster than zlib's
 * default (6) for 25-35% larger output (measured in apps/bench/src/micro/deflate.ts): the right
 * trade for a latency-bound protocol.
 */
export const DEFAULT_LEVEL = 1;

/** zlib's default hash memory level (1..9); each step down halves the hash tables. */
export const DEFAULT_MEM_LEVEL = 8;

/**
 * Negotiation policy. The same names mean slightly different things per role, following the
 * RFC 7692 parameter they control:
 *
 * | option                    | server (answers offers)                                     | client (makes the offer)                                   |
 * |---------------------------|-------------------------------------------------------------|------------------------------------------------------------|
 * | `serverNoContextTakeover` | always reset our compressor per message (answer the param)  | ask the server to reset its compressor per message         |
 * | `clientNoContextTakeover` | tell the client to reset its compressor per message         | announce that we reset our compressor per message          |
 * | `serverMaxWindowBits`     | largest window our compressor uses (answered when < 15)     | ask the server to use at most this window                  |
 * | `clientMaxWindowBits`     | window asked of clients that allow it (a number, default 15)| `true` (default): offer the bare param; a number: offer it with that value; `false`: do not offer it |
 */
export interface NegotiationOptions {
  readonly serverNoContextTakeover?: boolean | undefined;
  readonly clientNoContextTakeover?: boolean | undefined;
  readonly serverMaxWindowBits?: number | undefined;
  readonly clientMaxWindowBits?: number | boolean | undefined;
}

/** Compression settings of the message codec (the negotiated parameters come separately). */
export interface CodecOptions {
  /**
   * zlib compression level, 0 (store) to 9, or -1 for zlib's default. Default {@link DEFAULT_LEVEL}.
   * With context takeover it also decides how small messages are compressed: levels 1-3 find
   * no more in a long history than in the last 2 KiB, so each message runs on a fresh context
   * primed with that much; levels 4-9 (and -1) run on a context kept between messages (with
   * `keepContexts`) that searches the whole window: `ws`'s ratio at level 6 (4.89 against
   * 3.85 on 1 KiB JSON-like messages), for about 220 KiB per connection at 15 bits (as `ws`)
   * and more CPU per message (apps/bench/results/deflate-latest.md).
   */
  readonly level?: number | undefined;
  /** zlib memory level, 1..9. Default 8. */
  readonly memLevel?: number | undefined;
  /** Messages shorter than this many bytes go uncompressed. Default {@link DEFAULT_THRESHOLD}. */
  readonly threshold?: number | undefined;
  /** Bounds the zlib jobs running at once; default: the process-wide {@link sharedLimiter}. */
  readonly limiter?: JobLimiter | undefined;
  /**
   * With context takeover, inflate messages up to 16 KiB on a zlib context kept between them
   * (default true): no 32 KiB preset dictionary to copy and prime, no zlib object to build per
   * message, which was most of what a busy connection cost in CPU and RSS. It holds about
   * 40 KiB (a 15-bit window) once the connection has received a compressed message; at levels
   * 4-9 a kept compressor too (see `level`). `false`: each message runs on a fresh context
   * primed with the history, and no zlib context lives between messages.
   */
  readonly keepContexts?: boolean | undefined;
}

/** Everything that configures permessage-deflate, for negotiation and for the codec. */
export interface PerMessageDeflateOptions extends NegotiationOptions, CodecOptions {}

/**
 * The parameters in force on a connection, as the handshake settled them. Window sizes are
 * powers of two (8..15); 15 when the handshake did not limit them.
 */
export interface NegotiatedParams {
  /** The server resets its compression context after each message. */
  readonly serverNoContextTakeover: boolean;
  /** The client resets its compression context after each message. */
  readonly clientNoContextTakeover: boolean;
  /** Largest LZ77 window the server's compressor uses. */
  readonly serverMaxWindowBits: number;
  /** Largest LZ77 window the client's compressor uses. */
  readonly clientMaxWindowBits: number;
}

export function assertWindowBits(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_WINDOW_BITS || value > MAX_WINDOW_BITS) {
    throw new RangeError(`${name} must be an integer from 8 to 15, got ${String(value)}`);
  }
}

export function assertIntegerIn(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}
