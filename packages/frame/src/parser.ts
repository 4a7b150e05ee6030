import { FrameError, FrameErrorCode } from './errors.js';
import { invalidLength64, payloadTooBig, readLength64 } from './header.js';
import { xorMaskWord } from './mask.js';

/** One parsed frame. `payload` is already unmasked. */
export interface Frame {
  fin: boolean;
  /** RSV1-3 as a 3-bit number, see `Rsv`. */
  rsv: number;
  opcode: number;
  masked: boolean;
  /**
   * The unmasked payload. When the frame arrived inside one pushed chunk this is a view
   * into that chunk made with `subarray()` (so a Buffer chunk gives a Buffer; the view
   * keeps the whole chunk alive: `slice()` it to keep a small payload for long);
   * otherwise a buffer of exactly the payload length from `options.allocate`.
   */
  payload: Uint8Array;
}

/** The frame whose payload is still arriving, see `FrameParser.partial`. */
export interface PartialFrame {
  opcode: number;
  fin: boolean;
  rsv: number;
  payloadLength: number;
  /** The payload bytes received so far, unmasked (a view; valid until the next push/next). */
  received: Uint8Array;
}

/**
 * A part of a data frame's payload, as `nextPiece()` returns it for a frame read in pieces: the
 * frame's header fields, and the payload bytes that arrived since the previous piece.
 */
export interface FramePiece {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Length of the whole frame's payload. */
  frameLength: number;
  /** Where `payload` starts within the frame's payload (0 for the first piece). */
  offset: number;
  /**
   * These bytes, unmasked: a view into a pushed chunk (no copy). The frame is complete when
   * `offset + payload.length === frameLength`.
   */
  payload: Uint8Array;
}

export interface FrameParserOptions {
  /** 'server' requires masked frames, 'client' unmasked ones (RFC 6455 §5.1). */
  role: 'server' | 'client';
  /** Largest accepted payload per frame; above it the parser fails with 1009. Default 64 MiB. */
  maxPayloadLength?: number;
  /** RSV bits a negotiated extension owns (see `Rsv`); any other set bit fails with 1002. Default 0. */
  allowedRsv?: number;
  /**
   * Allocates the buffer for a payload that spans chunks (and, once, the shared empty
   * payload). Default `(n) => new Uint8Array(n)`. Node servers can pass
   * `Buffer.allocUnsafe`: every payload then is a Buffer (views of pushed Buffers are
   * Buffers too), and skipping the zero fill is safe because only bytes already
   * written are ever exposed.
   */
  allocate?: ((length: number) => Uint8Array) | undefined;
}

export const DEFAULT_MAX_PAYLOAD_LENGTH = 64 * 1024 * 1024;

function defaultAllocate(length: number): Uint8Array {
  return new Uint8Array(length);
}

function checkMaxPayloadLength(value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`Invalid maxPayloadLength ${String(value)}: must be a non-negative number`);
  }
  return value;
}

function checkAllowedRsv(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 7) {
    throw new RangeError(`Invalid allowedRsv ${String(value)}: must be an integer from 0 to 7 (see Rsv)`);
  }
  return value;
}

/** The longest header: 2 bytes, 8 of extended length, 4 of mask key. */
const MAX_HEADER_LENGTH = 14;

/** The empty payload of parsers with the default allocator, shared by all of them. */
const EMPTY = new Uint8Array(0);
/**
 * The empty payload made by each custom allocator, shared by the parsers using it: a server's
 * connections share one allocator, and a parser per connection should not cost an object more.
 */
const emptyByAllocator = new WeakMap<(length: number) => Uint8Array, Uint8Array>();

/** Header length implied by the second header byte: 2 + extended length + mask key. */
function headerLengthOf(b1: number): number {
  const len7 = b1 & 0x7f;
  return (len7 < 126 ? 2 : len7 === 126 ? 4 : 10) + ((b1 & 0x80) >>> 5);
}

/**
 * Streaming RFC 6455 frame parser for one connection. Feed it the bytes as they arrive
 * with `push()` (any chunking), then call `next()` until it returns null. It parses
 * lazily, one frame per `next()`, so `maxPayloadLength` and `allowedRsv` may change
 * between frames (e.g. once an extension is negotiated).
 *
 * A frame that lies within one chunk is returned as a view into that chunk, unmasked in
 * place (the parser owns pushed chunks). A payload that spans chunks is copied, once,
 * into a buffer of exactly its length, allocated as soon as the header is known and the
 * payload is seen not to fit in the chunk at hand, and unmasked as it arrives. Every rule is
 * checked as soon as the bytes it needs are there, and a too-long length is refused from
 * the header, before any payload is buffered. After a FrameError the parser stays failed:
 * `next()` throws the same error and `push()` drops its input.
 *
 * A consumer that takes large payloads as they arrive calls `nextPiece()` instead: a data frame
 * that spans chunks is then returned in pieces (views, never gathered into one buffer).
 */
export class FrameParser {
  #maxPayloadLength: number;
  #allowedRsv: number;
  readonly #expectMasked: boolean;
  readonly #allocate: (length: number) => Uint8Array;
  /** The payload of every empty frame (zero-length buffers cannot be modified, so one is shared). */
  readonly #empty: Uint8Array;

  // Pending input: the chunk being read (never exhausted while set) and the ones after it.
  #cur: Uint8Array | null = null;
  #off = 0;
  /** Made on the first chunk that arrives while another is still being read. */
  #queue: Array<Uint8Array | undefined> | null = null;
  #queueHead = 0;
  #queued = 0;

  // A header split across chunks is gathered in a small buffer, made the first time a
  // header is split: most connections never need one, and an idle connection holds none.
  #hdr: Uint8Array | null = null;
  #hdrLen = 0;
  #hdrNeed = 2;

  // The frame whose payload is being read.
  #inPayload = false;
  /** The current frame's first header byte: FIN, RSV and opcode (one field, not three). */
  #b0 = 0;
  #masked = false;
  /** The current frame's mask key, its bytes read little-endian (see `xorMaskWord`). */
  #mask = 0;
  #length = 0;
  #payload: Uint8Array | null = null;
  #received = 0;
  /** The frame whose payload is being read is returned in pieces (see `nextPiece`). */
  #pieced = false;

  #error: FrameError | null = null;

  constructor(options: FrameParserOptions) {
    const role = options?.role;
    if (role !== 'server' && role !== 'client') {
      throw new TypeError(`Invalid role ${String(role)}: must be 'server' or 'client'`);
    }
    this.#expectMasked = role === 'server';
    this.#maxPayloadLength = checkMaxPayloadLength(options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD_LENGTH);
    this.#allowedRsv = checkAllowedRsv(options.allowedRsv ?? 0);
    const allocate = options.allocate ?? defaultAllocate;
    if (typeof allocate !== 'function') throw new TypeError('options.allocate must be a function');
    this.#allocate = allocate;
    let empty = allocate === defaultAllocate ? EMPTY : emptyByAllocator.get(allocate);
    if (empty === undefined) {
      empty = this.#alloc(0);
      emptyByAllocator.set(allocate, empty);
    }
    this.#empty = empty;
  }

  #alloc(length: number): Uint8Array {
    const buffer = this.#allocate(length);
    if (!(buffer instanceof Uint8Array) || buffer.length !== length) {
      throw new TypeError(`options.allocate(${length}) must return a Uint8Array of exactly that length`);
    }
    return buffer;
  }

  /** Largest accepted payload per frame (checked against each new frame's header). */
  get maxPayloadLength(): number {
    return this.#maxPayloadLength;
  }

  set maxPayloadLength(value: number) {
    this.#maxPayloadLength = checkMaxPayloadLength(value);
  }

  /** RSV bits accepted on new frames (see `Rsv`). */
  get allowedRsv(): number {
    return this.#allowedRsv;
  }

  set allowedRsv(value: number) {
    this.#allowedRsv = checkAllowedRsv(value);
  }

  /**
   * Bytes held and not yet returned as frames: pushed input not parsed yet, a partial
   * header, and the received part of a partial payload.
   */
  get bufferedAmount(): number {
    // The bytes of a frame read in pieces were returned, not held.
    return this.#queued + this.#hdrLen + (this.#pieced ? 0 : this.#received);
  }

  /** The error the parser failed with, or null. */
  get error(): FrameError | null {
    return this.#error;
  }

  /**
   * The frame whose header has been parsed but whose payload is still incomplete, with
   * the unmasked payload bytes received so far; null otherwise. Meaningful after `next()`
   * returned null. It lets a caller check a text frame's UTF-8 while it is arriving. For a
   * frame read in pieces, `received` is empty: its bytes were returned as pieces.
   */
  get partial(): PartialFrame | null {
    if (!this.#inPayload) return null;
    const payload = this.#pieced ? null : this.#payload;
    return {
      opcode: this.#b0 & 0x0f,
      fin: (this.#b0 & 0x80) !== 0,
      rsv: (this.#b0 >> 4) & 7,
      payloadLength: this.#length,
      received: payload === null ? this.#empty : payload.subarray(0, this.#received),
    };
  }

  /**
   * Appends a chunk of input. The parser takes ownership: it unmasks payloads in place
   * and returns views into the chunk, so do not reuse or modify the chunk afterwards.
   */
  push(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('FrameParser.push expects a Uint8Array');
    const n = chunk.length;
    if (n === 0 || this.#error !== null) return;
    this.#queued += n;
    if (this.#cur === null) {
      this.#cur = chunk;
      this.#off = 0;
    } else {
      if (this.#queue === null) this.#queue = [];
      this.#queue.push(chunk);
    }
  }

  /**
   * Parses the next frame: returns it, or null when more bytes are needed. Throws a
   * FrameError (with its close code) when the input breaks a framing rule.
   */
  next(): Frame | null {
    if (this.#pieced) throw new TypeError('a frame read in pieces must be read to its end with nextPiece()');
    return this.#next(Number.POSITIVE_INFINITY) as Frame | null;
  }

  /**
   * Like `next()`, except that a data frame (text, binary, continuation) whose payload is at
   * least `threshold` bytes long and does not lie within the chunk at hand is returned in
   * pieces: each call returns the payload bytes that have arrived (a `FramePiece`, a view
   * unmasked in place), so the payload is never gathered into one buffer. The threshold is read
   * when a frame's header is parsed; once a frame is read in pieces, read it to its end with
   * `nextPiece()`. Frames within one chunk, control frames and shorter payloads come whole.
   */
  nextPiece(threshold: number): Frame | FramePiece | null {
    return this.#next(threshold);
  }

  #next(threshold: number): Frame | FramePiece | null {
    if (this.#error !== null) throw this.#error;
    if (this.#inPayload) return this.#pieced ? this.#readPiece() : this.#readPayload();
    const chunk = this.#cur;
    if (chunk === null) return null;
    const off = this.#off;
    const available = chunk.length - off;
    if (this.#hdrLen === 0 && available >= 2) {
      // Hot path: the whole header, and usually the whole payload, is in this chunk.
      const b0 = chunk[off]!;
      const b1 = chunk[off + 1]!;
      const headerLength = headerLengthOf(b1);
      if (available >= headerLength) {
        this.#checkByte0(b0);
        this.#checkByte1(b0, b1);
        this.#readHeader(chunk, off, b0, b1);
        const length = this.#length;
        if (available - headerLength >= length) {
          const start = off + headerLength;
          const end = start + length;
          const payload = length === 0 ? this.#empty : chunk.subarray(start, end);
          if (this.#masked && length !== 0) xorMaskWord(payload, 0, payload, 0, length, this.#mask, 0);
          this.#consume(chunk, end, headerLength + length);
          return this.#frame(payload);
        }
        this.#consume(chunk, off + headerLength, headerLength);
        return this.#startPayload(threshold);
      }
    }
    if (!this.#gatherHeader()) return null;
    const hdr = this.#hdr!;
    this.#readHeader(hdr, 0, hdr[0]!, hdr[1]!);
    this.#hdrLen = 0;
    this.#hdrNeed = 2;
    return this.#startPayload(threshold);
  }

  #fail(code: FrameErrorCode, message: string): FrameError {
    return this.#failWith(new FrameError(code, message));
  }

  #failWith(error: FrameError): FrameError {
    this.#error = error;
    // Release everything: a failed connection reads no further.
    this.#cur = null;
    this.#off = 0;
    this.#queue = null;
    this.#queueHead = 0;
    this.#queued = 0;
    this.#hdrLen = 0;
    this.#inPayload = false;
    this.#payload = null;
    this.#received = 0;
    this.#pieced = false;
    return error;
  }

  #checkByte0(b0: number): void {
    const rsv = (b0 >> 4) & 7;
    if ((rsv & ~this.#allowedRsv) !== 0) {
      throw this.#fail(FrameErrorCode.UnexpectedRsv, `Unexpected RSV bits ${rsv.toString(2).padStart(3, '0')}`);
    }
    const opcode = b0 & 0x0f;
    if ((opcode > 0x2 && opcode < 0x8) || opcode > 0xa) {
      throw this.#fail(FrameErrorCode.InvalidOpcode, `Invalid opcode 0x${opcode.toString(16)}`);
    }
    if (opcode >= 0x8 && (b0 & 0x80) === 0) {
      throw this.#fail(FrameErrorCode.FragmentedControlFrame, 'Control frames must not be fragmented');
    }
  }

  #checkByte1(b0: number, b1: number): void {
    if ((b1 & 0x80) === 0) {
      if (this.#expectMasked) throw this.#fail(FrameErrorCode.ExpectedMask, 'Frames from a client must be masked');
    } else if (!this.#expectMasked) {
      throw this.#fail(FrameErrorCode.UnexpectedMask, 'Frames from a server must not be masked');
    }
    const len7 = b1 & 0x7f;
    if ((b0 & 0x08) !== 0 && len7 > 125) {
      throw this.#fail(FrameErrorCode.ControlFrameTooLong, 'Control frame payloads must not exceed 125 bytes');
    }
    if (len7 < 126 && len7 > this.#maxPayloadLength) throw this.#tooBig(len7);
  }

  #tooBig(length: number): FrameError {
    return this.#failWith(payloadTooBig(length, this.#maxPayloadLength));
  }

  /**
   * Reads and checks the payload length of a header whose first two bytes passed the
   * checks; `bytes[off]` is the header's first byte and its extended length must be there.
   */
  #readLength(bytes: Uint8Array, off: number, b1: number): number {
    let length = b1 & 0x7f;
    if (length === 126) {
      length = (bytes[off + 2]! << 8) | bytes[off + 3]!;
    } else if (length === 127) {
      try {
        length = readLength64(bytes, off + 2);
      } catch (error) {
        throw this.#failWith(error as FrameError);
      }
    } else {
      return length; // Checked with byte 1.
    }
    // A length past Number.MAX_SAFE_INTEGER reads as Infinity: too big even without a limit.
    if (length > this.#maxPayloadLength || length > Number.MAX_SAFE_INTEGER) throw this.#tooBig(length);
    return length;
  }

  /** Reads the length and mask key of a complete header whose first two bytes passed the checks. */
  #readHeader(bytes: Uint8Array, off: number, b0: number, b1: number): void {
    const length = this.#readLength(bytes, off, b1);
    const p = off + headerLengthOf(b1 & 0x7f);
    this.#b0 = b0;
    this.#length = length;
    if ((b1 & 0x80) !== 0) {
      this.#masked = true;
      this.#mask = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
    } else {
      this.#masked = false;
    }
  }

  /** Moves the read position to `end` of the current chunk, `n` bytes further. */
  #consume(chunk: Uint8Array, end: number, n: number): void {
    this.#queued -= n;
    if (end === chunk.length) this.#shift();
    else this.#off = end;
  }

  #shift(): void {
    const queue = this.#queue;
    const head = this.#queueHead;
    this.#off = 0;
    if (queue === null || head === queue.length) {
      this.#cur = null;
      return;
    }
    this.#cur = queue[head]!;
    queue[head] = undefined;
    if (head + 1 === queue.length) {
      queue.length = 0;
      this.#queueHead = 0;
    } else if (head >= 1024 && head * 2 >= queue.length) {
      // Input keeps arriving faster than it is drained: drop the consumed slots.
      queue.splice(0, head + 1);
      this.#queueHead = 0;
    } else {
      this.#queueHead = head + 1;
    }
  }

  /**
   * Gathers a header that is split across chunks into the 14-byte buffer, checking each
   * rule as soon as its byte arrives. Returns true once the header is complete.
   */
  #gatherHeader(): boolean {
    if (this.#hdr === null) this.#hdr = new Uint8Array(MAX_HEADER_LENGTH);
    const hdr = this.#hdr;
    let chunk = this.#cur;
    while (chunk !== null) {
      let off = this.#off;
      const end = chunk.length;
      while (off < end) {
        const n = this.#hdrLen;
        const b = chunk[off++]!;
        hdr[n] = b;
        this.#hdrLen = n + 1;
        this.#queued--;
        if (n === 0) {
          this.#checkByte0(b);
        } else if (n === 1) {
          this.#checkByte1(hdr[0]!, b);
          this.#hdrNeed = headerLengthOf(b);
        } else if (n === 2 && b > 0x7f && (hdr[1]! & 0x7f) === 127) {
          throw this.#failWith(invalidLength64());
        } else if (n + 1 === headerLengthOf(hdr[1]! & 0x7f) && n > 1) {
          // The extended length is complete: refuse an oversized frame before its mask key.
          this.#readLength(hdr, 0, hdr[1]!);
        }
        if (n + 1 === this.#hdrNeed) {
          if (off === end) this.#shift();
          else this.#off = off;
          return true;
        }
      }
      this.#shift();
      chunk = this.#cur;
    }
    return false;
  }

  #startPayload(threshold: number): Frame | FramePiece | null {
    if (this.#length === 0) {
      return this.#frame(this.#empty);
    }
    this.#inPayload = true;
    this.#payload = null;
    this.#received = 0;
    // Data opcodes are 0 (continuation), 1 (text) and 2 (binary).
    if (this.#length >= threshold && (this.#b0 & 0x0f) <= 0x2) {
      this.#pieced = true;
      return this.#readPiece();
    }
    return this.#readPayload();
  }

  /** Returns the payload bytes of a pieced frame that are in the chunk at hand, unmasked in place. */
  #readPiece(): FramePiece | null {
    const chunk = this.#cur;
    if (chunk === null) return null;
    const off = this.#off;
    const offset = this.#received;
    const n = Math.min(chunk.length - off, this.#length - offset);
    const piece = chunk.subarray(off, off + n);
    if (this.#masked) xorMaskWord(piece, 0, piece, 0, n, this.#mask, offset);
    this.#received = offset + n;
    this.#consume(chunk, off + n, n);
    const frameLength = this.#length;
    if (offset + n === frameLength) {
      this.#inPayload = false;
      this.#pieced = false;
      this.#received = 0;
    }
    const b0 = this.#b0;
    return {
      fin: (b0 & 0x80) !== 0,
      rsv: (b0 >> 4) & 7,
      opcode: b0 & 0x0f,
      masked: this.#masked,
      frameLength,
      offset,
      payload: piece,
    };
  }

  #readPayload(): Frame | null {
    const length = this.#length;
    let chunk = this.#cur;
    while (chunk !== null) {
      const off = this.#off;
      const available = chunk.length - off;
      const received = this.#received;
      const remaining = length - received;
      let payload = this.#payload;
      if (payload === null) {
        if (available >= remaining) {
          // The header ended a chunk but the whole payload is in the next: still no copy.
          const end = off + length;
          const view = chunk.subarray(off, end);
          if (this.#masked) xorMaskWord(view, 0, view, 0, length, this.#mask, 0);
          this.#consume(chunk, end, length);
          return this.#finish(view);
        }
        payload = this.#alloc(length);
        this.#payload = payload;
      }
      const n = Math.min(available, remaining);
      if (this.#masked) xorMaskWord(chunk, off, payload, received, n, this.#mask, received);
      else payload.set(off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n), received);
      // Count the bytes as received before releasing them from the queue: bufferedAmount stays exact.
      this.#received = received + n;
      this.#consume(chunk, off + n, n);
      if (n === remaining) return this.#finish(payload);
      chunk = this.#cur;
    }
    return null;
  }

  #finish(payload: Uint8Array): Frame {
    this.#inPayload = false;
    this.#payload = null;
    this.#received = 0;
    return this.#frame(payload);
  }

  #frame(payload: Uint8Array): Frame {
    const b0 = this.#b0;
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked: this.#masked, payload };
  }
}
